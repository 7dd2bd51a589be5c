/**
 * The Rooms interface in Redis, for any number of nodes behind any load
 * balancer (docs/scaling.md). Requests are the Lua scripts of scripts.ts;
 * this node follows, on their channels, the rooms its sockets hold a seat or
 * a wait in, and keeps a view of each from a snapshot and the numbered events
 * after it. Envelopes for a socket go to its node's channel.
 *
 * Two connections: one for requests, which fails a request at once while
 * Redis is away (no offline queue: a join is refused `server-unavailable`
 * rather than left hanging), and one subscribed. When both are back, the
 * node recovers by itself: it renews its liveness, gives its live sockets
 * their seats and waits again (into an empty Redis too), frees what its gone
 * sockets still held, and rebuilds every view from a fresh snapshot, telling
 * its sockets the difference.
 *
 * Liveness: `vc:a:<node>` is renewed every CLUSTER_HEARTBEAT_MS and lives
 * two; every half interval each node reaps the nodes whose key is gone.
 */
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Peer, PeerLeftReason } from '../../protocol/signaling.js';
import type { Frame } from '../signaling/outbound.js';
import {
  StoreUnavailableError,
  holderNode,
  type Envelope,
  type LobbyOutcome,
  type MemberRecord,
  type RoomEvent,
  type RoomStore,
  type RoomView,
  type SeatRequest,
  type SeatResult,
  type StoreListener,
  type WaitResult,
} from '../signaling/room-store.js';
import type { ClusterMetrics } from './metrics.js';
import { LOCK, REAP, SEAT, SNAPSHOT, UNSEAT, UNWAIT, WAIT } from './scripts.js';

export interface RedisStoreOptions {
  url: string;
  node: string;
  capacity: number;
  heartbeatMs: number;
  log: FastifyBaseLogger;
  metrics: ClusterMetrics;
}

interface Followed {
  seats: Map<string, MemberRecord>;
  waiting: Map<string, MemberRecord>;
  locked: boolean;
  lockedBy: Peer | undefined;
  seq: number;
  /** Events heard while its snapshot is loading; applied after it. */
  pending: (RoomEvent & { seq: number })[] | undefined;
  loaded: Promise<void>;
  /** Requests for it not answered yet: it is followed at least until they are. */
  requests: number;
  /** The number of the last event a request of this node caused: followed at least until it is heard. */
  awaited: number;
}

type Script = 'seat' | 'wait' | 'unseat' | 'unwait' | 'lock' | 'reap' | 'snapshot';
const SOURCES: Record<Script, string> = {
  seat: SEAT,
  wait: WAIT,
  unseat: UNSEAT,
  unwait: UNWAIT,
  lock: LOCK,
  reap: REAP,
  snapshot: SNAPSHOT,
};
const SHAS = Object.fromEntries(
  Object.entries(SOURCES).map(([name, lua]) => [name, createHash('sha1').update(lua).digest('hex')]),
) as Record<Script, string>;

const ROOM_CHANNEL = 'vc:r:';
const NODE_CHANNEL = 'vc:n:';

export class RedisRoomStore implements RoomStore {
  private readonly views = new Map<string, Followed>();
  /** The connection for requests; the bans and resume records use it too. */
  readonly requests: Redis;
  private readonly subscriber: Redis;
  private readonly nodeChannel: string;
  private listener: StoreListener | undefined;
  private up = false;
  private recovering: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(private readonly options: RedisStoreOptions) {
    const common = {
      // Keep trying, every second at most: the node serves its joined sockets meanwhile.
      retryStrategy: (times: number) => Math.min(100 * times, 1_000),
      connectionName: `vc-${options.node}`,
    };
    this.requests = new Redis(options.url, {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 5_000,
      // The signals of one event-loop turn go out in one write, not one system call each.
      enableAutoPipelining: true,
    });
    this.subscriber = new Redis(options.url, { ...common, autoResubscribe: true });
    this.nodeChannel = NODE_CHANNEL + options.node;
  }

  get available(): boolean {
    return this.up;
  }

  start(listener: StoreListener): Promise<void> {
    this.listener = listener;
    const { log } = this.options;
    for (const [name, client] of [
      ['requests', this.requests],
      ['subscriber', this.subscriber],
    ] as const) {
      client.on('ready', () => this.recover());
      client.on('close', () => {
        if (!this.closed && this.up) log.warn({ connection: name }, 'lost Redis; refusing joins until it is back');
        this.setUp(false);
      });
      // ioredis reconnects by itself; each failed attempt is counted, not logged (the first loss is).
      client.on('error', (error: Error) => {
        this.options.metrics.failed();
        log.debug({ err: error, connection: name }, 'Redis connection error');
      });
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      // Thrown inside ioredis's reader it would take the process down; a message only a bug (or a stranger
      // with access to Redis) can make costs itself.
      try {
        this.heard(channel, message);
      } catch (error) {
        log.error({ err: error, channel }, 'could not handle a message from Redis');
      }
    });
    const { heartbeatMs } = this.options;
    // Renewed twice per interval, so that a stall of the event loop shorter than 1.5 intervals does not look like death.
    this.timers.push(setInterval(() => void this.heartbeat(), heartbeatMs / 2));
    this.timers.push(setInterval(() => void this.reapDead(), Math.max(50, heartbeatMs / 2)));
    this.timers.push(setInterval(() => this.sweep(), heartbeatMs));
    return Promise.resolve();
  }

  async seat({ room, member, takeOver, resumed, unlessLocked, admitted }: SeatRequest): Promise<SeatResult> {
    return this.request(room, async () => {
      const flags = [takeOver, resumed, unlessLocked, admitted, false].map(bit);
      const [outcome, seq] = (await this.run('seat', [
        room,
        JSON.stringify(member),
        member.id,
        member.holder,
        String(this.options.capacity),
        ...flags,
      ])) as [string, number];
      if (outcome === 'ok') {
        this.await(room, seq);
        return { ok: true };
      }
      if (outcome === 'full') return { ok: false, reason: 'full', capacity: this.options.capacity };
      return { ok: false, reason: outcome as 'locked' | 'taken' | 'not-waiting' };
    });
  }

  async wait(room: string, member: MemberRecord): Promise<WaitResult> {
    return this.request(room, async () => {
      const args = [room, JSON.stringify(member), member.id, member.holder, String(this.options.capacity), '0'];
      const [outcome, seq] = (await this.run('wait', args)) as [string, number];
      if (outcome !== 'ok') return { ok: false, reason: 'full', capacity: this.options.capacity };
      this.await(room, seq);
      return { ok: true };
    });
  }

  async unseat(room: string, member: MemberRecord, reason: PeerLeftReason): Promise<void> {
    await this.run('unseat', [room, member.id, member.holder, reason]);
  }

  async unwait(room: string, member: MemberRecord, outcome: LobbyOutcome): Promise<void> {
    await this.run('unwait', [room, member.id, member.holder, outcome]);
  }

  async lock(room: string, locked: boolean, by: Peer): Promise<void> {
    await this.run('lock', [room, bit(locked), JSON.stringify(by)]);
  }

  view(room: string): RoomView | undefined {
    return this.views.get(room);
  }

  deliver(holder: string, envelope: Envelope): void {
    const node = holderNode(holder);
    if (node === this.options.node) {
      this.listener?.envelope(holder, envelope);
      return;
    }
    const payload = envelope.kind === 'frame' ? envelope.frame : envelope.message;
    // `kind\nholder\npayload`: a frame goes as it was serialized, not escaped into another JSON string.
    this.requests.publish(NODE_CHANNEL + node, `${envelope.kind}\n${holder}\n${payload}`).then(
      () => this.options.metrics.sent(),
      (error: unknown) => {
        this.options.metrics.failed();
        this.options.log.debug({ err: error, holder }, 'could not reach another node');
      },
    );
  }

  async release(deadline: number): Promise<void> {
    // Seats are given back as their clients resume elsewhere (each one a `seated` with another holder).
    while (this.up && Date.now() < deadline && this.holdsAnything()) await delay(50);
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    if (this.up) {
      try {
        const freed = await this.run('reap', [this.options.node, '1']);
        await this.requests.del(`vc:a:${this.options.node}`);
        this.options.log.info({ freed }, 'left the cluster');
      } catch (error) {
        this.options.log.warn({ err: error }, 'could not leave the cluster; the others will reap this node');
      }
    }
  }

  /** Closes both connections (after release()). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.setUp(false);
    this.requests.disconnect();
    this.subscriber.disconnect();
    return Promise.resolve();
  }

  get roomCount(): number {
    return this.views.size;
  }

  get memberCount(): number {
    return this.countMine('seats');
  }

  get waitingCount(): number {
    return this.countMine('waiting');
  }

  // Requests.

  /** The room stays followed until this node has heard event `seq`, which its own request caused. */
  private await(room: string, seq: number): void {
    const followed = this.views.get(room);
    if (followed !== undefined) followed.awaited = Math.max(followed.awaited, seq);
  }

  /** Follows `room` for the length of a request that may give a seat or a wait there. */
  private async request<T>(room: string, ask: () => Promise<T>): Promise<T> {
    if (!this.up) throw new StoreUnavailableError();
    const followed = this.follow(room);
    followed.requests++;
    try {
      await followed.loaded;
      return await ask();
    } finally {
      followed.requests--;
    }
  }

  private async run(script: Script, args: string[]): Promise<unknown> {
    if (!this.up && script !== 'snapshot' && !this.recovering) throw new StoreUnavailableError();
    const done = this.options.metrics.time();
    try {
      try {
        return await this.requests.evalsha(SHAS[script], 0, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return await this.requests.eval(SOURCES[script], 0, ...args);
      }
    } catch (error) {
      this.options.metrics.failed();
      if (this.requests.status !== 'ready') throw new StoreUnavailableError(error);
      throw error;
    } finally {
      done();
    }
  }

  // Following rooms.

  private follow(room: string): Followed {
    let followed = this.views.get(room);
    if (followed !== undefined) return followed;
    const created: Followed = {
      seats: new Map(),
      waiting: new Map(),
      locked: false,
      lockedBy: undefined,
      seq: 0,
      pending: [],
      loaded: Promise.resolve(),
      requests: 0,
      awaited: 0,
    };
    created.loaded = this.load(room, created);
    this.views.set(room, created);
    followed = created;
    return followed;
  }

  /** Subscribes, then reads the room: every event after the snapshot is heard, and those before are skipped. */
  private async load(room: string, followed: Followed): Promise<void> {
    try {
      await this.subscriber.subscribe(ROOM_CHANNEL + room);
      await this.resync(room, followed, false);
    } catch (error) {
      if (this.views.get(room) === followed) this.views.delete(room);
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError(error);
    }
  }

  /**
   * Reads the room afresh and tells this node's sockets how it differs from
   * the view (nothing, on a first load): the view is then the snapshot, and
   * the events heard meanwhile that are newer follow.
   */
  private async resync(room: string, followed: Followed, tell: boolean): Promise<void> {
    followed.pending ??= [];
    const [seats, lobby, lockedBy, seq] = (await this.run('snapshot', [room])) as [
      string[],
      string[],
      string | null,
      number,
    ];
    const fresh = { seats: records(seats), waiting: records(lobby) };
    if (tell) {
      this.diff(room, followed, 'seats', fresh.seats);
      this.diff(room, followed, 'waiting', fresh.waiting);
    } else {
      followed.seats = fresh.seats;
      followed.waiting = fresh.waiting;
    }
    followed.locked = lockedBy !== null;
    followed.lockedBy = lockedBy === null ? undefined : (JSON.parse(lockedBy) as Peer);
    followed.seq = seq;
    const pending = followed.pending;
    followed.pending = undefined;
    for (const event of pending) this.apply(followed, event);
  }

  /** Turns the difference between the view and a snapshot into events, applied one by one. */
  private diff(room: string, followed: Followed, place: 'seats' | 'waiting', fresh: Map<string, MemberRecord>): void {
    const view = followed[place];
    for (const [id, old] of [...view]) {
      const now = fresh.get(id);
      if (now !== undefined && now.holder === old.holder) continue;
      if (now !== undefined && place === 'seats') {
        view.set(id, now);
        this.tell(
          { type: 'seated', room, member: now, replaced: old.holder, resumed: true, admitted: false },
          followed,
        );
        continue;
      }
      view.delete(id);
      this.tell(
        place === 'seats'
          ? { type: 'unseated', room, member: old, reason: 'disconnected' }
          : { type: 'unwaited', room, member: old, outcome: 'left' },
        followed,
      );
    }
    for (const [id, member] of fresh) {
      if (view.has(id)) continue;
      view.set(id, member);
      this.tell(
        place === 'seats'
          ? { type: 'seated', room, member, resumed: false, admitted: false }
          : { type: 'waiting', room, member },
        followed,
      );
    }
  }

  private heard(channel: string, message: string): void {
    if (channel === this.nodeChannel) {
      this.options.metrics.received();
      const first = message.indexOf('\n');
      const second = message.indexOf('\n', first + 1);
      const kind = message.slice(0, first) as Envelope['kind'];
      const holder = message.slice(first + 1, second);
      const payload = message.slice(second + 1);
      const envelope: Envelope = kind === 'frame' ? { kind, frame: payload as Frame } : { kind, message: payload };
      this.listener?.envelope(holder, envelope);
      return;
    }
    if (!channel.startsWith(ROOM_CHANNEL)) return;
    const followed = this.views.get(channel.slice(ROOM_CHANNEL.length));
    if (followed === undefined) return;
    const event = JSON.parse(message) as RoomEvent & { seq: number };
    if (followed.pending !== undefined) followed.pending.push(event);
    else this.apply(followed, event);
  }

  private apply(followed: Followed, event: RoomEvent & { seq: number }): void {
    if (event.seq <= followed.seq) return;
    if (event.seq !== followed.seq + 1) {
      // A message was lost (a subscriber dropped by Redis): read the room again rather than guess.
      this.options.log.warn({ room: event.room, expected: followed.seq + 1, heard: event.seq }, 'room events missed');
      followed.pending = [event];
      this.resync(event.room, followed, true).catch((error: unknown) =>
        this.options.log.warn({ err: error, room: event.room }, 'could not read a room again'),
      );
      return;
    }
    followed.seq = event.seq;
    switch (event.type) {
      case 'seated':
        followed.seats.set(event.member.id, event.member);
        break;
      case 'unseated':
        followed.seats.delete(event.member.id);
        break;
      case 'waiting':
        followed.waiting.set(event.member.id, event.member);
        break;
      case 'unwaited':
        followed.waiting.delete(event.member.id);
        break;
      case 'locked':
        followed.locked = event.locked;
        followed.lockedBy = event.locked ? event.by : undefined;
        break;
    }
    this.tell(event, followed);
  }

  private tell(event: RoomEvent, view: RoomView): void {
    this.listener?.event(event, view);
  }

  /** Stops following rooms where this node holds nothing and expects nothing. */
  private sweep(): void {
    for (const [room, followed] of this.views) {
      if (followed.pending !== undefined || followed.requests > 0 || followed.seq < followed.awaited) continue;
      if (this.holds(followed)) continue;
      this.views.delete(room);
      this.subscriber.unsubscribe(ROOM_CHANNEL + room).catch(() => undefined);
    }
  }

  private holds(followed: Followed): boolean {
    const mine = (member: MemberRecord) => holderNode(member.holder) === this.options.node;
    for (const member of followed.seats.values()) if (mine(member)) return true;
    for (const member of followed.waiting.values()) if (mine(member)) return true;
    return false;
  }

  private holdsAnything(): boolean {
    for (const followed of this.views.values()) if (this.holds(followed)) return true;
    return false;
  }

  private countMine(place: 'seats' | 'waiting'): number {
    let count = 0;
    for (const followed of this.views.values()) {
      for (const member of followed[place].values()) if (holderNode(member.holder) === this.options.node) count++;
    }
    return count;
  }

  // Liveness, reaping and recovery.

  private async heartbeat(): Promise<void> {
    if (this.requests.status !== 'ready') return;
    const { node, heartbeatMs } = this.options;
    try {
      await this.requests
        .multi()
        .set(`vc:a:${node}`, '1', 'PX', 2 * heartbeatMs)
        .sadd('vc:nodes', node)
        .exec();
    } catch (error) {
      this.options.metrics.failed();
      this.options.log.debug({ err: error }, 'heartbeat failed');
    }
  }

  private async reapDead(): Promise<void> {
    if (!this.up) return;
    try {
      const nodes = await this.requests.smembers('vc:nodes');
      for (const node of nodes) {
        if (node === this.options.node) continue;
        const freed = (await this.run('reap', [node, '0'])) as number;
        if (freed >= 0)
          this.options.log.warn({ dead: node, freed }, 'reaped a node that stopped renewing its liveness');
      }
    } catch (error) {
      this.options.log.debug({ err: error }, 'reaping failed');
    }
  }

  /** Runs when a connection is ready: once both are, the node rebuilds what it holds and serves again. */
  private recover(): void {
    if (this.closed || this.recovering !== undefined) return;
    if (this.requests.status !== 'ready' || this.subscriber.status !== 'ready') return;
    this.recovering = this.rebuild()
      .then(() => {
        this.setUp(true);
        this.options.log.info({ rooms: this.views.size }, 'Redis reachable; serving rooms');
      })
      .catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'could not rebuild from Redis; retrying');
        setTimeout(() => this.recover(), this.options.heartbeatMs).unref();
      })
      .finally(() => {
        this.recovering = undefined;
      });
  }

  private async rebuild(): Promise<void> {
    const { node, capacity } = this.options;
    await this.heartbeat();
    await this.subscriber.subscribe(this.nodeChannel, ...[...this.views.keys()].map((room) => ROOM_CHANNEL + room));
    // What this node's sockets hold is true whatever Redis remembers: give it back to them.
    const live = new Set<string>();
    for (const { room, member, place } of this.listener?.holdings() ?? []) {
      live.add(`${place === 'seat' ? 's' : 'w'}\n${room}\n${member.id}`);
      this.follow(room);
      const json = JSON.stringify(member);
      if (place === 'seat') {
        await this.run('seat', [room, json, member.id, member.holder, String(capacity), '1', '1', '0', '0', '1']);
      } else {
        await this.run('wait', [room, json, member.id, member.holder, String(capacity), '1']);
      }
    }
    // And what its gone sockets held, while Redis was away, is freed now.
    for (const entry of await this.requests.smembers(`vc:h:${node}`)) {
      if (live.has(entry)) continue;
      const [kind, room, id] = entry.split('\n') as [string, string, string];
      const raw = await this.requests.hget(`vc:r:${room}:${kind === 's' ? 'seats' : 'lobby'}`, id);
      if (raw === null) continue;
      const member = JSON.parse(raw) as MemberRecord;
      if (kind === 's') await this.run('unseat', [room, id, member.holder, 'disconnected']);
      else await this.run('unwait', [room, id, member.holder, 'left']);
    }
    // The other nodes are giving their sockets' seats back too (into an empty Redis, after a restart): a
    // view read before they have would tell this node's sockets that their peers left, then came back.
    if (this.views.size > 0) await delay(this.options.heartbeatMs);
    for (const [room, followed] of this.views) {
      if (followed.pending !== undefined && followed.seq === 0 && followed.requests === 0) continue;
      await this.resync(room, followed, followed.seq > 0 || followed.seats.size > 0);
    }
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    this.listener?.available(up);
  }
}

function records(flat: string[]): Map<string, MemberRecord> {
  const map = new Map<string, MemberRecord>();
  for (let index = 0; index + 1 < flat.length; index += 2) {
    map.set(flat[index] as string, JSON.parse(flat[index + 1] as string) as MemberRecord);
  }
  return map;
}

const bit = (value: boolean) => (value ? '1' : '0');
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
