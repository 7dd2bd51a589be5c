import type { DenyMessage } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';
import { hostName, waitingGuest } from './targets.js';

/** Turns a waiting guest away: its node tells it `denied` and closes its socket (4005). */
export function deny(ctx: SignalingContext, session: Session, message: DenyMessage): void {
  const guest = waitingGuest(ctx, session, message.id);
  if (guest === undefined) return;
  session.log.info({ guest: guest.id }, 'denied');
  ctx.rooms.deliver(guest.holder, { kind: 'deny', message: `${hostName(session)} did not let you in` });
}
