import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';

let server: TestServer;
const clients: TestClient[] = [];
async function joined(room: string, name?: string) {
  const result = await TestClient.joined(server.wsUrl, room, name);
  clients.push(result.client);
  return result;
}

beforeEach(async () => {
  server = await startServer({ STUN_URLS: 'stun:stun.example.com:3478', ICE_TTL_SECONDS: '120' });
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await server.close();
});

describe('joining a room', () => {
  it('welcomes the first peer with an id, no peers and the configured ICE servers', async () => {
    const { welcome } = await joined('standup', 'Ada');
    expect(welcome).toMatchObject({
      type: 'welcome',
      v: 1,
      room: 'standup',
      peers: [],
      iceServers: [{ urls: ['stun:stun.example.com:3478'] }],
      ttl: 120,
    });
    expect(welcome.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('lists the peer already there to the second, and tells the first who joined', async () => {
    const a = await joined('standup', 'Ada');
    const b = await joined('standup', 'Bob');
    expect(b.welcome.peers).toEqual([{ id: a.welcome.id, name: 'Ada' }]);
    expect(await a.client.next('peer-joined')).toEqual({
      type: 'peer-joined',
      peer: { id: b.welcome.id, name: 'Bob' },
    });
    expect(a.welcome.id).not.toBe(b.welcome.id);
  });

  it('gives a peer without a name an empty name', async () => {
    await joined('standup');
    const b = await joined('standup');
    expect(b.welcome.peers[0]?.name).toBe('');
  });

  it('refuses a third peer in a 1:1 room with room-full and keeps the socket usable', async () => {
    await joined('standup');
    await joined('standup');
    const third = await TestClient.connect(server.wsUrl);
    clients.push(third);
    third.send({ type: 'join', room: 'standup' });
    expect(await third.nextError()).toMatchObject({ code: 'room-full' });
    third.send({ type: 'join', room: 'elsewhere' });
    expect((await third.next('welcome')).room).toBe('elsewhere');
  });

  it('holds as many peers as ROOM_CAPACITY, each seeing all the others', async () => {
    await server.close();
    server = await startServer({ ROOM_CAPACITY: '3' });
    const a = await joined('mesh');
    const b = await joined('mesh');
    const c = await joined('mesh');
    expect(c.welcome.peers.map((peer) => peer.id).sort()).toEqual([a.welcome.id, b.welcome.id].sort());
    expect((await b.client.next('peer-joined')).peer.id).toBe(c.welcome.id);
    const fourth = await TestClient.connect(server.wsUrl);
    clients.push(fourth);
    fourth.send({ type: 'join', room: 'mesh' });
    expect(await fourth.nextError()).toMatchObject({ code: 'room-full' });
  });

  it('refuses a second join on the same socket with already-joined', async () => {
    const a = await joined('standup');
    a.client.send({ type: 'join', room: 'other' });
    expect(await a.client.nextError()).toMatchObject({ code: 'already-joined' });
  });

  it('answers a join to its own full room with already-joined, not room-full', async () => {
    const a = await joined('standup');
    await joined('standup');
    a.client.send({ type: 'join', room: 'standup' });
    expect(await a.client.nextError()).toMatchObject({ code: 'already-joined' });
    a.client.send({ type: 'ice-servers' });
    await a.client.next('ice-servers');
  });

  it("refuses a peer in a room that presents another peer's resume token with already-joined, leaving that peer be", async () => {
    const a = await joined('one');
    const b = await joined('two');
    b.client.send({ type: 'join', room: 'one', resume: a.welcome.resume });
    expect(await b.client.nextError()).toMatchObject({ code: 'already-joined' });
    await a.client.expectNothingPending();
    const c = await joined('one');
    expect(c.welcome.peers).toEqual([{ id: a.welcome.id, name: '' }]);
    expect(await a.client.next('peer-joined')).toMatchObject({ peer: { id: c.welcome.id } });
  });

  it('leaves the socket holding an id alone when a join resuming that id is refused as room-full', async () => {
    const a = await joined('one');
    a.client.send({ type: 'leave' });
    await joined('one');
    await joined('one');
    const again = await TestClient.connect(server.wsUrl);
    clients.push(again);
    again.send({ type: 'join', room: 'one', resume: a.welcome.resume });
    expect(await again.nextError()).toMatchObject({ code: 'room-full' });
    await a.client.expectNothingPending();
    again.send({ type: 'join', room: 'two', resume: a.welcome.resume });
    expect(await again.next('welcome')).toMatchObject({ resumed: false });
  });

  it('refuses a protocol version it does not speak, then closes with 4002', async () => {
    const client = await TestClient.connect(server.wsUrl);
    clients.push(client);
    client.send({ type: 'join', room: 'standup', v: 2 });
    expect(await client.nextError()).toMatchObject({ code: 'unsupported-version' });
    expect((await client.closed).code).toBe(4002);
  });
});

describe('relaying signals', () => {
  it('relays offer, answer and candidates both ways, stamped with the sender id', async () => {
    const a = await joined('call');
    const b = await joined('call');
    const offer = { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } };
    a.client.send({ type: 'signal', to: b.welcome.id, data: offer });
    expect(await b.client.next('signal')).toEqual({ type: 'signal', from: a.welcome.id, data: offer });

    const answer = { description: { type: 'answer', sdp: 'v=0\r\n' } };
    const candidate = {
      candidate: { candidate: 'candidate:1 1 udp 2122260223 192.0.2.7 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    };
    b.client.send({ type: 'signal', to: a.welcome.id, data: answer });
    b.client.send({ type: 'signal', to: a.welcome.id, data: candidate });
    expect(await a.client.next('signal')).toEqual({ type: 'signal', from: b.welcome.id, data: answer });
    expect(await a.client.next('signal')).toEqual({ type: 'signal', from: b.welcome.id, data: candidate });
  });

  it('refuses a signal addressed to oneself', async () => {
    const a = await joined('call');
    a.client.send({ type: 'signal', to: a.welcome.id, data: { candidate: { candidate: '' } } });
    expect(await a.client.nextError()).toMatchObject({ code: 'unknown-peer' });
  });

  it('answers ice-servers with fresh ICE servers', async () => {
    const a = await joined('call');
    a.client.send({ type: 'ice-servers' });
    expect(await a.client.next('ice-servers')).toEqual({
      type: 'ice-servers',
      iceServers: [{ urls: ['stun:stun.example.com:3478'] }],
      ttl: 120,
    });
  });
});

describe('leaving', () => {
  it('tells the others with peer-left when a peer sends leave', async () => {
    const a = await joined('call');
    const b = await joined('call');
    b.client.send({ type: 'leave' });
    expect(await a.client.next('peer-left')).toEqual({ type: 'peer-left', id: b.welcome.id, reason: 'left' });
  });

  it('lets a socket that left join again, under a new room', async () => {
    const a = await joined('call');
    a.client.send({ type: 'leave' });
    a.client.send({ type: 'join', room: 'next' });
    expect((await a.client.next('welcome')).room).toBe('next');
  });

  it('tells the others with peer-left when a peer closes its socket', async () => {
    const a = await joined('call');
    const b = await joined('call');
    b.client.close();
    expect(await a.client.next('peer-left')).toEqual({ type: 'peer-left', id: b.welcome.id, reason: 'left' });
  });

  it('tells the others with peer-left when a peer vanishes without a close frame', async () => {
    const a = await joined('call');
    const b = await joined('call');
    b.client.terminate();
    expect(await a.client.next('peer-left')).toEqual({ type: 'peer-left', id: b.welcome.id, reason: 'disconnected' });
  });

  it('answers leave before join with not-joined', async () => {
    const client = await TestClient.connect(server.wsUrl);
    clients.push(client);
    client.send({ type: 'leave' });
    expect(await client.nextError()).toMatchObject({ code: 'not-joined' });
  });
});
