import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { startTarget, type Target } from '../helpers/cluster.js';
import { controlPair } from '../helpers/control-pair.js';
import { useRedis, type RedisServer } from '../helpers/redis.js';

const TWO_NODES = 'across two nodes sharing one Redis';

const candidate = {
  candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.66 6666 typ host', sdpMid: '0', sdpMLineIndex: 0 },
};

/** Whether a case belongs to the two-node run: the one-node run's hooks, at the top level, see it too. */
function ofTwoNodes(task: TestContext['task']): boolean {
  for (let suite = task.suite; suite !== undefined; suite = suite.suite) if (suite.name === TWO_NODES) return true;
  return false;
}

/**
 * Every case, against one node (`redis` undefined) or against two sharing the
 * Redis `redis()` returns, with the clients of each room spread over both.
 * Across nodes, a frame wrongly relayed would travel through Redis, so a case
 * proves its absence only once a frame sent after it in each direction has
 * crossed: the control pair's exchange (`crossed()`), one peer per node.
 */
function suite(redis?: () => RedisServer) {
  let server: Target;
  let control: Awaited<ReturnType<typeof controlPair>>;
  const clients: TestClient[] = [];
  const mine = (task: TestContext['task']) => ofTwoNodes(task) === (redis !== undefined);

  beforeEach(async ({ task }) => {
    if (!mine(task)) return;
    server = await startTarget({}, { redisUrl: redis?.().url });
    control = await controlPair(server.wsUrl);
  });
  afterEach(async ({ task }) => {
    if (!mine(task)) return;
    control.close();
    for (const client of clients.splice(0)) client.terminate();
    await server.close();
    await redis?.().flush();
  });
  const crossed = () => control.assertUnaffected();

  describe('room isolation', () => {
    it('a socket that never joined cannot signal anyone (not-joined)', async () => {
      const stranger = await TestClient.connect(server.wsUrl);
      clients.push(stranger);
      // Even knowing a real peer id must not help.
      const victim = await TestClient.joined(server.wsUrl, 'victim-room');
      clients.push(victim.client);
      stranger.send({ type: 'signal', to: victim.welcome.id, data: candidate });
      expect(await stranger.nextError()).toMatchObject({ code: 'not-joined' });
      await control.assertUnaffected();
      await victim.client.expectNothingPending();
    });

    it('a peer of another room cannot reach a peer it knows the id of (unknown-peer)', async () => {
      const victim = await TestClient.joined(server.wsUrl, 'victim-room');
      const intruder = await TestClient.joined(server.wsUrl, 'intruder-room');
      clients.push(victim.client, intruder.client);
      intruder.client.send({ type: 'signal', to: victim.welcome.id, data: candidate });
      expect(await intruder.client.nextError()).toMatchObject({ code: 'unknown-peer' });
      await control.assertUnaffected();
      await victim.client.expectNothingPending();
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
      await crossed();
      await a.client.expectNothingPending();
    });

    it('a claimed "from" is refused, never relayed', async () => {
      const a = await TestClient.joined(server.wsUrl, 'call');
      const b = await TestClient.joined(server.wsUrl, 'call');
      clients.push(a.client, b.client);
      await a.client.next('peer-joined');
      a.client.send({ type: 'signal', to: b.welcome.id, from: 'someone-else', data: candidate });
      expect(await a.client.nextError()).toMatchObject({ code: 'bad-message' });
      await crossed();
      await b.client.expectNothingPending();
    });

    it('a chat message reaches every seat of its room, on either node, and no other room', async () => {
      const a = await TestClient.joined(server.wsUrl, 'chat-room', 'Ada');
      const b = await TestClient.joined(server.wsUrl, 'chat-room', 'Bob');
      clients.push(a.client, b.client);
      a.client.send({ type: 'chat', mid: 1, text: 'room only' });
      const relayed = { type: 'chat', from: { id: a.welcome.id, name: 'Ada' }, mid: 1, text: 'room only' };
      expect(await b.client.next('chat')).toMatchObject(relayed);
      expect(await a.client.next('chat')).toMatchObject(relayed);
      await crossed();
    });

    it('a claimed chat "from" is refused, never relayed', async () => {
      const a = await TestClient.joined(server.wsUrl, 'chat-room', 'Ada');
      const b = await TestClient.joined(server.wsUrl, 'chat-room', 'Bob');
      clients.push(a.client, b.client);
      a.client.send({ type: 'chat', mid: 1, text: 'spoof', from: { id: b.welcome.id, name: 'Bob' } });
      expect(await a.client.nextError()).toMatchObject({ code: 'bad-message' });
      await b.client.expectNothingPending();
      await crossed();
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
}

suite();

describe(TWO_NODES, () => {
  suite(useRedis());
});
