/**
 * The Rooms interface: who holds which seat of which room, who waits in its
 * lobby, and whether it is locked; and the one way to reach a socket that
 * holds a seat, wherever it is. Two implementations: in this process
 * (memory-store.ts, the default) and in Redis for any number of nodes
 * (server/cluster/). Handlers do not know which one runs.
 *
 * The contract:
 * - Changes are requests (seat, wait, unseat, unwait, lock) that the store
 *   decides atomically and answers; what they change reaches every node
 *   following the room as RoomEvents, in one order per room, and only then
 *   is anyone told anything (SignalingContext.apply turns events into
 *   frames). So a room never holds more than its capacity, and every node
 *   tells its sockets the same story in the same order.
 * - A seat is held by a socket, named by its `holder` (`<node>/<serial>`),
 *   not by its peer id: a reconnect that resumes the id takes the seat over
 *   with a new holder, and a request from the old holder changes nothing.
 * - view() reads a room as this node last heard it. It is there for rooms
 *   this node holds a seat or a wait in (it follows them); for others it is
 *   undefined.
 * - A request that cannot reach the store (Redis down) rejects with
 *   StoreUnavailableError; nothing changed.
 */
import type { KnockEndedMessage, PeerLeftReason, Peer, Role } from '../../protocol/signaling.js';
import type { Frame } from './outbound.js';

/** How a wait in a lobby ended. */
export type LobbyOutcome = KnockEndedMessage['outcome'];

/** A seat or a place in a lobby, as every node sees it. */
export interface MemberRecord {
  id: string;
  /** The socket holding it: `<node>/<serial>`. */
  holder: string;
  name: string;
  role: Role;
  /** Its token's user (whom a kick bans); absent without a token. */
  user?: string;
}

export interface RoomView {
  /** Seats by peer id, in the order they were taken. */
  readonly seats: ReadonlyMap<string, MemberRecord>;
  /** Guests waiting, by peer id, in the order they came. */
  readonly waiting: ReadonlyMap<string, MemberRecord>;
  readonly locked: boolean;
}

export type RoomEvent =
  /**
   * `member` took a seat. `replaced`: the holder it was taken from (a
   * resumed id); the room is told nothing then. `admitted`: it came from the
   * lobby (an `unwaited admitted` follows).
   */
  | { type: 'seated'; room: string; member: MemberRecord; replaced?: string; resumed: boolean; admitted: boolean }
  | { type: 'unseated'; room: string; member: MemberRecord; reason: PeerLeftReason }
  | { type: 'waiting'; room: string; member: MemberRecord }
  | { type: 'unwaited'; room: string; member: MemberRecord; outcome: LobbyOutcome }
  | { type: 'locked'; room: string; locked: boolean; by: Peer };

/** What the node holding a socket is asked to do with it. */
export type Envelope =
  /** Send this serialized frame. */
  | { kind: 'frame'; frame: Frame }
  /** A host removed it: tell it, close it (4004). */
  | { kind: 'kick'; message: string }
  /** A host turned it away from the lobby: tell it, close it (4005). */
  | { kind: 'deny'; message: string };

export interface SeatRequest {
  room: string;
  member: MemberRecord;
  /** The id may hold a seat already (a resume): the seat moves to this holder. */
  takeOver: boolean;
  /** Sent in `welcome.resumed`. */
  resumed: boolean;
  /** A locked room refuses with `locked` (the caller puts the guest in the lobby instead). */
  unlessLocked: boolean;
  /** A guest a host admits: it must be waiting, and leaves the lobby as it sits down. */
  admitted: boolean;
}

export type SeatResult =
  | { ok: true }
  | { ok: false; reason: 'full'; capacity: number }
  | { ok: false; reason: 'locked' }
  /** Another socket holds the id's seat and this was no resume (a server bug). */
  | { ok: false; reason: 'taken' }
  /** `admitted`, but the guest no longer waits (it left, or another host was quicker). */
  | { ok: false; reason: 'not-waiting' };

export type WaitResult = { ok: true } | { ok: false; reason: 'full'; capacity: number };

/** A seat or a wait a live socket of this node holds. */
export interface Holding {
  room: string;
  member: MemberRecord;
  place: 'seat' | 'wait';
}

/** What a store tells the node: room events, envelopes for its sockets, and whether it can take requests. */
export interface StoreListener {
  event(event: RoomEvent, view: RoomView): void;
  envelope(holder: string, envelope: Envelope): void;
  /** Whether requests can be served; changes when Redis goes and comes back. */
  available(up: boolean): void;
  /** What this node's live sockets hold, for a store rebuilding after Redis came back. */
  holdings(): Iterable<Holding>;
}

export interface RoomStore {
  /** Whether requests can be served now (always, in memory). */
  readonly available: boolean;
  start(listener: StoreListener): Promise<void>;
  seat(request: SeatRequest): Promise<SeatResult>;
  wait(room: string, member: MemberRecord): Promise<WaitResult>;
  /** Frees `id`'s seat if `holder` still holds it; the room hears `peer-left` with `reason`. */
  unseat(room: string, member: MemberRecord, reason: PeerLeftReason): Promise<void>;
  /** Ends `id`'s wait if `holder` is still the one waiting. */
  unwait(room: string, member: MemberRecord, outcome: LobbyOutcome): Promise<void>;
  lock(room: string, locked: boolean, by: Peer): Promise<void>;
  /** The room as this node last heard it, if it follows it. */
  view(room: string): RoomView | undefined;
  /** Hands `envelope` to the node of `holder` (this one included), which gives it to the socket if it still has it. */
  deliver(holder: string, envelope: Envelope): void;
  /**
   * Shutdown: waits (at most until `deadline`, ms since the epoch) for this
   * node's seats to be taken over by their clients' reconnects elsewhere,
   * then frees the rest (the rooms hear `peer-left disconnected`) and leaves.
   */
  release(deadline: number): Promise<void>;
  /** Rooms followed, and seats held by this node's sockets (for the metrics). */
  readonly roomCount: number;
  readonly memberCount: number;
  readonly waitingCount: number;
}

export class StoreUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('the room store is unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/** The node part of a holder. */
export function holderNode(holder: string): string {
  const slash = holder.lastIndexOf('/');
  return slash === -1 ? holder : holder.slice(0, slash);
}

/** How the others see a member; `role` only for hosts (Session.peer does the same for a local socket). */
export function peerOf(member: MemberRecord): Peer {
  return member.role === 'host'
    ? { id: member.id, name: member.name, role: 'host' }
    : { id: member.id, name: member.name };
}
