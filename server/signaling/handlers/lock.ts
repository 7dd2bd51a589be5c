import type { LockMessage } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import { serialize } from '../outbound.js';
import type { Session } from '../session.js';
import { seatedRoom } from './targets.js';

/**
 * Locks or unlocks the host's room, and tells everyone in it (the sender
 * too). Unlocking lets nobody in by itself: guests already waiting still wait
 * for a host's `admit`.
 */
export function lock(ctx: SignalingContext, session: Session, message: LockMessage): void {
  const room = seatedRoom(session);
  ctx.lobby.lock(room, message.locked);
  session.log.info({ locked: message.locked }, 'room lock');
  const locked = serialize({ type: 'room-locked', locked: message.locked, by: session.peer });
  for (const member of ctx.rooms.members(room)) member.sendFrame(locked);
}
