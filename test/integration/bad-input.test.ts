import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { startTarget, type Target } from '../helpers/cluster.js';
import { controlPair } from '../helpers/control-pair.js';
import { useRedis, type RedisServer } from '../helpers/redis.js';

/** Byte budgets out of the way, for tests of another limit that send a lot. */
const UNLIMITED_BYTES = {
  RATE_LIMIT_BYTES_PER_SECOND: String(1024 ** 3),
  RATE_LIMIT_BYTES_BURST: String(1024 ** 3),
  RATE_LIMIT_BYTES_PER_SECOND_PER_IP: String(1024 ** 3),
  RATE_LIMIT_BYTES_BURST_PER_IP: String(1024 ** 3),
};

/**
 * Every case, against one node (`redis` undefined) or against two sharing the
 * Redis `redis()` returns, with the clients of each room spread over both.
 */
function suite(redis?: () => RedisServer) {
  let server: Target;
  let running = false;
  let control: Awaited<ReturnType<typeof controlPair>>;
  const clients: TestClient[] = [];

  /** `oneNode`: for a limit each node keeps for itself (see startTarget). */
  async function setup(env: Record<string, string> = {}, { oneNode = false } = {}) {
    server = await startTarget(env, { redisUrl: redis?.().url, oneNode });
    try {
      control = await controlPair(server.wsUrl);
    } catch (error) {
      await server.close();
      throw error;
    }
    running = true;
  }
  async function connect() {
    const client = await TestClient.connect(server.wsUrl);
    clients.push(client);
    return client;
  }
  // Registered at the file's top level by the one-node suite, this hook runs after the two-node cases too:
  // it has nothing to close there.
  afterEach(async () => {
    if (!running) return;
    running = false;
    control.close();
    for (const client of clients.splice(0)) client.terminate();
    await server.close();
    await redis?.().flush();
  });

  /** After a refused frame the same socket must still be able to join and be welcomed. */
  async function expectStillUsable(client: TestClient) {
    client.send({ type: 'join', room: 'after-bad-input' });
    expect((await client.next('welcome')).room).toBe('after-bad-input');
  }

  describe('malformed frames get bad-message and lose nothing', () => {
    const cases: Array<[string, string]> = [
      ['non-JSON', 'hello there'],
      ['truncated JSON', '{"type":"join","room":'],
      ['a JSON array', '[{"type":"join","room":"a"}]'],
      ['a JSON string', '"join"'],
      ['JSON null', 'null'],
      ['no type', '{"room":"a"}'],
      ['a numeric type', '{"type":1}'],
      ['an unknown type', '{"type":"shutdown"}'],
      ['a server-only type', '{"type":"welcome","id":"x"}'],
      ['join without room', '{"type":"join"}'],
      ['join with a numeric room', '{"type":"join","room":123}'],
      ['signal without to', '{"type":"signal","data":{"candidate":{"candidate":""}}}'],
      ['signal without data', '{"type":"signal","to":"abc"}'],
      [
        'signal with both description and candidate',
        '{"type":"signal","to":"abc","data":{"description":{"type":"offer","sdp":""},"candidate":{"candidate":""}}}',
      ],
      [
        'signal with a description of unknown type',
        '{"type":"signal","to":"abc","data":{"description":{"type":"hack","sdp":""}}}',
      ],
      ['signal with a numeric sdp', '{"type":"signal","to":"abc","data":{"description":{"type":"offer","sdp":5}}}'],
      [
        'signal with an oversized candidate',
        `{"type":"signal","to":"abc","data":{"candidate":{"candidate":"${'c'.repeat(1100)}"}}}`,
      ],
      ['leave with an extra field', '{"type":"leave","room":"x"}'],
      ['a prototype-polluting key', '{"type":"join","room":"a","__proto__":{"admin":true}}'],
      ['a constructor.prototype key', '{"type":"join","room":"a","constructor":{"prototype":{"admin":true}}}'],
    ];

    it.each(cases)('refuses %s', async (_label, frame) => {
      await setup();
      const client = await connect();
      client.send(frame);
      const error = await client.nextError();
      expect(error.code).toBe('bad-message');
      expect(error.message.length).toBeGreaterThan(0);
      await expectStillUsable(client);
      await control.assertUnaffected();
    });

    it('lets no __proto__ or constructor key reach the objects of later joins', async () => {
      await setup();
      const attacker = await connect();
      // Had any of these landed on Object.prototype, a join that leaves out name and v would read them from
      // there: the joiner would be named "polluted", or turned away as a client of protocol v99.
      const inherited = JSON.stringify({ name: 'polluted', v: 99 });
      const frames = [
        `{"type":"join","room":"a","__proto__":${inherited}}`,
        `{"type":"join","room":"a","constructor":{"prototype":${inherited}}}`,
        `{"type":"signal","to":"abc","data":{"candidate":{"candidate":"","__proto__":${inherited}}}}`,
      ];
      for (const frame of frames) {
        attacker.send(frame);
        expect((await attacker.nextError()).code).toBe('bad-message');
      }
      const first = await TestClient.joined(server.wsUrl, 'clean');
      const second = await TestClient.joined(server.wsUrl, 'clean');
      clients.push(first.client, second.client);
      expect(second.welcome.peers).toEqual([{ id: first.welcome.id, name: '' }]);
      const joined = await first.client.next('peer-joined');
      expect(joined).toEqual({ type: 'peer-joined', peer: { id: second.welcome.id, name: '' } });
      await control.assertUnaffected();
    });

    it('refuses binary frames', async () => {
      await setup();
      const client = await connect();
      client.socket.send(Buffer.from('{"type":"join","room":"a"}'), { binary: true });
      expect(await client.nextError()).toMatchObject({ code: 'bad-message' });
      await expectStillUsable(client);
      await control.assertUnaffected();
    });

    it('closes a socket that sends a text frame of invalid UTF-8 with 1007', async () => {
      await setup();
      const client = await connect();
      client.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      expect((await client.closed).code).toBe(1007);
      await control.assertUnaffected();
    });
  });

  describe('names', () => {
    const badRooms = ['', 'a b', 'room/../etc', 'ünïcode', 'x'.repeat(65), 'semi;colon', '<script>'];
    it.each(badRooms)('refuses the room name %j', async (room) => {
      await setup();
      const client = await connect();
      client.send({ type: 'join', room });
      expect(await client.nextError()).toMatchObject({ code: 'bad-message' });
      await control.assertUnaffected();
    });

    const badNames = ['', 'x'.repeat(65), 'new\nline', 'bell\u0007', 'del\u007f'];
    it.each(badNames)('refuses the display name %j', async (name) => {
      await setup();
      const client = await connect();
      client.send({ type: 'join', room: 'ok-room', name });
      expect(await client.nextError()).toMatchObject({ code: 'bad-message' });
      await control.assertUnaffected();
    });

    it('accepts a 64-character room and a non-ASCII display name', async () => {
      await setup();
      const room = 'r'.repeat(64);
      const { welcome } = await TestClient.joined(server.wsUrl, room, 'Zoë 😀 Ünal');
      expect(welcome.room).toBe(room);
      await TestClient.joined(server.wsUrl, room, 'Bob').then(({ client, welcome: second }) => {
        clients.push(client);
        expect(second.peers[0]?.name).toBe('Zoë 😀 Ünal');
      });
    });
  });

  describe('frame size', () => {
    it('answers a frame over MAX_FRAME_BYTES with too-large and keeps the socket usable', async () => {
      await setup({ MAX_FRAME_BYTES: '2048' });
      const client = await connect();
      client.send({ type: 'join', room: 'big', name: 'x'.repeat(3000) });
      const error = await client.nextError();
      expect(error.code).toBe('too-large');
      expect(error.message).toContain('2048');
      await expectStillUsable(client);
      await control.assertUnaffected();
    });

    it('relays a frame of exactly MAX_FRAME_BYTES', async () => {
      await setup({ MAX_FRAME_BYTES: '2048' });
      const a = await TestClient.joined(server.wsUrl, 'exact');
      const b = await TestClient.joined(server.wsUrl, 'exact');
      clients.push(a.client, b.client);
      const frame = (sdp: string) =>
        JSON.stringify({ type: 'signal', to: b.welcome.id, data: { description: { type: 'offer', sdp } } });
      const sdp = 'v'.repeat(2048 - frame('').length);
      expect(Buffer.byteLength(frame(sdp))).toBe(2048);
      a.client.send(frame(sdp));
      expect((await b.client.next('signal')).from).toBe(a.welcome.id);
    });

    it('refuses a chat text over 2048 UTF-8 bytes with too-large and its mid, relaying nothing', async () => {
      await setup();
      const a = await TestClient.joined(server.wsUrl, 'chatty', 'Ada');
      const b = await TestClient.joined(server.wsUrl, 'chatty', 'Bob');
      clients.push(a.client, b.client);
      // 1024 two-byte characters and one more byte: within the schema, over the chat limit in bytes.
      a.client.send({ type: 'chat', mid: 5, text: 'é'.repeat(1024) + 'x' });
      expect(await a.client.nextError()).toMatchObject({ code: 'too-large', mid: 5 });
      a.client.send({ type: 'chat', mid: 6, text: 'ok' });
      expect(await b.client.next('chat')).toMatchObject({ mid: 6, text: 'ok', from: { id: a.welcome.id } });
      await control.assertUnaffected();
    });

    it('closes a socket with 1009 when a frame exceeds four times the limit', async () => {
      await setup({ MAX_FRAME_BYTES: '2048' });
      const client = await connect();
      client.send('x'.repeat(4 * 2048 + 1));
      expect((await client.closed).code).toBe(1009);
      await control.assertUnaffected();
    });
  });

  describe('rate limit', () => {
    it('drops frames over the rate with one rate-limited error, then closes a flood with 4001', async () => {
      const rate = 5;
      const burst = 20;
      await setup({ RATE_LIMIT_PER_SECOND: String(rate), RATE_LIMIT_BURST: String(burst) });
      const client = await connect();
      const sentAt = performance.now();
      for (let i = 0; i < 200; i++) client.send({ type: 'leave' });
      const { code } = await client.closed;
      const elapsedSeconds = (performance.now() - sentAt) / 1000;
      expect(code).toBe(4001);
      const errors = client.received.filter((m) => m.type === 'error');
      const limited = errors.filter((m) => m.type === 'error' && m.code === 'rate-limited');
      expect(limited).toHaveLength(1);
      // The whole burst got through, each answered not-joined, before anything was dropped; after it, only
      // what the rate refilled while the flood was being handled, however slowly the machine handled it.
      const processed = errors.filter((m) => m.type === 'error' && m.code === 'not-joined');
      expect(errors.slice(0, burst)).toEqual(processed.slice(0, burst));
      expect(processed.length).toBeGreaterThanOrEqual(burst);
      expect(processed.length).toBeLessThanOrEqual(burst + Math.floor(elapsedSeconds * rate));
      expect(processed.length + limited.length).toBe(errors.length);
      await control.assertUnaffected();
    });

    it('closes a client that keeps sending several times the rate, telling it rate-limited once a second', async () => {
      const rate = 20;
      const burst = 20;
      await setup({ RATE_LIMIT_PER_SECOND: String(rate), RATE_LIMIT_BURST: String(burst) });
      const client = await connect();
      // Batches of 10 every 10 ms, about 1 000 frames/s: no batch big enough alone, but 50 times the rate. A slow
      // machine stretches the ticks; the sending goes on until the server closes the socket or the deadline passes.
      const sentAt = performance.now();
      const deadline = sentAt + 10_000;
      while (client.socket.readyState === client.socket.OPEN && performance.now() < deadline) {
        for (let i = 0; i < 10; i++) client.send({ type: 'leave' });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await client.closed).code).toBe(4001);
      const elapsedSeconds = (performance.now() - sentAt) / 1000;
      const limited = client.received.filter((m) => m.type === 'error' && m.code === 'rate-limited');
      // One rate-limited error opens each refusal window of a second: never one per dropped frame.
      expect(limited.length).toBeGreaterThanOrEqual(1);
      expect(limited.length).toBeLessThanOrEqual(1 + Math.floor(elapsedSeconds));
      const processed = client.received.filter((m) => m.type === 'error' && m.code === 'not-joined');
      expect(processed.length).toBeGreaterThanOrEqual(burst);
      expect(processed.length).toBeLessThanOrEqual(burst + Math.floor(elapsedSeconds * rate));
      await control.assertUnaffected();
    });

    it('lets a client that slows down continue after being rate-limited', async () => {
      const rate = 20;
      const burst = 5;
      await setup({ RATE_LIMIT_PER_SECOND: String(rate), RATE_LIMIT_BURST: String(burst) });
      const client = await connect();
      for (let i = 0; i < burst + 3; i++) client.send({ type: 'leave' });
      expect((await client.next('error')).code).toBe('not-joined');
      const limited = await client.next('error').then(async function skip(m): Promise<string> {
        return m.code === 'rate-limited' ? m.code : skip(await client.next('error'));
      });
      expect(limited).toBe('rate-limited');
      // Slowing down is the behaviour under test: a pause long enough to refill the bucket, then one frame.
      await new Promise((resolve) => setTimeout(resolve, (burst * 1000) / rate));
      await expectStillUsable(client);
    });

    it('keeps one client from creating more than one room at a time, even over 10 000 attempts', async () => {
      await setup(UNLIMITED_BYTES);
      const client = await connect();
      const sentAt = performance.now();
      for (let i = 0; i < 10_000; i++) {
        client.send({ type: 'join', room: `room-${i}` });
        client.send({ type: 'leave' });
      }
      const { code } = await client.closed;
      const elapsedSeconds = (performance.now() - sentAt) / 1000;
      expect(code).toBe(4001);
      // A join and a leave per room: at most half of the burst and of what the rate refilled meanwhile.
      const { rateLimitBurst, rateLimitPerSecond } = server.config;
      const welcomes = client.received.filter((m) => m.type === 'welcome');
      const admitted = rateLimitBurst + elapsedSeconds * rateLimitPerSecond;
      expect(welcomes.length).toBeLessThanOrEqual(Math.floor(admitted / 2) + 1);
      // Only the control pair's room is left, as each node that seats one of its peers counts it.
      expect(await server.metric('vc_signaling_rooms')).toBe(server.nodes.length);
      expect(await server.metric('vc_signaling_peers')).toBe(2);
      await control.assertUnaffected();
    });

    it('holds at most one room per socket even when the rate limit is not in the way', async () => {
      await setup({
        ...UNLIMITED_BYTES,
        RATE_LIMIT_PER_SECOND: '1000000',
        RATE_LIMIT_BURST: '1000000',
        RATE_LIMIT_PER_SECOND_PER_IP: '1000000',
        RATE_LIMIT_BURST_PER_IP: '1000000',
      });
      const client = await connect();
      for (let i = 0; i < 10_000; i++) client.send({ type: 'join', room: `room-${i}` });
      // Sent before its welcome, a frame that needs a seat is refused not-joined (docs/protocol.md, join):
      // the sync frame waits for the seat, which in shared mode is a Redis round trip away.
      expect(await client.next('welcome', 10_000)).toMatchObject({ room: 'room-0' });
      client.send({ type: 'ice-servers' });
      await client.next('ice-servers', 10_000);
      // The one welcome was taken above; no other came before the sync frame's answer.
      expect(client.received.filter((m) => m.type === 'welcome')).toHaveLength(0);
      expect(client.received.filter((m) => m.type === 'error' && m.code === 'already-joined')).toHaveLength(9_999);
      // The client's one room, and the control pair's as each node that seats one of its peers counts it.
      expect(await server.metric('vc_signaling_rooms')).toBe(server.nodes.length + 1);
      await control.assertUnaffected();
    });
  });

  describe('slow consumers', () => {
    it('cuts a peer that stops reading once its send buffer passes MAX_BUFFERED_BYTES, and tells its room', async () => {
      await setup({ ...UNLIMITED_BYTES, MAX_BUFFERED_BYTES: '65536' });
      const sender = await TestClient.joined(server.wsUrl, 'slow');
      const reader = await TestClient.joined(server.wsUrl, 'slow');
      clients.push(sender.client, reader.client);
      await sender.client.next('peer-joined');
      reader.client.socket.pause();
      const sdp = 's'.repeat(60_000);
      for (let i = 0; i < 190; i++) {
        sender.client.send({ type: 'signal', to: reader.welcome.id, data: { description: { type: 'offer', sdp } } });
      }
      expect(await sender.client.next('peer-left', 10_000)).toEqual({
        type: 'peer-left',
        id: reader.welcome.id,
        reason: 'disconnected',
      });
      expect(server.logs.some((line) => line.includes('dropping slow consumer'))).toBe(true);
      await control.assertUnaffected();
    });
  });

  describe('connection limits', () => {
    it('closes a socket that does not join within JOIN_TIMEOUT_MS with join-timeout and 4000', async () => {
      await setup({ JOIN_TIMEOUT_MS: '300' });
      const idle = await connect();
      expect(await idle.nextError()).toMatchObject({ code: 'join-timeout' });
      expect((await idle.closed).code).toBe(4000);
      await control.assertUnaffected();
    });

    it('restarts the join timeout after leave', async () => {
      await setup({ JOIN_TIMEOUT_MS: '300' });
      const client = await connect();
      client.send({ type: 'join', room: 'brief' });
      await client.next('welcome');
      client.send({ type: 'leave' });
      expect(await client.nextError()).toMatchObject({ code: 'join-timeout' });
      expect((await client.closed).code).toBe(4000);
    });

    it('refuses the upgrade with 503 beyond MAX_CONNECTIONS, and accepts again once one closes', async () => {
      await setup({ MAX_CONNECTIONS: '3' }, { oneNode: true });
      const third = await connect();
      const refused = await TestClient.connect(server.wsUrl).then(
        () => 'accepted',
        (error: Error) => error.message,
      );
      expect(refused).toContain('503');
      third.close();
      await third.closed;
      // The server sees the close right after the client does; retry briefly.
      let accepted: TestClient | undefined;
      for (let attempt = 0; attempt < 20 && accepted === undefined; attempt++) {
        accepted = await TestClient.connect(server.wsUrl).catch(() => undefined);
        if (accepted === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(accepted).toBeDefined();
      clients.push(accepted as TestClient);
      expect(await server.metric('vc_signaling_upgrades_refused_total{reason="capacity"}')).toBe(1);
    });

    const status = (headers: Record<string, string> = {}) =>
      TestClient.connect(server.wsUrl, { headers }).then(
        (client) => {
          clients.push(client);
          return 101;
        },
        (error: Error) => Number(/Unexpected server response: (\d+)/.exec(error.message)?.[1] ?? 0),
      );

    it('refuses the upgrade with 429 beyond MAX_CONNECTIONS_PER_IP, whatever X-Forwarded-For says', async () => {
      // The control pair already holds two of the three sockets 127.0.0.1 may open.
      await setup({ MAX_CONNECTIONS_PER_IP: '3' }, { oneNode: true });
      expect(await status()).toBe(101);
      expect(await status()).toBe(429);
      expect(await status({ 'x-forwarded-for': '198.51.100.7' })).toBe(429);
      expect(await server.metric('vc_signaling_upgrades_refused_total{reason="address"}')).toBe(2);
      await control.assertUnaffected();
    });

    it('counts each X-Forwarded-For address on its own when TRUST_PROXY is on', async () => {
      await setup({ MAX_CONNECTIONS_PER_IP: '2', TRUST_PROXY: 'true' }, { oneNode: true });
      expect(await status()).toBe(429);
      expect(await status({ 'x-forwarded-for': '198.51.100.7' })).toBe(101);
      expect(await status({ 'x-forwarded-for': '198.51.100.7' })).toBe(101);
      expect(await status({ 'x-forwarded-for': '198.51.100.7' })).toBe(429);
      expect(await status({ 'x-forwarded-for': '203.0.113.9' })).toBe(101);
    });
  });
}

suite();

describe('across two nodes sharing one Redis', () => {
  suite(useRedis());
});
