/**
 * What every message handler may use: the config, the room registry, the
 * metrics, the ICE servers to hand out, and one way to refuse a request.
 */
import type { Config } from '../config.js';
import type { ErrorCode } from '../../protocol/signaling.js';
import type { IceServer } from '../../protocol/ice.js';
import { CloseCode } from '../../protocol/close-codes.js';
import type { Rooms } from './rooms.js';
import type { Session } from './session.js';
import type { SignalingMetrics } from './metrics.js';

export interface IceServersGrant {
  iceServers: IceServer[];
  ttl: number;
}

export class SignalingContext {
  constructor(
    readonly config: Config,
    readonly rooms: Rooms<Session>,
    readonly metrics: SignalingMetrics,
    readonly iceServers: (session: Session) => IceServersGrant,
  ) {}

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

  /** Takes `session` out of its room and tells the others. */
  removeFromRoom(session: Session): void {
    const room = session.room;
    if (room === undefined) return;
    session.room = undefined;
    session.log = session.baseLog;
    const left = JSON.stringify({ type: 'peer-left', id: session.id });
    for (const other of this.rooms.leave(room, session.id)) other.sendText(left);
  }
}
