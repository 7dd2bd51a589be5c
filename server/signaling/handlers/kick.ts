import type { KickMessage } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';
import { hostName, roomPeer, seatedRoom } from './targets.js';

/**
 * Removes a peer from the host's room: its node tells it `kicked` and closes
 * its socket (4004); the room hears `peer-left` (`left`). Its resume token
 * dies with it, and its token's user may not join the room again for a while
 * (Bans), on any node. A peer without a token (open mode) names no user, so
 * nothing bans it.
 */
export function kick(ctx: SignalingContext, session: Session, message: KickMessage): void {
  const target = roomPeer(ctx, session, message.id);
  if (target === undefined) return;
  session.log.info({ target: target.id }, 'kicked');
  ctx.resumeTokens.revoke(target.id);
  if (target.user !== undefined) ctx.bans.ban(seatedRoom(session), target.user);
  ctx.rooms.deliver(target.holder, { kind: 'kick', message: `${hostName(session)} removed you from the call` });
}
