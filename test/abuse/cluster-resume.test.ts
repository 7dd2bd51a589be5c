/**
 * Resume tokens replayed across the nodes of a shared-mode deployment (see
 * server-resume.test.ts for one node): a spent token replayed on another
 * node takes no seat, and the latest token replayed on two nodes at once
 * wins one seat, never two, round after round. The seat moves silently: the
 * socket that held it is closed wherever it is, and the room hears nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WelcomeMessage } from '../../protocol/signaling.js';
import { TestClient } from '../helpers/client.js';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
let cluster: Cluster;
let node1: ClusterNode;
let node2: ClusterNode;
const clients: TestClient[] = [];

beforeAll(async () => {
  redis = await startRedis();
  cluster = await startCluster({
    nodes: 2,
    redisUrl: redis.url,
    env: { ROOM_CAPACITY: '2', UPGRADES_PER_MINUTE_PER_IP: '100000' },
  });
  [node1, node2] = cluster.nodes as [ClusterNode, ClusterNode];
  // Two nodes start from source (tsx): 5-10 s each on 2 busy cores, beyond this project's hook timeout.
}, 120_000);
afterEach(() => {
  for (const client of clients.splice(0)) client.terminate();
});
afterAll(async () => {
  await cluster?.close();
  await redis?.close();
});

async function connect(url: string) {
  const client = await TestClient.connect(url);
  clients.push(client);
  return client;
}
const candidate = {
  candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.8 8 typ host', sdpMid: '0', sdpMLineIndex: 0 },
};

describe('resume tokens replayed across nodes', () => {
  it('seat one of two copies of the latest token sent to two nodes at once, and no spent token', async () => {
    const owner = await TestClient.joined(node1.wsUrl, 'call', 'owner');
    const mate = await TestClient.joined(node2.wsUrl, 'call', 'mate');
    clients.push(owner.client, mate.client);
    await owner.client.next('peer-joined');
    let holder = owner.client;
    let latest = owner.welcome.resume;
    const spent: string[] = [];

    for (let round = 1; round <= 5; round++) {
      const twins = [await connect(node1.wsUrl), await connect(node2.wsUrl)];
      for (const twin of twins) twin.send({ type: 'join', room: 'call', resume: latest });
      const answers = await Promise.all(twins.map((twin) => twin.next(undefined, 10_000)));
      // The loser is refused either way a node refuses a spent token: the room is full (the winner got there
      // first), or the token was spent while its join was being checked (join.ts). Never a second seat.
      const kinds = answers.map((answer) => answer.type);
      expect(kinds.sort(), `round ${round}: ${JSON.stringify(answers)}`).toEqual(['error', 'welcome']);
      const refusal = answers.find((answer) => answer.type === 'error');
      expect(['room-full', 'bad-message'], JSON.stringify(refusal)).toContain((refusal as { code: string }).code);
      const index = answers.findIndex((answer) => answer.type === 'welcome');
      const winner = twins[index]!;
      const welcome = answers[index] as WelcomeMessage;
      expect(welcome).toMatchObject({ id: owner.welcome.id, resumed: true });
      // The socket that held the seat is closed, on whichever node it was.
      await holder.closed;
      spent.push(latest);
      holder = winner;
      latest = welcome.resume;

      // The seat moved silently: the mate's next frame is this signal, and the winner's is the mate's answer.
      winner.send({ type: 'signal', to: mate.welcome.id, data: candidate });
      expect(await mate.client.next()).toEqual({ type: 'signal', from: owner.welcome.id, data: candidate });
      mate.client.send({ type: 'signal', to: owner.welcome.id, data: candidate });
      expect(await winner.next()).toEqual({ type: 'signal', from: mate.welcome.id, data: candidate });
    }

    // Every spent token, on each node: no seat (the room is full), and the holder keeps its own.
    for (const token of spent) {
      for (const node of [node1, node2]) {
        const thief = await connect(node.wsUrl);
        thief.send({ type: 'join', room: 'call', resume: token });
        expect(await thief.nextError()).toMatchObject({ code: 'room-full' });
      }
    }
    // Nothing of theirs reached the call: each side's next frame is the other's signal.
    holder.send({ type: 'signal', to: mate.welcome.id, data: candidate });
    expect(await mate.client.next()).toEqual({ type: 'signal', from: owner.welcome.id, data: candidate });
    mate.client.send({ type: 'signal', to: owner.welcome.id, data: candidate });
    expect(await holder.next()).toEqual({ type: 'signal', from: mate.welcome.id, data: candidate });
    for (const node of cluster.nodes) expect(node.process.alive, node.id).toBe(true);
  });
});
