/**
 * The lobby on a real server in token mode: a guest whose token says
 * `lobby: true`, or any guest joining a locked room, waits without a seat or
 * ICE servers; hosts hear a `knock` and let it in or turn it away.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/close-codes.js';
import type { MintOptions } from '../../server/access/mint.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TokenClients } from '../helpers/token-clients.js';
import { metric } from '../helpers/metrics.js';
import { TOKEN_ENV } from '../helpers/tokens.js';

let server: TestServer;
const clients = new TokenClients(() => server.wsUrl);
afterEach(async () => {
  clients.terminateAll();
  await server.close();
});

const ROOM = 'standup';

const joining = (claims: Partial<MintOptions> = {}, fields: Record<string, unknown> = {}) =>
  clients.joining({ room: ROOM, ...claims }, fields);

async function host(name = 'Hal') {
  const client = await joining({ name, role: 'host' });
  return { client, welcome: await client.next('welcome') };
}

/** A guest that must wait (its token says so); resolves once it is told it waits. */
async function waiting(name = 'Gus', hostPresent?: boolean) {
  const client = await joining({ name, lobby: true });
  const lobby = await client.next('lobby');
  if (hostPresent !== undefined) expect(lobby.hostPresent).toBe(hostPresent);
  return { client, lobby };
}

describe('the lobby', () => {
  it('holds a lobby guest without a seat or ICE servers, and knocks at the host', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const h = await host();
    const g = await waiting('Gus', true);
    expect(g.lobby).toEqual({ type: 'lobby', id: g.lobby.id, room: ROOM, hostPresent: true });
    expect(await h.client.next('knock')).toEqual({ type: 'knock', peer: { id: g.lobby.id, name: 'Gus' } });
    g.client.send({ type: 'ice-servers' });
    expect(await g.client.nextError()).toMatchObject({ code: 'not-joined' });
    g.client.send({ type: 'signal', to: h.welcome.id, data: { candidate: { candidate: '' } } });
    expect(await g.client.nextError()).toMatchObject({ code: 'not-joined' });
    await h.client.expectNothingPending();
    expect(await metric(server.httpUrl, 'vc_signaling_peers')).toBe(1);
    expect(await metric(server.httpUrl, 'vc_signaling_lobby_waiting')).toBe(1);
  });

  it('seats an admitted guest as a join would: welcome with ICE servers, peer-joined, knock-ended', async () => {
    server = await startServer({ ...TOKEN_ENV, STUN_URLS: 'stun:{host}:3478' });
    const h = await host();
    const g = await waiting();
    await h.client.next('knock');
    h.client.send({ type: 'admit', id: g.lobby.id });
    const welcome = await g.client.next('welcome');
    expect(welcome).toMatchObject({ id: g.lobby.id, room: ROOM, role: 'guest', resumed: false });
    expect(welcome.peers).toEqual([{ id: h.welcome.id, name: 'Hal', role: 'host' }]);
    expect(welcome.iceServers.length).toBeGreaterThan(0);
    expect(await h.client.next('peer-joined')).toEqual({ type: 'peer-joined', peer: { id: g.lobby.id, name: 'Gus' } });
    expect(await h.client.next('knock-ended')).toEqual({ type: 'knock-ended', id: g.lobby.id, outcome: 'admitted' });
    const data = { candidate: { candidate: '' } };
    g.client.send({ type: 'signal', to: h.welcome.id, data });
    expect(await h.client.next('signal')).toEqual({ type: 'signal', from: g.lobby.id, data });
  });

  it('turns a denied guest away (denied, close 4005) and tells the hosts', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const h = await host();
    const g = await waiting();
    await h.client.next('knock');
    h.client.send({ type: 'deny', id: g.lobby.id });
    expect(await g.client.nextError()).toMatchObject({ code: 'denied', message: expect.stringContaining('Hal') });
    expect((await g.client.closed).code).toBe(CloseCode.Denied);
    expect(await h.client.next('knock-ended')).toEqual({ type: 'knock-ended', id: g.lobby.id, outcome: 'denied' });
    await h.client.expectNothingPending();
  });

  it('tells the hosts when a waiting guest leaves, by leave or by closing', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const h = await host();
    const first = await waiting('First');
    const second = await waiting('Second');
    await h.client.next('knock');
    await h.client.next('knock');
    first.client.send({ type: 'leave' });
    expect(await h.client.next('knock-ended')).toEqual({ type: 'knock-ended', id: first.lobby.id, outcome: 'left' });
    second.client.close();
    expect(await h.client.next('knock-ended')).toEqual({ type: 'knock-ended', id: second.lobby.id, outcome: 'left' });
    // The one that left by `leave` may join again on the same socket.
    await first.client.expectNothingPending();
    expect(await metric(server.httpUrl, 'vc_signaling_lobby_waiting')).toBe(0);
  });

  it('knocks at a host that joins later, once for each guest already waiting', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const a = await waiting('A', false);
    const b = await waiting('B', false);
    const h = await joining({ name: 'Hal', role: 'host' });
    expect(await h.next('welcome')).toMatchObject({ peers: [] });
    expect(await h.next('knock')).toEqual({ type: 'knock', peer: { id: a.lobby.id, name: 'A' } });
    expect(await h.next('knock')).toEqual({ type: 'knock', peer: { id: b.lobby.id, name: 'B' } });
    await h.expectNothingPending();
  });

  it('tells waiting guests when a host comes and when the last one goes', async () => {
    server = await startServer({ ...TOKEN_ENV, ROOM_CAPACITY: '3' });
    const g = await waiting('Gus', false);
    const first = await host('First');
    expect(await g.client.next('lobby')).toMatchObject({ id: g.lobby.id, hostPresent: true });
    const second = await host('Second');
    first.client.send({ type: 'leave' });
    await second.client.next('peer-left');
    await g.client.expectNothingPending();
    second.client.close();
    expect(await g.client.next('lobby')).toMatchObject({ id: g.lobby.id, hostPresent: false });
  });

  it('never holds a host, even with a lobby token', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const client = await joining({ role: 'host', lobby: true });
    expect(await client.next('welcome')).toMatchObject({ role: 'host' });
  });

  it('never holds a reconnect: a guest let in once resumes straight into its seat', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const h = await host();
    const g = await waiting();
    h.client.send({ type: 'admit', id: g.lobby.id });
    const welcome = await g.client.next('welcome');
    g.client.terminate();
    const back = await joining({ name: 'Gus', lobby: true }, { resume: welcome.resume });
    expect(await back.next('welcome')).toMatchObject({ id: g.lobby.id, resumed: true });
  });

  it('lets at most ROOM_CAPACITY guests wait per room; one more gets room-full', async () => {
    server = await startServer({ ...TOKEN_ENV, ROOM_CAPACITY: '2' });
    await waiting('A');
    await waiting('B');
    const third = await joining({ name: 'C', lobby: true });
    expect(await third.nextError()).toMatchObject({ code: 'room-full', message: expect.stringContaining('lobby') });
    expect(await metric(server.httpUrl, 'vc_signaling_lobby_waiting')).toBe(2);
  });

  it('keeps a guest waiting when its host admits it into a full room (room-full to the host)', async () => {
    server = await startServer({ ...TOKEN_ENV, ROOM_CAPACITY: '2' });
    const h = await host();
    const seated = await joining({ name: 'Sam' });
    await seated.next('welcome');
    const g = await waiting();
    h.client.send({ type: 'admit', id: g.lobby.id });
    expect(await h.client.nextError()).toMatchObject({ code: 'room-full' });
    await g.client.expectNothingPending();
    seated.close();
    await h.client.next('peer-left');
    h.client.send({ type: 'admit', id: g.lobby.id });
    expect(await g.client.next('welcome')).toMatchObject({ id: g.lobby.id });
  });
});

describe('a locked room', () => {
  it('holds every guest who joins while it is locked, and tells the room who locked it', async () => {
    server = await startServer({ ...TOKEN_ENV, ROOM_CAPACITY: '3' });
    const h = await host();
    const seated = await joining({ name: 'Sam' });
    await seated.next('welcome');
    h.client.send({ type: 'lock', locked: true });
    const locked = { type: 'room-locked', locked: true, by: { id: h.welcome.id, name: 'Hal', role: 'host' } };
    expect(await h.client.next('room-locked')).toEqual(locked);
    expect(await seated.next('room-locked')).toEqual(locked);
    const late = await joining({ name: 'Late' });
    expect(await late.next('lobby')).toMatchObject({ hostPresent: true });
    const otherHost = await joining({ name: 'Ivy', role: 'host' });
    expect(await otherHost.next('welcome')).toMatchObject({ locked: true });
  });

  it('is unlocked once everyone has left it', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const h = await host();
    h.client.send({ type: 'lock', locked: true });
    await h.client.next('room-locked');
    h.client.send({ type: 'leave' });
    // Answered after the leave: the room is empty by then.
    await h.client.expectNothingPending();
    const guest = await joining({ name: 'Gus' });
    expect(await guest.next('welcome')).toMatchObject({ locked: false });
  });

  it('lets guests in again once unlocked', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const h = await host();
    h.client.send({ type: 'lock', locked: true });
    await h.client.next('room-locked');
    h.client.send({ type: 'lock', locked: false });
    expect(await h.client.next('room-locked')).toMatchObject({ locked: false });
    const guest = await joining({ name: 'Gus' });
    expect(await guest.next('welcome')).toMatchObject({ locked: false });
  });
});
