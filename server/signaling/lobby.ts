/**
 * The lobby: guests waiting to be let into a room, and which rooms are
 * locked. Pure bookkeeping with no I/O, like Rooms, so the rules are unit
 * tested on their own: at most `capacity` guests wait for a room, in the
 * order they came; a member waits for one room at most; a room's lock lasts
 * while its seats or its lobby hold anyone (the caller says when its seats
 * are empty, through settle()), so an emptied room starts unlocked.
 */
export type WaitResult =
  | { ok: true }
  /** The member waits already, for `room`. */
  | { ok: false; reason: 'already-waiting'; room: string }
  | { ok: false; reason: 'full'; capacity: number };

export class Lobby<M> {
  /** Each room's waiting members, by peer id, in the order they came. */
  private readonly rooms = new Map<string, Map<string, M>>();
  private readonly byMember = new Map<M, { room: string; id: string }>();
  private readonly locks = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** Lets `member` wait for `room` as peer `id`, or says why not; a refusal changes nothing. */
  wait(room: string, id: string, member: M): WaitResult {
    const own = this.byMember.get(member);
    if (own !== undefined) return { ok: false, reason: 'already-waiting', room: own.room };
    let waiting = this.rooms.get(room);
    if (waiting !== undefined && waiting.size >= this.capacity) {
      return { ok: false, reason: 'full', capacity: this.capacity };
    }
    if (waiting === undefined) {
      waiting = new Map();
      this.rooms.set(room, waiting);
    }
    waiting.set(id, member);
    this.byMember.set(member, { room, id });
    return { ok: true };
  }

  /** Stops `member` waiting; returns the room it waited for, if any. */
  leave(member: M): string | undefined {
    const place = this.byMember.get(member);
    if (place === undefined) return undefined;
    this.byMember.delete(member);
    const waiting = this.rooms.get(place.room);
    waiting?.delete(place.id);
    if (waiting?.size === 0) this.rooms.delete(place.room);
    return place.room;
  }

  /** The room `member` waits for, if any. */
  roomOf(member: M): string | undefined {
    return this.byMember.get(member)?.room;
  }

  /** The member waiting for `room` as `id`, or undefined when there is none. */
  get(room: string, id: string): M | undefined {
    return this.rooms.get(room)?.get(id);
  }

  /** The members waiting for `room`, in the order they came. */
  waiting(room: string): M[] {
    const waiting = this.rooms.get(room);
    return waiting === undefined ? [] : [...waiting.values()];
  }

  isLocked(room: string): boolean {
    return this.locks.has(room);
  }

  lock(room: string, locked: boolean): void {
    if (locked) this.locks.add(room);
    else this.locks.delete(room);
  }

  /** Forgets `room`'s lock if nobody is seated in it (`seated` is 0) and nobody waits for it. */
  settle(room: string, seated: number): void {
    if (seated === 0 && !this.rooms.has(room)) this.locks.delete(room);
  }

  get waitingCount(): number {
    return this.byMember.size;
  }

  get lockedCount(): number {
    return this.locks.size;
  }
}
