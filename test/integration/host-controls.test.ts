/**
 * Host controls on a real server in token mode: only a host may send them; a
 * guest that tries is told `forbidden` and its call goes on. Kick removes a
 * peer for good (no resume, a ban on its user), mute asks one peer to mute.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/close-codes.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TokenClients, type Claims } from '../helpers/token-clients.js';
import { TOKEN_ENV } from '../helpers/tokens.js';

let server: TestServer;
const clients = new TokenClients(() => server.wsUrl);
afterEach(async () => {
  clients.terminateAll();
  await server.close();
});

const joining = (claims: Claims, fields: Record<string, unknown> = {}) => clients.joining(claims, fields);
const seated = (claims: Claims) => clients.seated(claims);

/** A host and a guest in one room, each having heard of the other. */
async function call(room = 'standup') {
  const host = await seated({ room, name: 'Hal', role: 'host', sub: 'hal' });
  const guest = await seated({ room, name: 'Gus', sub: 'gus' });
  await host.client.next('peer-joined');
  return { host, guest };
}

const data = { candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.7 7 typ host', sdpMid: '0', sdpMLineIndex: 0 } };

describe('who may send host controls', () => {
  it.each([
    ['kick', (id: string) => ({ type: 'kick', id })],
    ['mute', (id: string) => ({ type: 'mute', id })],
    ['lock', () => ({ type: 'lock', locked: true })],
    ['admit', (id: string) => ({ type: 'admit', id })],
    ['deny', (id: string) => ({ type: 'deny', id })],
  ])('refuses %s from a guest (forbidden), and its call goes on', async (_, control) => {
    server = await startServer({ ...TOKEN_ENV });
    const { host, guest } = await call();
    guest.client.send(control(host.welcome.id));
    expect(await guest.client.nextError()).toMatchObject({ code: 'forbidden' });
    await host.client.expectNothingPending();
    guest.client.send({ type: 'signal', to: host.welcome.id, data });
    expect(await host.client.next('signal')).toEqual({ type: 'signal', from: guest.welcome.id, data });
    host.client.send({ type: 'signal', to: guest.welcome.id, data });
    expect(await guest.client.next('signal')).toEqual({ type: 'signal', from: host.welcome.id, data });
  });

  it('refuses a host control from a socket in no room with not-joined, as before', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const client = await clients.connect();
    client.send({ type: 'kick', id: 'someone' });
    expect(await client.nextError()).toMatchObject({ code: 'not-joined' });
  });
});

describe('what a host may target', () => {
  it.each(['kick', 'mute', 'admit', 'deny'])(
    'refuses %s of a peer of another room exactly as an unknown id, and that room hears nothing',
    async (type) => {
      server = await startServer({ ...TOKEN_ENV });
      const { host } = await call('mine');
      const victim = await call('theirs');
      const waiting = await joining({ room: 'theirs', name: 'Wes', lobby: true });
      const { id: waitingId } = await waiting.next('lobby');
      await victim.host.client.next('knock');
      const target = type === 'admit' || type === 'deny' ? waitingId : victim.guest.welcome.id;
      host.client.send({ type, id: target });
      const refused = await host.client.nextError();
      host.client.send({ type, id: 'made-up-id' });
      const unknown = await host.client.nextError();
      expect(refused.code).toBe('unknown-peer');
      expect(refused.message.replace(target, 'ID')).toBe(unknown.message.replace('made-up-id', 'ID'));
      await victim.host.client.expectNothingPending();
      await victim.guest.client.expectNothingPending();
      await waiting.expectNothingPending();
    },
  );

  it('refuses a host targeting itself (unknown-peer)', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const { host, guest } = await call();
    host.client.send({ type: 'kick', id: host.welcome.id });
    expect(await host.client.nextError()).toMatchObject({ code: 'unknown-peer' });
    await guest.client.expectNothingPending();
  });
});

describe('kick', () => {
  it('removes the peer (kicked naming the host, close 4004) and the room hears peer-left', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const { host, guest } = await call();
    host.client.send({ type: 'kick', id: guest.welcome.id });
    expect(await guest.client.nextError()).toMatchObject({ code: 'kicked', message: expect.stringContaining('Hal') });
    expect((await guest.client.closed).code).toBe(CloseCode.Kicked);
    expect(await host.client.next('peer-left')).toEqual({ type: 'peer-left', id: guest.welcome.id, reason: 'left' });
  });

  it('keeps the kicked user out of the room for a while, with a fresh token too (unauthorized, kicked)', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const { host, guest } = await call();
    host.client.send({ type: 'kick', id: guest.welcome.id });
    await host.client.next('peer-left');
    const again = await joining({ room: 'standup', name: 'Gus', sub: 'gus' });
    expect(await again.nextError()).toMatchObject({ code: 'unauthorized', reason: 'kicked' });
    expect((await again.closed).code).toBe(CloseCode.Unauthorized);
    await host.client.expectNothingPending();
    const elsewhere = await joining({ room: 'other', sub: 'gus' });
    expect(await elsewhere.next('welcome')).toMatchObject({ room: 'other' });
  });

  it("spends the kicked peer's resume token: a reconnect with it joins as a new peer", async () => {
    server = await startServer({ ...TOKEN_ENV });
    const { host, guest } = await call();
    host.client.send({ type: 'kick', id: guest.welcome.id });
    await host.client.next('peer-left');
    const back = await joining({ room: 'standup', sub: 'someone-else' }, { resume: guest.welcome.resume });
    const welcome = await back.next('welcome');
    expect(welcome.resumed).toBe(false);
    expect(welcome.id).not.toBe(guest.welcome.id);
  });
});

describe('mute', () => {
  it('tells the target who muted it, and nobody else anything', async () => {
    server = await startServer({ ...TOKEN_ENV, ROOM_CAPACITY: '3' });
    const { host, guest } = await call();
    const other = await seated({ room: 'standup', name: 'Ola' });
    await host.client.next('peer-joined');
    await guest.client.next('peer-joined');
    host.client.send({ type: 'mute', id: guest.welcome.id });
    expect(await guest.client.next('muted')).toEqual({
      type: 'muted',
      by: { id: host.welcome.id, name: 'Hal', role: 'host' },
    });
    await host.client.expectNothingPending();
    await other.client.expectNothingPending();
    await guest.client.expectNothingPending();
  });
});
