import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';

let server: TestServer;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await server.close();
});

describe('heartbeat', () => {
  it('drops a peer that stops answering pings and tells its room with peer-left', async () => {
    server = await startServer({ HEARTBEAT_INTERVAL_MS: '200' });
    const a = await TestClient.joined(server.wsUrl, 'call');
    // A client whose network vanished: its socket stays open but never pongs.
    const mute = await TestClient.connect(server.wsUrl, { autoPong: false });
    clients.push(a.client, mute);
    mute.send({ type: 'join', room: 'call' });
    const { id } = await mute.next('welcome');
    await a.client.next('peer-joined');
    expect(await a.client.next('peer-left', 2_000)).toEqual({ type: 'peer-left', id, reason: 'disconnected' });
    expect((await mute.closed).code).toBe(1006);
  });

  it('keeps a peer that answers pings, across many intervals', async () => {
    server = await startServer({ HEARTBEAT_INTERVAL_MS: '100' });
    const a = await TestClient.joined(server.wsUrl, 'call');
    const b = await TestClient.joined(server.wsUrl, 'call');
    const mute = await TestClient.connect(server.wsUrl, { autoPong: false });
    clients.push(a.client, b.client, mute);
    // The mute socket is the clock: once it is dropped, several intervals have passed.
    await mute.closed;
    await a.client.next('peer-joined');
    await a.client.expectNothingPending();
    await b.client.expectNothingPending();
  });
});
