/**
 * What every message handler may use: the config, the room registry, the
 * open sessions, the metrics, the ICE servers and resume tokens to hand out,
 * and one way each to refuse a request, to cut a socket, and to leave a room.
 */
import type { Config } from '../config.js';
import type { ErrorCode, PeerLeftReason } from '../../protocol/signaling.js';
import type { IceServer } from '../../protocol/ice.js';
import { CloseCode } from '../../protocol/close-codes.js';
import type { Rooms } from './rooms.js';
import type { Session } from './session.js';
import type { Sessions } from './sessions.js';
import type { SignalingMetrics } from './metrics.js';
import type { ResumeTokens } from './resume-token.js';
import type { IceServersFor } from '../ice-servers.js';
import { serialize, type Frame } from './outbound.js';
import type { Refusals } from '../refusals.js';

export interface SignalingParts {
  config: Config;
  rooms: Rooms<Session>;
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
  readonly rooms: Rooms<Session>;
  readonly sessions: Sessions;
  readonly metrics: SignalingMetrics;
  readonly resumeTokens: ResumeTokens;
  readonly refusals: Refusals;
  private readonly iceServersFor: IceServersFor;

  constructor(parts: SignalingParts) {
    this.config = parts.config;
    this.rooms = parts.rooms;
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
    previous.leave();
    previous.socket.terminate();
  }

  /** Takes `session` out of its room and tells the others why. */
  removeFromRoom(session: Session, reason: PeerLeftReason): void {
    if (session.leave() === undefined) return;
    const left = serialize({ type: 'peer-left', id: session.id, reason });
    for (const other of this.rooms.leave(session)) other.sendFrame(left);
  }

  private tell(session: Session, code: ErrorCode, message: string, frame: Frame): void {
    this.metrics.error(code);
    session.log.debug({ code }, message);
    session.sendFrame(frame);
  }
}
