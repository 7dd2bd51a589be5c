/**
 * The lobby and the host controls (see lobby.test.ts and
 * host-controls.test.ts for one node) when the host and its guests are on
 * different nodes of a shared-mode deployment in token mode.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/close-codes.js';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { TokenClients } from '../helpers/token-clients.js';
import { TOKEN_ENV } from '../helpers/tokens.js';

let redis: RedisServer;
let cluster: Cluster;
let node1: ClusterNode;
let node2: ClusterNode;
const onNode1 = new TokenClients(() => node1.wsUrl);
const onNode2 = new TokenClients(() => node2.wsUrl);

beforeAll(async () => {
  redis = await startRedis();
  cluster = await startCluster({ nodes: 2, redisUrl: redis.url, env: { ...TOKEN_ENV, ROOM_CAPACITY: '3' } });
  [node1, node2] = cluster.nodes as [ClusterNode, ClusterNode];
});
afterEach(() => {
  onNode1.terminateAll();
  onNode2.terminateAll();
});
afterAll(async () => {
  await cluster?.close();
  await redis?.close();
});

const host = (room: string) => onNode1.seated({ room, name: 'Hal', role: 'host', sub: 'hal' });
const by = (id: string) => ({ id, name: 'Hal', role: 'host' });

/** A host on node-1, and a guest with a lobby grant on node-2 that it admitted. */
async function admitted(room: string) {
  const h = await host(room);
  const guest = await onNode2.joining({ room, name: 'Gus', sub: 'gus', lobby: true });
  const { id } = await guest.next('lobby');
  await h.client.next('knock');
  h.client.send({ type: 'admit', id });
  await guest.next('welcome');
  await h.client.next('peer-joined');
  await h.client.next('knock-ended');
  return { host: h, guest, id };
}

describe('host controls across nodes', () => {
  it('knocks at a host on node-1 for a lobby guest on node-2, and admits it with a welcome', async () => {
    const h = await host('knock');
    const guest = await onNode2.joining({ room: 'knock', name: 'Gus', sub: 'gus', lobby: true });
    const lobby = await guest.next('lobby');
    expect(lobby).toEqual({ type: 'lobby', id: lobby.id, room: 'knock', hostPresent: true });
    expect(await h.client.next('knock')).toEqual({ type: 'knock', peer: { id: lobby.id, name: 'Gus' } });
    h.client.send({ type: 'admit', id: lobby.id });
    const welcome = await guest.next('welcome');
    expect(welcome).toMatchObject({ id: lobby.id, room: 'knock', role: 'guest', resumed: false });
    expect(welcome.peers).toEqual([{ id: h.welcome.id, name: 'Hal', role: 'host' }]);
    expect(await h.client.next('peer-joined')).toEqual({ type: 'peer-joined', peer: { id: lobby.id, name: 'Gus' } });
    expect(await h.client.next('knock-ended')).toEqual({ type: 'knock-ended', id: lobby.id, outcome: 'admitted' });
  });

  it('mutes a guest on the other node, naming the host', async () => {
    const { host: h, guest, id } = await admitted('mute');
    h.client.send({ type: 'mute', id });
    expect(await guest.next('muted')).toEqual({ type: 'muted', by: by(h.welcome.id) });
    await h.client.expectNothingPending();
  });

  it('kicks a guest on node-2 (kicked, 4004), and the ban holds on node-1 too', async () => {
    const { host: h, guest, id } = await admitted('kick');
    h.client.send({ type: 'kick', id });
    expect(await guest.nextError()).toMatchObject({ code: 'kicked', message: expect.stringContaining('Hal') });
    expect((await guest.closed).code).toBe(CloseCode.Kicked);
    expect(await h.client.next('peer-left')).toEqual({ type: 'peer-left', id, reason: 'left' });
    // The ban is the room's, not node-2's: the same user is refused on node-1, with a fresh token.
    const again = await onNode1.joining({ room: 'kick', name: 'Gus', sub: 'gus' });
    expect(await again.nextError()).toMatchObject({ code: 'unauthorized', reason: 'kicked' });
    expect((await again.closed).code).toBe(CloseCode.Unauthorized);
    await h.client.expectNothingPending();
  });

  it('turns away a guest waiting on node-2 (denied, 4005) and tells the host', async () => {
    const h = await host('deny');
    const guest = await onNode2.joining({ room: 'deny', name: 'Wes', sub: 'wes', lobby: true });
    const { id } = await guest.next('lobby');
    expect(await h.client.next('knock')).toEqual({ type: 'knock', peer: { id, name: 'Wes' } });
    h.client.send({ type: 'deny', id });
    expect(await guest.nextError()).toMatchObject({ code: 'denied', message: expect.stringContaining('Hal') });
    expect((await guest.closed).code).toBe(CloseCode.Denied);
    expect(await h.client.next('knock-ended')).toEqual({ type: 'knock-ended', id, outcome: 'denied' });
  });

  it('locks the room on both nodes: room-locked to each, and a guest joining on either waits', async () => {
    const h = await host('lock');
    const seated = await onNode2.seated({ room: 'lock', name: 'Sam', sub: 'sam' });
    await h.client.next('peer-joined');
    h.client.send({ type: 'lock', locked: true });
    const locked = { type: 'room-locked', locked: true, by: by(h.welcome.id) };
    expect(await h.client.next('room-locked')).toEqual(locked);
    expect(await seated.client.next('room-locked')).toEqual(locked);
    for (const clients of [onNode1, onNode2]) {
      const late = await clients.joining({ room: 'lock', name: 'Late', sub: 'late' });
      expect(await late.next('lobby')).toMatchObject({ hostPresent: true });
      expect(await h.client.next('knock')).toMatchObject({ peer: { name: 'Late' } });
      late.close();
      expect(await h.client.next('knock-ended')).toMatchObject({ outcome: 'left' });
    }
  });
});
