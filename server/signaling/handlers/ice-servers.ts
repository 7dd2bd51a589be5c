import type { IceServersRequest } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';

/** Hands out fresh ICE servers, for a call that outlives its credentials' TTL. */
export function iceServers(ctx: SignalingContext, session: Session, _message: IceServersRequest): void {
  if (session.room === undefined) {
    ctx.reject(session, 'not-joined', 'join a room before asking for ICE servers');
    return;
  }
  session.send({ type: 'ice-servers', ...ctx.iceServers(session) });
}
