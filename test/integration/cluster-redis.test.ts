/**
 * Shared mode without its Redis: stopped mid-call, or not there when a node
 * starts. No node crashes; readiness says why it fails; joins are answered
 * server-unavailable on a socket that stays open; the call's sockets are
 * kept; and when Redis is back each node rebuilds its rooms from its own
 * live sockets, into an empty Redis (the test's has no persistence).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { startCluster, untilReadyz, type Cluster, type ClusterNode } from '../helpers/cluster.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const HEARTBEAT_MS = 400;
/**
 * ioredis retries a lost connection after min(attempt × 50 ms, 2 s) (its default retryStrategy), so a node
 * may wait up to 2 s before its next try once Redis is back; then one heartbeat to re-register and renew.
 */
const IOREDIS_MAX_RETRY_DELAY_MS = 2000;
const RECOVERY_BOUND_MS = IOREDIS_MAX_RETRY_DELAY_MS + 2 * HEARTBEAT_MS;
/** A node notices a dropped Redis connection at once (ioredis 'close'), at the latest at its next heartbeat. */
const OUTAGE_NOTICE_BOUND_MS = 2 * HEARTBEAT_MS;

let redis: RedisServer | undefined;
let cluster: Cluster | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await cluster?.close();
  await redis?.close();
  cluster = redis = undefined;
});

async function joined(url: string, room: string, name: string) {
  const result = await TestClient.joined(url, room, name);
  clients.push(result.client);
  return result;
}
async function connect(url: string) {
  const client = await TestClient.connect(url);
  clients.push(client);
  return client;
}
const candidate = {
  candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.4 4 typ host', sdpMid: '0', sdpMLineIndex: 0 },
};
const healthz = async (node: ClusterNode) => (await fetch(`${node.httpUrl}/healthz`)).status;

describe('Redis stopped and restarted mid-call', () => {
  it("keeps every node up and the call's sockets open, refuses joins meanwhile, and rebuilds the room after", async () => {
    redis = await startRedis();
    cluster = await startCluster({
      nodes: 2,
      redisUrl: redis.url,
      env: { CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS), ROOM_CAPACITY: '2' },
    });
    const [node1, node2] = cluster.nodes as [ClusterNode, ClusterNode];
    const a = await joined(node1.wsUrl, 'call', 'Ann');
    const b = await joined(node2.wsUrl, 'call', 'Bob');
    await a.client.next('peer-joined');

    await redis.stop();
    const outage = await Promise.all(cluster.nodes.map((node) => untilReadyz(node, 503, OUTAGE_NOTICE_BOUND_MS)));
    for (const [index, node] of cluster.nodes.entries()) {
      expect(outage[index]!.body, node.id).toEqual({ status: 'redis-unavailable' });
      expect(await healthz(node), node.id).toBe(200);
    }
    const newcomer = await connect(node1.wsUrl);
    newcomer.send({ type: 'join', room: 'fresh', name: 'Neo' });
    expect(await newcomer.nextError()).toMatchObject({ code: 'server-unavailable' });
    // Answered on the same socket: it stays open, and nothing else came.
    await newcomer.expectNothingPending();
    await a.client.expectNothingPending();
    await b.client.expectNothingPending();

    await redis.start();
    const recovery = await Promise.all(cluster.nodes.map((node) => untilReadyz(node, 200, RECOVERY_BOUND_MS)));
    for (const [index, node] of cluster.nodes.entries()) {
      const elapsed = recovery[index]!.elapsedMs.toFixed(0);
      console.log(`${node.id} ready ${elapsed} ms after Redis came back (bound ${RECOVERY_BOUND_MS} ms)`);
    }
    // The room came back from the nodes' live sockets: full, so a third is refused.
    const third = await connect(node2.wsUrl);
    third.send({ type: 'join', room: 'call', name: 'Cy' });
    expect(await third.nextError()).toMatchObject({ code: 'room-full' });
    newcomer.send({ type: 'join', room: 'fresh', name: 'Neo' });
    expect(await newcomer.next('welcome')).toMatchObject({ room: 'fresh', peers: [] });
    a.client.send({ type: 'signal', to: b.welcome.id, data: candidate });
    expect(await b.client.next()).toEqual({ type: 'signal', from: a.welcome.id, data: candidate });
    b.client.send({ type: 'signal', to: a.welcome.id, data: candidate });
    expect(await a.client.next()).toEqual({ type: 'signal', from: b.welcome.id, data: candidate });
    for (const node of cluster.nodes) expect(node.process.alive, `${node.id} still running`).toBe(true);
    expect(
      cluster.nodes.flatMap((node) => node.process.linesAtOrAbove(60)),
      'fatal log lines',
    ).toEqual([]);
  });
});

describe('Redis unreachable when a node starts', () => {
  it('starts not ready, refuses joins with server-unavailable, and serves once a Redis answers there', async () => {
    // A Redis that is stopped at once: its port is the allocator's, with nothing listening on it.
    redis = await startRedis();
    await redis.stop();
    cluster = await startCluster({
      nodes: 1,
      redisUrl: redis.url,
      env: { CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS) },
      ready: false,
    });
    const [node] = cluster.nodes as [ClusterNode];
    expect(await node.readyz()).toEqual({ status: 503, body: { status: 'redis-unavailable' } });
    const early = await connect(node.wsUrl);
    early.send({ type: 'join', room: 'call', name: 'Ann' });
    expect(await early.nextError()).toMatchObject({ code: 'server-unavailable' });
    await early.expectNothingPending();

    await redis.start();
    await untilReadyz(node, 200, RECOVERY_BOUND_MS);
    early.send({ type: 'join', room: 'call', name: 'Ann' });
    const first = await early.next('welcome');
    const second = await joined(node.wsUrl, 'call', 'Bob');
    expect(second.welcome.peers).toEqual([{ id: first.id, name: 'Ann' }]);
    expect(await early.next('peer-joined')).toEqual({
      type: 'peer-joined',
      peer: { id: second.welcome.id, name: 'Bob' },
    });
  });
});
