/**
 * Shared mode at the protocol level: real server processes sharing rooms
 * through a real redis-server. Peers of one room on different nodes hear of
 * each other and relay signals exactly as on one node; capacity holds when
 * joins race on different nodes; each node counts its part in /metrics.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { sample, startCluster, type Cluster } from '../helpers/cluster.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
let cluster: Cluster;
const clients: TestClient[] = [];

async function joined(url: string, room: string, name?: string) {
  const result = await TestClient.joined(url, room, name);
  clients.push(result.client);
  return result;
}

afterEach(() => {
  for (const client of clients.splice(0)) client.terminate();
});

const offer = { description: { type: 'offer' as const, sdp: 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n' } };
const answer = { description: { type: 'answer' as const, sdp: 'v=0\r\no=- 2 2 IN IP4 192.0.2.2\r\n' } };
const candidate = {
  candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.9 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
};

describe('a room spread over nodes', () => {
  beforeAll(async () => {
    redis = await startRedis();
    // Every test client comes from 127.0.0.1: the per-address upgrade budget is not what is under test here.
    cluster = await startCluster({
      nodes: 3,
      redisUrl: redis.url,
      env: { ROOM_CAPACITY: '2', UPGRADES_PER_MINUTE_PER_IP: '100000' },
    });
  });
  afterAll(async () => {
    await cluster?.close();
    await redis?.close();
  });

  it('relays joins, an offer, an answer and a leave between peers on two nodes, and nothing to another room', async () => {
    const [node1, node2] = cluster.nodes as [Cluster['nodes'][0], Cluster['nodes'][0]];
    const bystander = await joined(node2.wsUrl, 'elsewhere', 'Cy');
    const a = await joined(node1.wsUrl, 'call', 'Ann');
    expect(a.welcome).toMatchObject({ room: 'call', peers: [], resumed: false });
    const b = await joined(node2.wsUrl, 'call', 'Bob');
    expect(b.welcome.peers).toEqual([{ id: a.welcome.id, name: 'Ann' }]);
    expect(await a.client.next('peer-joined')).toEqual({
      type: 'peer-joined',
      peer: { id: b.welcome.id, name: 'Bob' },
    });

    a.client.send({ type: 'signal', to: b.welcome.id, data: offer });
    expect(await b.client.next('signal')).toEqual({ type: 'signal', from: a.welcome.id, data: offer });
    b.client.send({ type: 'signal', to: a.welcome.id, data: answer });
    expect(await a.client.next('signal')).toEqual({ type: 'signal', from: b.welcome.id, data: answer });

    a.client.send({ type: 'leave' });
    expect(await b.client.next('peer-left')).toEqual({ type: 'peer-left', id: a.welcome.id, reason: 'left' });
    // And the other way: a join on node-1 reaches node-2.
    const d = await joined(node1.wsUrl, 'call', 'Dee');
    expect(await b.client.next('peer-joined')).toEqual({
      type: 'peer-joined',
      peer: { id: d.welcome.id, name: 'Dee' },
    });
    await b.client.expectNothingPending();
    // Node-2 has handled every frame of room "call" that came through Redis by now (b heard the last one), so
    // anything it wrongly sent the bystander is already on the bystander's socket, ahead of this round trip.
    await bystander.client.expectNothingPending();
  });

  it('admits exactly ROOM_CAPACITY of 30 joins racing on 3 nodes, three rounds in a row', async () => {
    const capacity = 2;
    const racers = 30;
    for (let round = 1; round <= 3; round++) {
      const room = `race-${round}`;
      // Connect everyone first, so the joins leave together rather than as fast as sockets open.
      const sockets = await Promise.all(
        Array.from({ length: racers }, (_, i) => TestClient.connect(cluster.nodes[i % cluster.nodes.length]!.wsUrl)),
      );
      clients.push(...sockets);
      for (const socket of sockets) socket.send({ type: 'join', room });
      const answers = await Promise.all(
        sockets.map(async (socket) => {
          const frame = await socket.next(undefined, 10_000);
          return frame.type === 'error' ? frame.code : frame.type;
        }),
      );
      const counts = Object.fromEntries(
        [...new Set(answers)].map((kind) => [kind, answers.filter((a) => a === kind).length]),
      );
      expect(counts, `round ${round}`).toEqual({ welcome: capacity, 'room-full': racers - capacity });
      for (const socket of clients.splice(0)) socket.terminate();
    }
  });
});

describe('metrics of shared mode', () => {
  beforeAll(async () => {
    redis = await startRedis();
    cluster = await startCluster({ nodes: 2, redisUrl: redis.url });
  });
  afterAll(async () => {
    await cluster?.close();
    await redis?.close();
  });

  it("counts each node's members and cross-node messages, labelled with the node", async () => {
    const nodes = cluster.nodes;
    const counters = async () =>
      Promise.all(
        nodes.map(async (node) => {
          const text = await node.metrics();
          const of = (direction: string) =>
            sample(text, 'vc_cluster_messages_total', { node: node.id, direction }) ?? 0;
          return { out: of('out'), in: of('in') };
        }),
      );
    const before = await counters();
    const a = await joined(nodes[0]!.wsUrl, 'metered');
    const b = await joined(nodes[1]!.wsUrl, 'metered');
    await a.client.next('peer-joined');
    a.client.send({ type: 'signal', to: b.welcome.id, data: candidate });
    await b.client.next('signal');
    b.client.send({ type: 'signal', to: a.welcome.id, data: candidate });
    await a.client.next('signal');

    const after = await counters();
    for (const [index, node] of nodes.entries()) {
      const text = await node.metrics();
      expect(sample(text, 'vc_cluster_members', { node: node.id }), `${node.id} members`).toBe(1);
      expect(sample(text, 'vc_cluster_redis_up', { node: node.id }), `${node.id} redis up`).toBe(1);
      expect(after[index]!.out, `${node.id} messages out`).toBeGreaterThan(before[index]!.out);
      expect(after[index]!.in, `${node.id} messages in`).toBeGreaterThan(before[index]!.in);
    }
  });
});
