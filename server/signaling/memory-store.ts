/**
 * The Rooms interface in this process: the default, one node. Every request
 * is decided and its events told before it returns, so nothing can come
 * between; the views are the rooms themselves. The rules are those of the
 * Redis store's scripts (server/cluster/scripts.ts), and the same tests run
 * against both (test/integration/bad-input.test.ts and the cluster tests).
 */
import type { Peer, PeerLeftReason } from '../../protocol/signaling.js';
import type {
  Envelope,
  LobbyOutcome,
  MemberRecord,
  RoomEvent,
  RoomStore,
  RoomView,
  SeatRequest,
  SeatResult,
  StoreListener,
  WaitResult,
} from './room-store.js';

interface Room extends RoomView {
  readonly seats: Map<string, MemberRecord>;
  readonly waiting: Map<string, MemberRecord>;
  locked: boolean;
}

export class MemoryRoomStore implements RoomStore {
  readonly available = true;
  private readonly rooms = new Map<string, Room>();
  private listener: StoreListener | undefined;
  private waitingTotal = 0;
  private seatedTotal = 0;

  constructor(private readonly capacity: number) {}

  start(listener: StoreListener): Promise<void> {
    this.listener = listener;
    return Promise.resolve();
  }

  seat({ room, member, takeOver, resumed, unlessLocked, admitted }: SeatRequest): Promise<SeatResult> {
    const state = this.rooms.get(room);
    let seated = member;
    if (admitted) {
      const waiting = state?.waiting.get(member.id);
      if (waiting === undefined || waiting.holder !== member.holder) return done({ ok: false, reason: 'not-waiting' });
      seated = waiting;
    }
    const held = state?.seats.get(member.id);
    if (held === undefined && unlessLocked && state?.locked === true) return done({ ok: false, reason: 'locked' });
    if (held !== undefined && !takeOver) return done({ ok: false, reason: 'taken' });
    if (held === undefined && state !== undefined && state.seats.size >= this.capacity) {
      return done({ ok: false, reason: 'full', capacity: this.capacity });
    }
    const target = this.room(room);
    // A seat taken over keeps its place in the order; a new one goes last.
    target.seats.set(seated.id, seated);
    if (held === undefined) this.seatedTotal++;
    this.tell({ type: 'seated', room, member: seated, replaced: held?.holder, resumed, admitted }, target);
    if (admitted) this.endWait(target, room, seated, 'admitted');
    return done({ ok: true });
  }

  wait(room: string, member: MemberRecord): Promise<WaitResult> {
    const state = this.rooms.get(room);
    if (state !== undefined && state.waiting.size >= this.capacity) {
      return done({ ok: false, reason: 'full', capacity: this.capacity });
    }
    const target = this.room(room);
    target.waiting.set(member.id, member);
    this.waitingTotal++;
    this.tell({ type: 'waiting', room, member }, target);
    return done({ ok: true });
  }

  unseat(room: string, member: MemberRecord, reason: PeerLeftReason): Promise<void> {
    const state = this.rooms.get(room);
    const held = state?.seats.get(member.id);
    if (state === undefined || held === undefined || held.holder !== member.holder) return done(undefined);
    state.seats.delete(member.id);
    this.seatedTotal--;
    this.tell({ type: 'unseated', room, member: held, reason }, state);
    this.settle(room, state);
    return done(undefined);
  }

  unwait(room: string, member: MemberRecord, outcome: LobbyOutcome): Promise<void> {
    const state = this.rooms.get(room);
    const waiting = state?.waiting.get(member.id);
    if (state === undefined || waiting === undefined || waiting.holder !== member.holder) return done(undefined);
    this.endWait(state, room, waiting, outcome);
    return done(undefined);
  }

  lock(room: string, locked: boolean, by: Peer): Promise<void> {
    const state = this.rooms.get(room);
    if (state === undefined) return done(undefined);
    state.locked = locked;
    this.tell({ type: 'locked', room, locked, by }, state);
    return done(undefined);
  }

  view(room: string): RoomView | undefined {
    return this.rooms.get(room);
  }

  deliver(holder: string, envelope: Envelope): void {
    this.listener?.envelope(holder, envelope);
  }

  release(): Promise<void> {
    return done(undefined);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  get memberCount(): number {
    return this.seatedTotal;
  }

  get waitingCount(): number {
    return this.waitingTotal;
  }

  private room(name: string): Room {
    let room = this.rooms.get(name);
    if (room === undefined) {
      room = { seats: new Map(), waiting: new Map(), locked: false };
      this.rooms.set(name, room);
    }
    return room;
  }

  private endWait(state: Room, room: string, member: MemberRecord, outcome: LobbyOutcome): void {
    state.waiting.delete(member.id);
    this.waitingTotal--;
    this.tell({ type: 'unwaited', room, member, outcome }, state);
    this.settle(room, state);
  }

  /** An emptied room is forgotten, its lock with it. */
  private settle(name: string, room: Room): void {
    if (room.seats.size === 0 && room.waiting.size === 0) this.rooms.delete(name);
  }

  private tell(event: RoomEvent, view: RoomView): void {
    this.listener?.event(event, view);
  }
}

const done = <T>(value: T): Promise<T> => Promise.resolve(value);
