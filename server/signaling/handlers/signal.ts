import type { SignalMessage } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import { serialize } from '../outbound.js';
import type { Session } from '../session.js';

/** Relays offer/answer/candidate to one peer of the sender's room, on any node, stamped with the sender's id. */
export function signal(ctx: SignalingContext, session: Session, message: SignalMessage): void {
  if (session.room === undefined) {
    ctx.reject(session, 'not-joined', 'join a room before sending signals');
    return;
  }
  const target = message.to === session.id ? undefined : ctx.rooms.view(session.room)?.seats.get(message.to);
  if (target === undefined) {
    ctx.reject(session, 'unknown-peer', `no peer "${message.to}" in this room`);
    return;
  }
  const frame = serialize({ type: 'signal', from: session.id, data: message.data });
  ctx.rooms.deliver(target.holder, { kind: 'frame', frame });
  ctx.metrics.relayed['description' in message.data ? 'description' : 'candidate'].inc();
}
