/**
 * The Rooms interface's rules, held by both implementations alike: the
 * in-memory store and the Redis store (a real redis-server, two stores as two
 * nodes sharing it). What a request decides is checked through what it
 * answers and through the events every following node hears, in order.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRoomStore } from '../../server/signaling/memory-store.js';
import type {
  Envelope,
  Holding,
  MemberRecord,
  RoomEvent,
  RoomStore,
  RoomView,
  SeatRequest,
} from '../../server/signaling/room-store.js';
import { RedisRoomStore } from '../../server/cluster/redis-store.js';
import { createClusterMetrics } from '../../server/cluster/metrics.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const CAPACITY = 2;
const silent = pino({ level: 'silent' });

/** A node's part: its store, and what the store told it. */
interface Node {
  store: RoomStore;
  events: RoomEvent[];
  envelopes: Array<[string, Envelope]>;
  views: RoomView[];
  holdings: Holding[];
}

function listen(store: RoomStore): Node {
  const node: Node = { store, events: [], envelopes: [], views: [], holdings: [] };
  void store.start({
    event: (event, view) => {
      node.events.push(structuredClone(event));
      node.views.push(view);
    },
    envelope: (holder, envelope) => node.envelopes.push([holder, envelope]),
    available: () => undefined,
    holdings: () => node.holdings,
  });
  return node;
}

const member = (node: string, id: string, fields: Partial<MemberRecord> = {}): MemberRecord => ({
  id,
  holder: `${node}/${id}`,
  name: id.toUpperCase(),
  role: 'guest',
  ...fields,
});

const seatOf = (room: string, seated: MemberRecord, fields: Partial<SeatRequest> = {}): SeatRequest => ({
  room,
  member: seated,
  takeOver: false,
  resumed: false,
  unlessLocked: false,
  admitted: false,
  ...fields,
});

/** Waits until `node` has heard `count` events (at once in memory; after Redis's round trip otherwise). */
async function heard(node: Node, count: number): Promise<RoomEvent[]> {
  const deadline = Date.now() + 5_000;
  while (node.events.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(node.events).toHaveLength(count);
  return node.events;
}

interface Setup {
  name: string;
  /** Two nodes sharing one set of rooms (in memory: one store, seen twice). */
  nodes(): Promise<[Node, Node]>;
  close(): Promise<void>;
}

let redis: RedisServer;
const opened: RedisRoomStore[] = [];

const setups: Setup[] = [
  {
    name: 'in memory',
    nodes: () => {
      const node = listen(new MemoryRoomStore(CAPACITY));
      return Promise.resolve([node, node]);
    },
    close: () => Promise.resolve(),
  },
  {
    name: 'in Redis, two nodes',
    nodes: async () => {
      await redis.flush();
      const make = (id: string) => {
        const store = new RedisRoomStore({
          url: redis.url,
          node: id,
          capacity: CAPACITY,
          heartbeatMs: 1_000,
          log: silent,
          metrics: createClusterMetrics(new Registry(), id, { rooms: () => 0, members: () => 0, up: () => true }),
        });
        opened.push(store);
        return listen(store);
      };
      const nodes: [Node, Node] = [make('n1'), make('n2')];
      const deadline = Date.now() + 10_000;
      while (!nodes.every((node) => node.store.available) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return nodes;
    },
    close: async () => {
      for (const store of opened.splice(0)) await store.close();
    },
  },
];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const store of opened.splice(0)) await store.close();
  await redis.close();
});

describe.each(setups)('the room store $name', (setup) => {
  it('seats up to its capacity across nodes, refuses the next with full, and tells each seat in order', async () => {
    const [one, two] = await setup.nodes();
    const room = 'cap';
    expect(await one.store.seat(seatOf(room, member('n1', 'a')))).toEqual({ ok: true });
    expect(await two.store.seat(seatOf(room, member('n2', 'b')))).toEqual({ ok: true });
    expect(await two.store.seat(seatOf(room, member('n2', 'c')))).toEqual({
      ok: false,
      reason: 'full',
      capacity: CAPACITY,
    });
    // n1 follows the room (its socket holds a seat), so it hears both seats, in order.
    const events = await heard(one, 2);
    expect(events.map((event) => event.type === 'seated' && event.member.id)).toEqual(['a', 'b']);
    expect([...(one.store.view(room)?.seats.keys() ?? [])]).toEqual(['a', 'b']);
    await setup.close();
  });

  it('admits exactly its capacity when joins race from both nodes', async () => {
    const [one, two] = await setup.nodes();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => {
        const node = index % 2 === 0 ? one : two;
        return node.store.seat(seatOf('race', member(`n${(index % 2) + 1}`, `p${index}`)));
      }),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(CAPACITY);
    expect(results.filter((result) => !result.ok && result.reason === 'full')).toHaveLength(10 - CAPACITY);
    await setup.close();
  });

  it('moves a seat to its resumer without a free seat, naming the holder it replaced; a new holder is refused', async () => {
    const [one, two] = await setup.nodes();
    const room = 'resume';
    const old = member('n1', 'a');
    await one.store.seat(seatOf(room, old));
    await one.store.seat(seatOf(room, member('n1', 'b')));
    const back = { ...old, holder: 'n2/a-again' };
    expect(await two.store.seat(seatOf(room, back))).toEqual({ ok: false, reason: 'taken' });
    expect(await two.store.seat(seatOf(room, back, { takeOver: true, resumed: true }))).toEqual({ ok: true });
    const events = await heard(one, 3);
    expect(events[2]).toMatchObject({ type: 'seated', member: back, replaced: old.holder, resumed: true });
    // The old holder's late leave changes nothing: the seat is no longer its.
    await one.store.unseat(room, old, 'disconnected');
    await one.store.seat(seatOf(room, member('n1', 'probe')));
    expect((await heard(one, 3)).length).toBe(3);
    expect(one.store.view(room)?.seats.get('a')?.holder).toBe('n2/a-again');
    await setup.close();
  });

  it('frees a seat for its holder only, with the reason, and forgets an emptied room and its lock', async () => {
    const [one] = await setup.nodes();
    const room = 'leave';
    const [a, b] = [member('n1', 'a', { role: 'host' }), member('n1', 'b')];
    await one.store.seat(seatOf(room, a));
    await one.store.seat(seatOf(room, b));
    await one.store.lock(room, true, { id: 'a', name: 'A', role: 'host' });
    await one.store.unseat(room, b, 'left');
    await one.store.unseat(room, a, 'disconnected');
    const events = await heard(one, 5);
    expect(events.slice(2).map((event) => [event.type, 'reason' in event ? event.reason : undefined])).toEqual([
      ['locked', undefined],
      ['unseated', 'left'],
      ['unseated', 'disconnected'],
    ]);
    // Empty, it starts unlocked: a guest is seated, not told to wait.
    expect(await one.store.seat(seatOf(room, member('n1', 'c'), { unlessLocked: true }))).toEqual({ ok: true });
    await setup.close();
  });

  it('keeps a locked room for hosts and resumers; its lobby holds up to the capacity; admitting moves a guest in', async () => {
    const [one, two] = await setup.nodes();
    const room = 'lobby';
    const host = member('n1', 'h', { role: 'host' });
    await one.store.seat(seatOf(room, host));
    await one.store.lock(room, true, { id: 'h', name: 'H', role: 'host' });
    const guest = member('n2', 'g');
    expect(await two.store.seat(seatOf(room, guest, { unlessLocked: true }))).toEqual({ ok: false, reason: 'locked' });
    expect(await two.store.wait(room, guest)).toEqual({ ok: true });
    expect(await two.store.wait(room, member('n2', 'g2'))).toEqual({ ok: true });
    expect(await two.store.wait(room, member('n2', 'g3'))).toEqual({ ok: false, reason: 'full', capacity: CAPACITY });
    expect(await one.store.seat(seatOf(room, guest, { admitted: true }))).toEqual({ ok: true });
    // The guest is no longer waiting: a second admit (another host, late) finds nobody.
    expect(await one.store.seat(seatOf(room, guest, { admitted: true }))).toEqual({ ok: false, reason: 'not-waiting' });
    const events = await heard(one, 6);
    expect(events.map((event) => event.type)).toEqual(['seated', 'locked', 'waiting', 'waiting', 'seated', 'unwaited']);
    expect(events[4]).toMatchObject({ type: 'seated', admitted: true, member: guest });
    expect(events[5]).toMatchObject({ type: 'unwaited', outcome: 'admitted', member: guest });
    await setup.close();
  });

  it('keeps rooms apart: a seat or a wait in one room is in no other view, and the counts are per node', async () => {
    const [one, two] = await setup.nodes();
    await one.store.seat(seatOf('apart-a', member('n1', 'a')));
    await two.store.seat(seatOf('apart-b', member('n2', 'b')));
    await two.store.wait('apart-b', member('n2', 'w'));
    await heard(one, one === two ? 3 : 1);
    await heard(two, one === two ? 3 : 2);
    expect(one.store.view('apart-a')?.seats.has('b')).toBe(false);
    expect(two.store.view('apart-b')?.seats.has('a')).toBe(false);
    expect(two.store.view('apart-b')?.waiting.has('w')).toBe(true);
    if (one === two) {
      expect([one.store.roomCount, one.store.memberCount, one.store.waitingCount]).toEqual([2, 2, 1]);
    } else {
      // Each node follows only the rooms its own sockets are in, and counts only their seats.
      expect(one.store.view('apart-b')).toBeUndefined();
      expect([one.store.roomCount, one.store.memberCount, one.store.waitingCount]).toEqual([1, 1, 0]);
      expect([two.store.roomCount, two.store.memberCount, two.store.waitingCount]).toEqual([1, 1, 1]);
    }
    await setup.close();
  });

  it('hands an envelope to the node holding the socket, and only to it', async () => {
    const [one, two] = await setup.nodes();
    one.store.deliver('n2/x', { kind: 'kick', message: 'bye' });
    two.store.deliver('n1/y', { kind: 'deny', message: 'no' });
    const deadline = Date.now() + 5_000;
    while (two.envelopes.length + one.envelopes.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(two.envelopes).toContainEqual(['n2/x', { kind: 'kick', message: 'bye' }]);
    expect(one.envelopes).toContainEqual(['n1/y', { kind: 'deny', message: 'no' }]);
    if (one !== two) {
      expect(one.envelopes).toHaveLength(1);
      expect(two.envelopes).toHaveLength(1);
    }
    await setup.close();
  });
});
