/**
 * The room registry: which peers are in which room. Pure bookkeeping with no
 * I/O, so the rules (capacity, membership, empty rooms disappear) are unit
 * tested on their own.
 */
export interface Member {
  readonly id: string;
}

export type JoinResult<M> = { ok: true; others: M[] } | { ok: false; reason: 'full' | 'duplicate' };

export class Rooms<M extends Member> {
  private readonly rooms = new Map<string, Map<string, M>>();
  private members = 0;

  constructor(private readonly capacity: number) {}

  /** Adds `member` to `room` unless the room is full; returns the members already there. */
  join(room: string, member: M): JoinResult<M> {
    let peers = this.rooms.get(room);
    if (peers?.has(member.id)) return { ok: false, reason: 'duplicate' };
    if (peers !== undefined && peers.size >= this.capacity) return { ok: false, reason: 'full' };
    const others = peers === undefined ? [] : [...peers.values()];
    if (peers === undefined) {
      peers = new Map();
      this.rooms.set(room, peers);
    }
    peers.set(member.id, member);
    this.members += 1;
    return { ok: true, others };
  }

  /** Removes `id` from `room`; returns the members left behind (an emptied room is deleted). */
  leave(room: string, id: string): M[] {
    const peers = this.rooms.get(room);
    if (peers === undefined || !peers.delete(id)) return [];
    this.members -= 1;
    if (peers.size === 0) {
      this.rooms.delete(room);
      return [];
    }
    return [...peers.values()];
  }

  /** The member `id` of `room`, or undefined when it is not there. */
  get(room: string, id: string): M | undefined {
    return this.rooms.get(room)?.get(id);
  }

  /** Everyone in `room` but `exceptId`. */
  others(room: string, exceptId: string): M[] {
    const peers = this.rooms.get(room);
    if (peers === undefined) return [];
    return [...peers.values()].filter((member) => member.id !== exceptId);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  get memberCount(): number {
    return this.members;
  }
}
