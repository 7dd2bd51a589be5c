import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';

let server: TestServer;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await server.close();
});

/** Resolves once `client` has heard `count` pings from the server: the heartbeat's own clock. */
function pings(client: TestClient, count: number, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let heard = 0;
    const timer = setTimeout(() => reject(new Error(`${heard} of ${count} pings within ${timeoutMs} ms`)), timeoutMs);
    const onPing = () => {
      heard += 1;
      if (heard < count) return;
      clearTimeout(timer);
      client.socket.off('ping', onPing);
      resolve();
    };
    client.socket.on('ping', onPing);
    void client.closed.then(() => reject(new Error(`closed after ${heard} of ${count} pings`)));
  });
}

describe('heartbeat', () => {
  it('drops a peer that stops answering pings and tells its room with peer-left', async () => {
    const interval = 200;
    server = await startServer({ HEARTBEAT_INTERVAL_MS: String(interval) });
    const a = await TestClient.joined(server.wsUrl, 'call');
    // A client whose network vanished: its socket stays open but never pongs.
    const mute = await TestClient.connect(server.wsUrl, { autoPong: false });
    clients.push(a.client, mute);
    const joinedAt = performance.now();
    mute.send({ type: 'join', room: 'call' });
    const { id } = await mute.next('welcome');
    await a.client.next('peer-joined');
    // Dropped at the second heartbeat after its last frame: one to ping, one to find no pong. The wait is
    // generous for a loaded machine; the lower bound shows the server waited for the pong it never got.
    expect(await a.client.next('peer-left', 20 * interval)).toEqual({ type: 'peer-left', id, reason: 'disconnected' });
    expect(performance.now() - joinedAt).toBeGreaterThanOrEqual(interval - 1);
    expect((await mute.closed).code).toBe(1006);
  });

  it('keeps a peer that answers pings, across many intervals', async () => {
    server = await startServer({ HEARTBEAT_INTERVAL_MS: '100' });
    const a = await TestClient.joined(server.wsUrl, 'call');
    const b = await TestClient.joined(server.wsUrl, 'call');
    const mute = await TestClient.connect(server.wsUrl, { autoPong: false });
    clients.push(a.client, b.client, mute);
    // Counted in heartbeats rather than milliseconds: each ping after the first means the last one was answered.
    await Promise.all([pings(a.client, 6), pings(b.client, 6)]);
    // Over the same heartbeats a socket that never answers is dropped, so the check is live.
    await mute.closed;
    await a.client.next('peer-joined');
    await a.client.expectNothingPending();
    await b.client.expectNothingPending();
  });
});
