import type { MuteMessage } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import { serialize } from '../outbound.js';
import type { Session } from '../session.js';
import { roomPeer } from './targets.js';

/** Asks a peer to turn its microphone off; there is no remote unmute. Nobody else is told. */
export function mute(ctx: SignalingContext, session: Session, message: MuteMessage): void {
  const target = roomPeer(ctx, session, message.id);
  if (target === undefined) return;
  session.log.info({ target: target.id }, 'muted');
  ctx.rooms.deliver(target.holder, { kind: 'frame', frame: serialize({ type: 'muted', by: session.peer }) });
}
