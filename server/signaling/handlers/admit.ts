import type { AdmitMessage } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';
import { seat } from './seat.js';
import { seatedRoom, waitingGuest } from './targets.js';

/**
 * Seats a guest waiting in the host's lobby, exactly as if it had joined. A
 * full room refuses it (the host hears `room-full`); the guest keeps waiting.
 */
export function admit(ctx: SignalingContext, session: Session, message: AdmitMessage): void {
  const guest = waitingGuest(ctx, session, message.id);
  if (guest === undefined) return;
  const room = seatedRoom(session);
  const refused = seat(ctx, guest, room, guest.id, guest.identity, false);
  if (refused !== undefined) {
    ctx.reject(session, 'room-full', `room "${room}" is full; "${guest.id}" keeps waiting until a seat is free`);
    return;
  }
  session.log.info({ guest: guest.id }, 'admitted');
  ctx.leaveLobby(guest, 'admitted');
}
