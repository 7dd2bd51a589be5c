import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';

let server: TestServer;
const clients: TestClient[] = [];
async function connect() {
  const client = await TestClient.connect(server.wsUrl);
  clients.push(client);
  return client;
}
async function joined(room: string) {
  const result = await TestClient.joined(server.wsUrl, room);
  clients.push(result.client);
  return result;
}

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await server.close();
});

const candidate = {
  candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.5 5 typ host', sdpMid: '0', sdpMLineIndex: 0 },
};

describe('resuming after a network drop', () => {
  it('gives a reconnecting client its old id and seat while the server still holds its old socket', async () => {
    const a = await joined('call');
    const b = await joined('call');
    await a.client.next('peer-joined');
    // b's network drops: the server has not noticed yet, so its old socket still holds the seat.
    b.client.socket.pause();
    const back = await connect();
    back.send({ type: 'join', room: 'call', resume: b.welcome.resume });
    const welcome = await back.next('welcome');
    expect(welcome).toMatchObject({ id: b.welcome.id, resumed: true, peers: [{ id: a.welcome.id }] });

    a.client.send({ type: 'signal', to: b.welcome.id, data: candidate });
    expect(await back.next('signal')).toEqual({ type: 'signal', from: a.welcome.id, data: candidate });
    // The room saw no one leave or arrive, so the call's peer connections carry on.
    await a.client.expectNothingPending();
    b.client.socket.resume();
    await b.client.closed;
  });

  it('joins as a new peer when the token is unknown', async () => {
    const a = await joined('call');
    const client = await connect();
    client.send({ type: 'join', room: 'call', resume: 'not-a-real-token' });
    const welcome = await client.next('welcome');
    expect(welcome.resumed).toBe(false);
    expect((await a.client.next('peer-joined')).peer.id).toBe(welcome.id);
  });

  it('does not carry a seat into another room', async () => {
    const a = await joined('call');
    const client = await connect();
    client.send({ type: 'join', room: 'other', resume: a.welcome.resume });
    const welcome = await client.next('welcome');
    expect(welcome.resumed).toBe(false);
    expect(welcome.id).not.toBe(a.welcome.id);
    await a.client.expectNothingPending();
  });

  it('keeps the id of a peer that left, tells the room it is back, and cuts the old socket that held the id', async () => {
    const a = await joined('call');
    const b = await joined('call');
    b.client.send({ type: 'leave' });
    await a.client.next('peer-left');
    const client = await connect();
    client.send({ type: 'join', room: 'call', resume: b.welcome.resume });
    expect(await client.next('welcome')).toMatchObject({ id: b.welcome.id, resumed: true });
    expect(await a.client.next('peer-joined')).toEqual({ type: 'peer-joined', peer: { id: b.welcome.id, name: '' } });
    expect((await b.client.closed).code).toBe(1006);
  });

  it('spends a token on use: a second socket with the same token joins as a new peer', async () => {
    const a = await joined('call');
    const back = await connect();
    back.send({ type: 'join', room: 'call', resume: a.welcome.resume });
    const resumed = await back.next('welcome');
    expect(resumed).toMatchObject({ id: a.welcome.id, resumed: true });
    const again = await connect();
    again.send({ type: 'join', room: 'call', resume: a.welcome.resume });
    const welcome = await again.next('welcome');
    expect(welcome.resumed).toBe(false);
    expect(welcome.id).not.toBe(a.welcome.id);
    // The seat stayed with the socket that spent the token, which is told about the newcomer.
    expect((await back.next('peer-joined')).peer.id).toBe(welcome.id);
    // Its own fresh token still works, once.
    const third = await connect();
    third.send({ type: 'join', room: 'call', resume: resumed.resume });
    expect(await third.next('welcome')).toMatchObject({ id: a.welcome.id, resumed: true });
  });

  it('never puts one id in two rooms: a token for the room a peer has since left is refused', async () => {
    const a = await joined('call');
    a.client.send({ type: 'leave' });
    a.client.send({ type: 'join', room: 'other' });
    const moved = await a.client.next('welcome');
    expect(moved.id).toBe(a.welcome.id);
    const back = await connect();
    back.send({ type: 'join', room: 'call', resume: a.welcome.resume });
    const welcome = await back.next('welcome');
    expect(welcome.resumed).toBe(false);
    expect(welcome.id).not.toBe(a.welcome.id);
    // The latest token moves the id, and takes it from the socket that held it.
    const latest = await connect();
    latest.send({ type: 'join', room: 'other', resume: moved.resume });
    expect(await latest.next('welcome')).toMatchObject({ id: a.welcome.id, resumed: true, room: 'other' });
    expect((await a.client.closed).code).toBe(1006);
    expect(await metric(server.httpUrl, 'vc_signaling_peers')).toBe(2);
  });

  it('forgets the oldest ids beyond MAX_RESUMABLE_PEERS, whose tokens then join as new peers', async () => {
    await server.close();
    server = await startServer({ MAX_RESUMABLE_PEERS: '1', ROOM_CAPACITY: '3' });
    const a = await joined('call');
    await joined('call');
    const client = await connect();
    client.send({ type: 'join', room: 'call', resume: a.welcome.resume });
    const welcome = await client.next('welcome');
    expect(welcome.resumed).toBe(false);
  });

  it('joins as a new peer when the token is forged', async () => {
    const a = await joined('call');
    const [, expiry, mac] = a.welcome.resume.split('.');
    const client = await connect();
    client.send({ type: 'join', room: 'call', resume: `someone-else.${expiry}.${mac}` });
    const welcome = await client.next('welcome');
    expect(welcome.resumed).toBe(false);
    expect(welcome.id).not.toBe('someone-else');
  });
});

describe('resuming across a server restart', () => {
  async function restartWith(env: Record<string, string>) {
    for (const client of clients.splice(0)) client.terminate();
    await server.close();
    server = await startServer(env);
  }

  it('keeps every peer id when SESSION_SECRET is set', async () => {
    const secret = { SESSION_SECRET: 'a-test-secret-of-at-least-32-characters' };
    await restartWith(secret);
    const a = await joined('call');
    const b = await joined('call');
    await restartWith(secret);

    const a2 = await connect();
    a2.send({ type: 'join', room: 'call', resume: a.welcome.resume });
    expect(await a2.next('welcome')).toMatchObject({ id: a.welcome.id, resumed: true, peers: [] });
    const b2 = await connect();
    b2.send({ type: 'join', room: 'call', resume: b.welcome.resume });
    expect(await b2.next('welcome')).toMatchObject({ id: b.welcome.id, resumed: true, peers: [{ id: a.welcome.id }] });
    expect((await a2.next('peer-joined')).peer.id).toBe(b.welcome.id);
  });

  it('accepts a token from before the restart once only', async () => {
    const secret = { SESSION_SECRET: 'a-test-secret-of-at-least-32-characters' };
    await restartWith(secret);
    const a = await joined('call');
    await restartWith(secret);
    const first = await connect();
    first.send({ type: 'join', room: 'call', resume: a.welcome.resume });
    expect(await first.next('welcome')).toMatchObject({ id: a.welcome.id, resumed: true });
    const replay = await connect();
    replay.send({ type: 'join', room: 'call', resume: a.welcome.resume });
    const welcome = await replay.next('welcome');
    expect(welcome.resumed).toBe(false);
    expect(welcome.id).not.toBe(a.welcome.id);
  });

  it('hands out new ids after a restart without SESSION_SECRET', async () => {
    const a = await joined('call');
    await restartWith({});
    const a2 = await connect();
    a2.send({ type: 'join', room: 'call', resume: a.welcome.resume });
    const welcome = await a2.next('welcome');
    expect(welcome.resumed).toBe(false);
    expect(welcome.id).not.toBe(a.welcome.id);
  });
});
