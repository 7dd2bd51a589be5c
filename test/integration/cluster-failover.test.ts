/**
 * A node leaving a shared-mode deployment mid-call, at the protocol level:
 * killed (kill -9, its peers are reaped once its liveness lapses) or drained
 * (SIGTERM, its clients move to another node and nobody notices). The
 * clients that lose their node come back through a round-robin balancer, as
 * behind the deployment's proxy, with their resume tokens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { startBalancer, type Balancer } from '../helpers/balancer.js';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const HEARTBEAT_MS = 400;
let redis: RedisServer | undefined;
let cluster: Cluster | undefined;
let balancer: Balancer | undefined;
const clients: TestClient[] = [];

async function setup(nodes: number, env: Record<string, string> = {}) {
  redis = await startRedis();
  cluster = await startCluster({
    nodes,
    redisUrl: redis.url,
    env: { CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS), ...env },
  });
  return cluster.nodes as [ClusterNode, ClusterNode, ...ClusterNode[]];
}
async function joined(url: string, room: string, name: string) {
  const result = await TestClient.joined(url, room, name);
  clients.push(result.client);
  return result;
}
async function joining(url: string, fields: { room: string } & Record<string, unknown>) {
  const client = await TestClient.joining(url, fields);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await balancer?.close();
  await cluster?.close();
  await redis?.close();
  balancer = cluster = redis = undefined;
});

const candidate = (n: number) => ({
  candidate: { candidate: `candidate:${n} 1 udp 1 192.0.2.${n} ${n} typ host`, sdpMid: '0', sdpMLineIndex: 0 },
});

type Seated = Awaited<ReturnType<typeof joined>>;

/** A signal from `from` to `to` and one back, each the very next frame its receiver gets. */
async function signalBothWays(from: { client: TestClient; id: string }, to: { client: TestClient; id: string }) {
  from.client.send({ type: 'signal', to: to.id, data: candidate(1) });
  expect(await to.client.next()).toEqual({ type: 'signal', from: from.id, data: candidate(1) });
  to.client.send({ type: 'signal', to: from.id, data: candidate(2) });
  expect(await from.client.next()).toEqual({ type: 'signal', from: to.id, data: candidate(2) });
}
const peer = (seated: Seated) => ({ client: seated.client, id: seated.welcome.id });

describe('a node killed mid-call', () => {
  it("tells the peer on the other node peer-left (disconnected) within 2.5 heartbeats, and the killed node's client resumes on a live node", async () => {
    const [node1, node2] = await setup(2);
    const a = await joined(node1.wsUrl, 'call', 'Ann');
    const b = await joined(node2.wsUrl, 'call', 'Bob');
    await a.client.next('peer-joined');

    // The slack over the contract's 2.5 intervals: the reaper's Redis commands and the peer-left's trip to
    // node-2, each no slower than a cross-node round trip measured here, on this machine, now.
    const trips: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await signalBothWays(peer(a), peer(b));
      trips.push(performance.now() - started);
    }
    const slackMs = 2 * Math.max(...trips);
    const boundMs = 2.5 * HEARTBEAT_MS + slackMs;

    const killedAt = performance.now();
    await node1.kill9();
    const left = await b.client.next('peer-left', 4 * boundMs);
    const elapsedMs = performance.now() - killedAt;
    console.log(
      `peer-left ${elapsedMs.toFixed(0)} ms after kill -9 (bound ${boundMs.toFixed(0)} ms = 2.5 × ${HEARTBEAT_MS} + ${slackMs.toFixed(0)} slack)`,
    );
    expect(left).toEqual({ type: 'peer-left', id: a.welcome.id, reason: 'disconnected' });
    expect(elapsedMs).toBeLessThanOrEqual(boundMs);
    expect((await a.client.closed).code).toBe(1006);

    // Every node's port, the dead one too: the balancer must skip it, as a proxy's health check would.
    balancer = await startBalancer(() => cluster!.nodes.map((node) => node.port));
    const back = await joining(balancer.wsUrl, { room: 'call', name: 'Ann', resume: a.welcome.resume });
    const welcome = await back.next('welcome');
    expect(balancer.routed).toEqual([node2.port]);
    expect(welcome).toMatchObject({ id: a.welcome.id, resumed: true, peers: [{ id: b.welcome.id, name: 'Bob' }] });
    expect(await b.client.next()).toEqual({ type: 'peer-joined', peer: { id: a.welcome.id, name: 'Ann' } });
    await signalBothWays({ client: back, id: a.welcome.id }, peer(b));
  });
});

describe('a node drained by SIGTERM mid-call', () => {
  it('moves its client to another node with the same id, and the room hears neither peer-left nor peer-joined', async () => {
    // Max, on a third node, is the witness whose frames reach Bob through Redis after anything the drained
    // node published: Redis relays in the order it ran the commands.
    const [node1, node2, node3] = await setup(3, { ROOM_CAPACITY: '3', SHUTDOWN_GRACE_MS: '3000' });
    const a = await joined(node1.wsUrl, 'call', 'Ann');
    const b = await joined(node2.wsUrl, 'call', 'Bob');
    const m = await joined(node3!.wsUrl, 'call', 'Max');
    await a.client.next('peer-joined');
    await a.client.next('peer-joined');
    expect(await b.client.next()).toMatchObject({ type: 'peer-joined', peer: { id: m.welcome.id } });
    // A socket that never completes its closing handshake keeps node-1 draining until its grace deadline,
    // so /readyz can be asked while it drains.
    const stuck = await TestClient.connect(node1.wsUrl);
    clients.push(stuck);
    stuck.socket.pause();
    balancer = await startBalancer(() => [node2.port]);

    const exited = node1.terminate();
    expect(await a.client.nextError()).toMatchObject({ code: 'server-shutdown' });
    expect((await a.client.closed).code).toBe(1001);
    expect(await node1.readyz()).toEqual({ status: 503, body: { status: 'shutting-down' } });

    const back = await joining(balancer.wsUrl, { room: 'call', name: 'Ann', resume: a.welcome.resume });
    const welcome = await back.next('welcome');
    expect(welcome).toMatchObject({ id: a.welcome.id, resumed: true });
    expect(welcome.peers.map((p) => p.id).sort()).toEqual([b.welcome.id, m.welcome.id].sort());
    stuck.socket.resume();
    expect(await exited).toEqual({ code: 0, signal: null });

    // Node-1 is gone; should its seats still be in Redis without it, the others reap them within 2.5
    // intervals. After that, a frame from Max to Bob (and back) travels behind anything either caused.
    await new Promise((resolve) => setTimeout(resolve, 2.5 * HEARTBEAT_MS));
    await signalBothWays(peer(m), peer(b));
    await signalBothWays({ client: back, id: a.welcome.id }, peer(b));
    await signalBothWays({ client: back, id: a.welcome.id }, peer(m));
    await b.client.expectNothingPending();
    await m.client.expectNothingPending();
    await back.expectNothingPending();
  });
});
