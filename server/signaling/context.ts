/**
 * What every message handler may use: the config, the access check, the room
 * registry and its lobby, the bans, the open sessions, the metrics, the ICE
 * servers and resume tokens to hand out, and one way each to refuse a
 * request, to refuse a token, to cut a socket, and to leave a room or its lobby.
 */
import type { Config } from '../config.js';
import type { ErrorCode, KnockEndedMessage, PeerLeftReason, UnauthorizedReason } from '../../protocol/signaling.js';
import type { IceServer } from '../../protocol/ice.js';
import { CloseCode } from '../../protocol/close-codes.js';
import type { Rooms } from './rooms.js';
import type { Session } from './session.js';
import type { Sessions } from './sessions.js';
import type { SignalingMetrics } from './metrics.js';
import type { ResumeTokens } from './resume-token.js';
import type { IceServersFor } from '../ice-servers.js';
import { serialize, type Frame } from './outbound.js';
import { logRefusal, type Refusals } from '../refusals.js';
import type { RoomAccess } from '../access/types.js';
import type { Lobby } from './lobby.js';
import type { Bans } from './bans.js';

export interface SignalingParts {
  config: Config;
  access: RoomAccess;
  rooms: Rooms<Session>;
  lobby: Lobby<Session>;
  bans: Bans;
  sessions: Sessions;
  metrics: SignalingMetrics;
  iceServers: IceServersFor;
  resumeTokens: ResumeTokens;
  /** Which client addresses were refused lately; what is logged about them goes through it. */
  refusals: Refusals;
}

/** Without a close frame (1006), or cut by a server error (1011), a client will try to come back. */
export function peerLeftReason(code: number): PeerLeftReason {
  return code === 1006 || code === CloseCode.InternalError ? 'disconnected' : 'left';
}

export class SignalingContext {
  readonly config: Config;
  readonly access: RoomAccess;
  readonly rooms: Rooms<Session>;
  readonly lobby: Lobby<Session>;
  readonly bans: Bans;
  readonly sessions: Sessions;
  readonly metrics: SignalingMetrics;
  readonly resumeTokens: ResumeTokens;
  readonly refusals: Refusals;
  private readonly iceServersFor: IceServersFor;

  constructor(parts: SignalingParts) {
    this.config = parts.config;
    this.access = parts.access;
    this.rooms = parts.rooms;
    this.lobby = parts.lobby;
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

  /**
   * Cuts the old socket that `session` has just resumed the peer id of. If
   * it held a seat, Rooms has already given that seat to `session` without
   * the room noticing (no peer-left): the seat was in the room the resume
   * token was for, the one `session` joined, since only an id's latest token works.
   */
  takeOver(session: Session, previous: Session): void {
    previous.log.info({ by: session.id }, 'resumed elsewhere');
    this.leaveLobby(previous, 'left');
    previous.leave();
    previous.socket.terminate();
  }

  /**
   * Takes `session` out of its room and tells the others why, or out of the
   * lobby it waits in (hosts hear `knock-ended left`). A host's leaving may
   * leave the guests waiting with no host to let them in: they are told.
   */
  removeFromRoom(session: Session, reason: PeerLeftReason): void {
    if (this.lobby.roomOf(session) !== undefined) {
      this.leaveLobby(session, 'left');
      return;
    }
    const room = session.leave();
    if (room === undefined) return;
    const left = serialize({ type: 'peer-left', id: session.id, reason });
    const others = this.rooms.leave(session);
    for (const other of others) other.sendFrame(left);
    if (session.role === 'host' && !others.some(isHost)) this.tellWaiting(room, false);
    this.lobby.settle(room, others.length);
  }

  /** Takes a waiting guest out of its lobby, and tells the room's hosts how its wait ended. */
  leaveLobby(session: Session, outcome: KnockEndedMessage['outcome']): void {
    const room = this.lobby.leave(session);
    if (room === undefined) return;
    session.log.info({ outcome }, 'left the lobby');
    const ended = serialize({ type: 'knock-ended', id: session.id, outcome });
    const seated = this.rooms.members(room);
    for (const host of seated.filter(isHost)) host.sendFrame(ended);
    this.lobby.settle(room, seated.length);
  }

  /** Whether any host holds a seat in `room`. */
  hostPresent(room: string): boolean {
    return this.rooms.members(room).some(isHost);
  }

  /** Tells every guest waiting for `room` whether a host is there to let it in. */
  tellWaiting(room: string, hostPresent: boolean): void {
    for (const guest of this.lobby.waiting(room)) guest.send({ type: 'lobby', id: guest.id, room, hostPresent });
  }

  private tell(session: Session, code: ErrorCode, message: string, frame: Frame): void {
    this.metrics.error(code);
    session.log.debug({ code }, message);
    session.sendFrame(frame);
  }
}

const isHost = (session: Session) => session.role === 'host';
