import type { LeaveMessage } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';

/** Leaves the room, or its lobby; the socket stays open and may join again before the join timeout. */
export function leave(ctx: SignalingContext, session: Session, _message: LeaveMessage): void {
  if (session.room === undefined && session.waitingFor === undefined) {
    ctx.reject(session, 'not-joined', 'not in a room');
    return;
  }
  session.log.info('left');
  ctx.removeFromRoom(session, 'left');
  ctx.armJoinTimer(session);
}
