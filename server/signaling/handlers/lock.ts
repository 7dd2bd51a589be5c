import type { LockMessage } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';
import { seatedRoom } from './targets.js';

/**
 * Locks or unlocks the host's room; everyone in it (the sender too) hears
 * `room-locked`. Unlocking lets nobody in by itself: guests already waiting
 * still wait for a host's `admit`.
 */
export async function lock(ctx: SignalingContext, session: Session, message: LockMessage): Promise<void> {
  session.log.info({ locked: message.locked }, 'room lock');
  await ctx.rooms.lock(seatedRoom(session), message.locked, session.peer);
}
