/**
 * What every message handler may use: the config, the room registry, the
 * metrics, the ICE servers to hand out, and one way to refuse a request.
 */
import type { Config } from '../config.js';
import type { ErrorCode, PeerLeftReason } from '../../protocol/signaling.js';
import type { IceServer } from '../../protocol/ice.js';
import { CloseCode } from '../../protocol/close-codes.js';
import type { Rooms } from './rooms.js';
import type { Session } from './session.js';
import type { SignalingMetrics } from './metrics.js';
import type { ResumeTokens } from './resume-token.js';
import type { IceServersFor } from '../ice-servers.js';


export class SignalingContext {
  constructor(
    readonly config: Config,
    readonly rooms: Rooms<Session>,
    readonly metrics: SignalingMetrics,
    private readonly iceServersFor: IceServersFor,
    readonly resumeTokens: ResumeTokens,
  ) {}

  /** ICE servers for this socket's client, with TURN credentials issued to its peer id. */
  iceServers(session: Session): { iceServers: IceServer[]; ttl: number } {
    const { iceServers, ttl } = this.iceServersFor(session.host, session.id);
    return { iceServers, ttl };
  }

  /** Sends an `error` frame; the socket stays open unless the caller closes it. */
  reject(session: Session, code: ErrorCode, message: string): void {
    this.metrics.error(code);
    session.log.debug({ code }, message);
    session.send({ type: 'error', code, message });
  }

  /** Starts (or restarts) the clock within which a socket must be in a room. */
  armJoinTimer(session: Session): void {
    session.clearJoinTimer();
    session.joinTimer = setTimeout(() => {
      this.reject(session, 'join-timeout', `no join within ${this.config.joinTimeoutMs} ms`);
      session.close(CloseCode.JoinTimeout, 'join timeout');
    }, this.config.joinTimeoutMs);
  }

  /**
   * Frees `previous`'s seat for the reconnecting client without the room
   * noticing (no peer-left), and cuts the old socket it has given up on.
   */
  takeOver(session: Session, previous: Session): void {
    if (previous.room !== undefined) this.rooms.leave(previous.room, previous.id);
    previous.room = undefined;
    previous.log.info({ by: session.id }, 'resumed elsewhere');
    previous.socket.terminate();
  }

  /** Takes `session` out of its room and tells the others why. */
  removeFromRoom(session: Session, reason: PeerLeftReason): void {
    const room = session.room;
    if (room === undefined) return;
    session.room = undefined;
    session.bindLog();
    const left = JSON.stringify({ type: 'peer-left', id: session.id, reason });
    for (const other of this.rooms.leave(room, session.id)) other.sendText(left);
  }
}
