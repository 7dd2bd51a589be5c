/**
 * What every message handler may use: the config, the access check, the room
 * store, the bans, the open sessions, the metrics, the ICE servers and resume
 * tokens to hand out, and one way each to refuse a request, to refuse a
 * token, to cut a socket, and to leave a room or its lobby.
 *
 * It is also the room store's listener: what the store decided (RoomEvent)
 * becomes frames for this node's sockets here, and only here, in the order
 * the store tells it, whichever node asked. A handler asks the store and
 * tells the sender why not; it never tells the room itself.
 */
import type { Config } from '../config.js';
import type { ErrorCode, PeerLeftReason, UnauthorizedReason } from '../../protocol/signaling.js';
import type { IceServer } from '../../protocol/ice.js';
import { CloseCode } from '../../protocol/close-codes.js';
import type { Session } from './session.js';
import type { Sessions } from './sessions.js';
import type { SignalingMetrics } from './metrics.js';
import type { ResumeLedger } from './resume-token.js';
import type { IceServersFor } from '../ice-servers.js';
import { serialize, type Frame } from './outbound.js';
import { logRefusal, type Refusals } from '../refusals.js';
import type { RoomAccess } from '../access/types.js';
import type { BanList } from './bans.js';
import {
  holderNode,
  peerOf,
  type Envelope,
  type Holding,
  type MemberRecord,
  type RoomEvent,
  type RoomStore,
  type RoomView,
  type StoreListener,
} from './room-store.js';
import { seated } from './handlers/seat.js';

export interface SignalingParts {
  config: Config;
  access: RoomAccess;
  rooms: RoomStore;
  bans: BanList;
  sessions: Sessions;
  metrics: SignalingMetrics;
  iceServers: IceServersFor;
  resumeTokens: ResumeLedger;
  /** Which client addresses were refused lately; what is logged about them goes through it. */
  refusals: Refusals;
}

/** Without a close frame (1006), or cut by a server error (1011), a client will try to come back. */
export function peerLeftReason(code: number): PeerLeftReason {
  return code === 1006 || code === CloseCode.InternalError ? 'disconnected' : 'left';
}

export class SignalingContext implements StoreListener {
  readonly config: Config;
  readonly access: RoomAccess;
  readonly rooms: RoomStore;
  readonly bans: BanList;
  readonly sessions: Sessions;
  readonly metrics: SignalingMetrics;
  readonly resumeTokens: ResumeLedger;
  readonly refusals: Refusals;
  private readonly iceServersFor: IceServersFor;
  /**
   * Set by shutdown: a socket that closes from now on keeps its seat, for its
   * client to take back from another node (RoomStore.release frees the rest).
   */
  private draining = false;

  constructor(parts: SignalingParts) {
    this.config = parts.config;
    this.access = parts.access;
    this.rooms = parts.rooms;
    this.bans = parts.bans;
    this.sessions = parts.sessions;
    this.metrics = parts.metrics;
    this.resumeTokens = parts.resumeTokens;
    this.refusals = parts.refusals;
    this.iceServersFor = parts.iceServers;
  }

  /** ICE servers for this socket's client, with TURN credentials issued to its peer id. */
  iceServers(session: Session): { iceServers: IceServer[]; ttl: number } {
    const { iceServers, ttl } = this.iceServersFor(session.host, session.id);
    return { iceServers, ttl };
  }

  /** Sends an `error` frame; the socket stays open unless the caller closes it. */
  reject(session: Session, code: ErrorCode, message: string): void {
    this.tell(session, code, message, serialize({ type: 'error', code, message }));
  }

  /**
   * Refuses a `join` for its token: nothing reaches the room, and the socket
   * is closed (4003). Logged as a refusal of its client address, sparingly.
   */
  refuseAccess(session: Session, reason: UnauthorizedReason, message: string): void {
    this.metrics.joinRefused(reason);
    logRefusal(this.refusals, session.log, session.address.ip, `room token ${reason}`);
    this.tell(session, 'unauthorized', message, serialize({ type: 'error', code: 'unauthorized', message, reason }));
    this.expel(session, CloseCode.Unauthorized, 'unauthorized');
  }

  /** Sends the same `error` frame to every socket of `sessions`, serialized once. */
  rejectEach(sessions: Iterable<Session>, code: ErrorCode, message: string): void {
    const frame = serialize({ type: 'error', code, message });
    for (const session of sessions) this.tell(session, code, message, frame);
  }

  /**
   * Closes a socket the server gives up on. Its room is told at once, not
   * when the client answers the close frame: from now on nothing the socket
   * sends is acted on, and a client that never answers is cut after
   * CLOSE_TIMEOUT_MS by the WebSocket layer.
   */
  expel(session: Session, code: CloseCode, reason: string): void {
    this.removeFromRoom(session, peerLeftReason(code));
    session.close(code, reason);
  }

  /** Starts (or restarts) the clock within which a socket must be in a room. */
  armJoinTimer(session: Session): void {
    session.armJoinTimer(this.config.joinTimeoutMs, () => {
      this.reject(session, 'join-timeout', `no join within ${this.config.joinTimeoutMs} ms`);
      this.expel(session, CloseCode.JoinTimeout, 'join timeout');
    });
  }

  /** From now on a closing socket keeps its seat (see `draining`). */
  drain(): void {
    this.draining = true;
  }

  /**
   * Takes `session` out of its room, or out of the lobby it waits in; the
   * store tells the others (`peer-left`, or `knock-ended left` to the hosts).
   * While draining, a seat stays for its client to take back elsewhere.
   */
  removeFromRoom(session: Session, reason: PeerLeftReason): void {
    const record = session.record;
    const waited = session.unhold();
    if (waited !== undefined) {
      this.background(session, this.rooms.unwait(waited, record, 'left'));
      return;
    }
    const room = session.leave();
    if (room === undefined || this.draining) return;
    this.background(session, this.rooms.unseat(room, record, reason));
  }

  /**
   * Cuts the old socket of a peer id whose client has come back on `session`.
   * Its seat, if it had one, has moved to the new socket without the room
   * noticing (no peer-left): only an id's latest resume token takes it over.
   */
  takeOver(previous: Session, by: string): void {
    previous.log.info({ by }, 'resumed elsewhere');
    const record = previous.record;
    const waited = previous.unhold();
    if (waited !== undefined) this.background(previous, this.rooms.unwait(waited, record, 'left'));
    previous.leave();
    previous.socket.terminate();
  }

  // The store's listener: its decisions, told to this node's sockets.

  event(event: RoomEvent, view: RoomView): void {
    switch (event.type) {
      case 'seated': {
        // A seat taken over by a socket of another node: the old socket here is cut (seated() does it for one here).
        if (event.replaced !== undefined && holderNode(event.member.holder) !== this.config.nodeId) {
          const old = this.sessions.held(event.replaced);
          if (old !== undefined) this.takeOver(old, event.member.holder);
        }
        const session = this.mine(event.room, event.member, 'seat');
        if (session !== undefined) seated(this, session, event, view);
        if (event.replaced === undefined) {
          this.toSeated(
            event.room,
            view,
            serialize({ type: 'peer-joined', peer: peerOf(event.member) }),
            event.member.id,
          );
        }
        if (event.member.role === 'host' && !hasHost(view, event.member.id)) this.tellWaiting(event.room, view, true);
        return;
      }
      case 'unseated': {
        const session = this.sessions.held(event.member.holder);
        if (session?.room === event.room) {
          // Not its own leave (that forgets the room first): its seat was taken away by another node that thought
          // this one dead. Its client resumes, here or elsewhere, and takes a seat again.
          session.leave();
          session.log.warn('seat lost; asking the client to reconnect');
          session.close(CloseCode.GoingAway, 'seat lost');
        }
        this.toSeated(event.room, view, serialize({ type: 'peer-left', id: event.member.id, reason: event.reason }));
        if (event.member.role === 'host' && !hasHost(view)) this.tellWaiting(event.room, view, false);
        return;
      }
      case 'waiting': {
        const session = this.mine(event.room, event.member, 'wait');
        if (session !== undefined) {
          session.hold(event.room, { name: event.member.name, role: event.member.role, user: event.member.user });
          session.log.info({ room: event.room }, 'waiting in the lobby');
          session.send({ type: 'lobby', id: session.id, room: event.room, hostPresent: hasHost(view) });
        }
        this.toHosts(event.room, view, serialize({ type: 'knock', peer: peerOf(event.member) }));
        return;
      }
      case 'unwaited': {
        const session = this.sessions.held(event.member.holder);
        if (event.outcome !== 'admitted' && session?.waitingFor === event.room) session.unhold();
        const ended = serialize({ type: 'knock-ended', id: event.member.id, outcome: event.outcome });
        this.toHosts(event.room, view, ended);
        return;
      }
      case 'locked':
        this.toSeated(event.room, view, serialize({ type: 'room-locked', locked: event.locked, by: event.by }));
        return;
    }
  }

  envelope(holder: string, envelope: Envelope): void {
    const session = this.sessions.held(holder);
    if (session === undefined) return;
    switch (envelope.kind) {
      case 'frame':
        session.sendFrame(envelope.frame);
        return;
      case 'kick':
        this.reject(session, 'kicked', envelope.message);
        this.expel(session, CloseCode.Kicked, 'kicked');
        return;
      case 'deny': {
        this.reject(session, 'denied', envelope.message);
        const record = session.record;
        const room = session.unhold();
        if (room !== undefined) this.background(session, this.rooms.unwait(room, record, 'denied'));
        session.close(CloseCode.Denied, 'denied');
        return;
      }
    }
  }

  /** Nothing to tell the sockets: readiness reads RoomStore.available, and the store logs the change. */
  available(): void {}

  *holdings(): Iterable<Holding> {
    for (const session of this.sessions) {
      if (!session.open) continue;
      if (session.room !== undefined) yield { room: session.room, member: session.record, place: 'seat' };
      else if (session.waitingFor !== undefined)
        yield { room: session.waitingFor, member: session.record, place: 'wait' };
    }
  }

  /** This node's sockets seated in `room`, as `view` has it. */
  *seatedHere(room: string, view: RoomView): Iterable<Session> {
    for (const member of view.seats.values()) {
      const session = this.sessions.held(member.holder);
      if (session?.room === room) yield session;
    }
  }

  /** Tells every guest of this node waiting for `room` whether a host is there to let it in. */
  private tellWaiting(room: string, view: RoomView, hostPresent: boolean): void {
    for (const member of view.waiting.values()) {
      const guest = this.sessions.held(member.holder);
      if (guest?.waitingFor === room) guest.send({ type: 'lobby', id: guest.id, room, hostPresent });
    }
  }

  private toSeated(room: string, view: RoomView, frame: Frame, except?: string): void {
    for (const session of this.seatedHere(room, view)) if (session.id !== except) session.sendFrame(frame);
  }

  private toHosts(room: string, view: RoomView, frame: Frame): void {
    for (const session of this.seatedHere(room, view)) if (session.role === 'host') session.sendFrame(frame);
  }

  /**
   * The socket of this node a seat or a wait was given to, if it is still
   * open. One that closed while its request was on its way is given up again
   * at once, so that a seat is never held by nobody.
   */
  private mine(room: string, member: MemberRecord, place: 'seat' | 'wait'): Session | undefined {
    if (holderNode(member.holder) !== this.config.nodeId) return undefined;
    const session = this.sessions.held(member.holder);
    if (session?.open === true) return session;
    // Asked once its listeners are done: a store in memory would otherwise tell this before the event it answers.
    queueMicrotask(() => {
      const release =
        place === 'seat' ? this.rooms.unseat(room, member, 'disconnected') : this.rooms.unwait(room, member, 'left');
      release.catch(() => undefined);
    });
    return undefined;
  }

  /** A request nobody waits for: if the store cannot be reached its resync frees the seat later (see server/cluster/). */
  private background(session: Session, request: Promise<void>): void {
    request.catch((error: unknown) => session.log.warn({ err: error }, 'room store request failed'));
  }

  private tell(session: Session, code: ErrorCode, message: string, frame: Frame): void {
    this.metrics.error(code);
    session.log.debug({ code }, message);
    session.sendFrame(frame);
  }
}

/** Whether a host other than `except` is seated, as `view` has it. */
export function hasHost(view: RoomView, except?: string): boolean {
  for (const member of view.seats.values()) if (member.role === 'host' && member.id !== except) return true;
  return false;
}
