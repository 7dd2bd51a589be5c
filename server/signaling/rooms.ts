/**
 * The room registry: which member holds which peer id's seat in which room.
 * Pure bookkeeping with no I/O, so the rules are unit tested on their own: a
 * room holds at most `capacity` seats; a member holds one seat at most, and
 * so does a peer id; a member that joins under an id already seated in that
 * room takes the seat over (a resumed connection); an emptied room is deleted.
 */
export type JoinRefusal =
  /** The member holds a seat already, in `room`. */
  | { ok: false; reason: 'already-joined'; room: string }
  /** Another member holds the id's seat, in another room `room`. */
  | { ok: false; reason: 'id-elsewhere'; room: string }
  | { ok: false; reason: 'full'; capacity: number };

export type JoinResult<M> =
  /** `others` were there before; `replaced` held the id's seat until now. */
  { ok: true; others: M[]; replaced: M | undefined } | JoinRefusal;

interface Seat<M> {
  readonly room: string;
  readonly id: string;
  readonly member: M;
}

export class Rooms<M> {
  /** Each room's seats, by peer id, in the order they were taken. */
  private readonly rooms = new Map<string, Map<string, M>>();
  private readonly byMember = new Map<M, Seat<M>>();
  private readonly byId = new Map<string, Seat<M>>();

  constructor(private readonly capacity: number) {}

  /** Seats `member` in `room` as peer `id`, or says why not; a refused join changes nothing. */
  join(room: string, id: string, member: M): JoinResult<M> {
    const own = this.byMember.get(member);
    if (own !== undefined) return { ok: false, reason: 'already-joined', room: own.room };
    const held = this.byId.get(id);
    if (held !== undefined && held.room !== room) return { ok: false, reason: 'id-elsewhere', room: held.room };
    // A seat taken over is freed first, so the room is never too full for its own peer.
    if (held !== undefined) this.leave(held.member);
    let peers = this.rooms.get(room);
    if (peers !== undefined && peers.size >= this.capacity) {
      return { ok: false, reason: 'full', capacity: this.capacity };
    }
    const others = peers === undefined ? [] : [...peers.values()];
    if (peers === undefined) {
      peers = new Map();
      this.rooms.set(room, peers);
    }
    peers.set(id, member);
    const seat = { room, id, member };
    this.byMember.set(member, seat);
    this.byId.set(id, seat);
    return { ok: true, others, replaced: held?.member };
  }

  /** Frees `member`'s seat; returns the members left behind in its room (an emptied room is deleted). */
  leave(member: M): M[] {
    const seat = this.byMember.get(member);
    if (seat === undefined) return [];
    this.byMember.delete(member);
    this.byId.delete(seat.id);
    const peers = this.rooms.get(seat.room);
    if (peers === undefined) return [];
    peers.delete(seat.id);
    if (peers.size === 0) {
      this.rooms.delete(seat.room);
      return [];
    }
    return [...peers.values()];
  }

  /** The member seated as `id` in `room`, or undefined when there is none. */
  get(room: string, id: string): M | undefined {
    return this.rooms.get(room)?.get(id);
  }

  /** The members seated in `room`, in the order they took their seats. */
  members(room: string): M[] {
    const peers = this.rooms.get(room);
    return peers === undefined ? [] : [...peers.values()];
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  get memberCount(): number {
    return this.byMember.size;
  }
}
