import type { AdmitMessage } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';
import { seatedRoom, waitingGuest } from './targets.js';

/**
 * Seats a guest waiting in the host's lobby, exactly as if it had joined;
 * its own node sends it `welcome`. A full room refuses it (the host hears
 * `room-full`); the guest keeps waiting.
 */
export async function admit(ctx: SignalingContext, session: Session, message: AdmitMessage): Promise<void> {
  const guest = waitingGuest(ctx, session, message.id);
  if (guest === undefined) return;
  const room = seatedRoom(session);
  const result = await ctx.rooms.seat({
    room,
    member: guest,
    takeOver: false,
    resumed: false,
    unlessLocked: false,
    admitted: true,
  });
  if (result.ok) {
    session.log.info({ guest: guest.id }, 'admitted');
  } else if (result.reason === 'full') {
    ctx.reject(session, 'room-full', `room "${room}" is full; "${guest.id}" keeps waiting until a seat is free`);
  } else {
    // Gone meanwhile: it left, its socket closed, or another host let it in or turned it away first.
    ctx.reject(session, 'unknown-peer', `no guest "${guest.id}" waiting for this room`);
  }
}
