import type { DenyMessage } from '../../../protocol/signaling.js';
import { CloseCode } from '../../../protocol/close-codes.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';
import { hostName, waitingGuest } from './targets.js';

/** Turns a waiting guest away: it hears `denied` and its socket is closed (4005). */
export function deny(ctx: SignalingContext, session: Session, message: DenyMessage): void {
  const guest = waitingGuest(ctx, session, message.id);
  if (guest === undefined) return;
  session.log.info({ guest: guest.id }, 'denied');
  ctx.reject(guest, 'denied', `${hostName(session)} did not let you in`);
  ctx.leaveLobby(guest, 'denied');
  ctx.expel(guest, CloseCode.Denied, 'denied');
}
