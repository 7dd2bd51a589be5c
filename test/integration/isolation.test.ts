import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';
import { controlPair } from '../helpers/control-pair.js';

let server: TestServer;
let control: Awaited<ReturnType<typeof controlPair>>;
const clients: TestClient[] = [];

beforeEach(async () => {
  server = await startServer();
  control = await controlPair(server.wsUrl);
});
afterEach(async () => {
  control.close();
  for (const client of clients.splice(0)) client.terminate();
  await server.close();
});

const candidate = {
  candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.66 6666 typ host', sdpMid: '0', sdpMLineIndex: 0 },
};

describe('room isolation', () => {
  it('a socket that never joined cannot signal anyone (not-joined)', async () => {
    const stranger = await TestClient.connect(server.wsUrl);
    clients.push(stranger);
    // Even knowing a real peer id must not help.
    const victim = await TestClient.joined(server.wsUrl, 'victim-room');
    clients.push(victim.client);
    stranger.send({ type: 'signal', to: victim.welcome.id, data: candidate });
    expect(await stranger.nextError()).toMatchObject({ code: 'not-joined' });
    await victim.client.expectNothingPending();
    await control.assertUnaffected();
  });

  it('a peer of another room cannot reach a peer it knows the id of (unknown-peer)', async () => {
    const victim = await TestClient.joined(server.wsUrl, 'victim-room');
    const intruder = await TestClient.joined(server.wsUrl, 'intruder-room');
    clients.push(victim.client, intruder.client);
    intruder.client.send({ type: 'signal', to: victim.welcome.id, data: candidate });
    expect(await intruder.client.nextError()).toMatchObject({ code: 'unknown-peer' });
    await victim.client.expectNothingPending();
    await control.assertUnaffected();
  });

  it('a peer that left its room can no longer reach its former peers', async () => {
    const a = await TestClient.joined(server.wsUrl, 'call');
    const b = await TestClient.joined(server.wsUrl, 'call');
    clients.push(a.client, b.client);
    await a.client.next('peer-joined');
    b.client.send({ type: 'leave' });
    await a.client.next('peer-left');
    b.client.send({ type: 'signal', to: a.welcome.id, data: candidate });
    expect(await b.client.nextError()).toMatchObject({ code: 'not-joined' });
    await a.client.expectNothingPending();
  });

  it('a claimed "from" is refused, never relayed', async () => {
    const a = await TestClient.joined(server.wsUrl, 'call');
    const b = await TestClient.joined(server.wsUrl, 'call');
    clients.push(a.client, b.client);
    await a.client.next('peer-joined');
    a.client.send({ type: 'signal', to: b.welcome.id, from: 'someone-else', data: candidate });
    expect(await a.client.nextError()).toMatchObject({ code: 'bad-message' });
    await b.client.expectNothingPending();
  });

  it('peer-joined and peer-left reach only the room they happen in', async () => {
    const a = await TestClient.joined(server.wsUrl, 'call');
    clients.push(a.client);
    const b = await TestClient.joined(server.wsUrl, 'call');
    b.client.close();
    await a.client.next('peer-left');
    await control.assertUnaffected();
  });
});
