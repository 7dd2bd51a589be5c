/**
 * The one way into a room's seat, for a `join` and for a guest a host admits
 * from the lobby: the socket gets `welcome` (ICE servers, its resume token,
 * its role, the lock), the others `peer-joined`. A host also gets a `knock`
 * for each guest already waiting, and those guests learn a host is here.
 */
import { PROTOCOL_VERSION } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import type { JoinRefusal } from '../rooms.js';
import type { Identity, Session } from '../session.js';
import { serialize } from '../outbound.js';

/** Seats `session` in `room` as peer `id`; returns why not (and nothing happens) if Rooms refuses. */
export function seat(
  ctx: SignalingContext,
  session: Session,
  room: string,
  id: string,
  who: Identity,
  resumed: boolean,
): JoinRefusal | undefined {
  const hadHost = ctx.hostPresent(room);
  const result = ctx.rooms.join(room, id, session);
  if (!result.ok) return result;
  // A reconnecting client keeps its peer id. If its old socket still holds
  // it (the server has not noticed the drop yet), the new one takes it over,
  // and when the old one held a seat here the room is told nothing, so the
  // call carries on.
  const previous = ctx.sessions.holding(id);
  if (previous !== undefined && previous !== session) ctx.takeOver(session, previous);
  if (id !== session.id) ctx.sessions.rename(session, id);
  session.enter(room, who);
  session.log.info({ peers: result.others.length, resumed, role: who.role }, 'joined');

  const { iceServers, ttl } = ctx.iceServers(session);
  session.send({
    type: 'welcome',
    v: PROTOCOL_VERSION,
    id,
    room,
    peers: result.others.map((other) => other.peer),
    iceServers,
    ttl,
    // From now on the only token that resumes this id: the one just used is spent.
    resume: ctx.resumeTokens.issue(room, id),
    resumed,
    role: who.role,
    locked: ctx.lobby.isLocked(room),
  });
  if (result.replaced === undefined) {
    const joined = serialize({ type: 'peer-joined', peer: session.peer });
    for (const other of result.others) other.sendFrame(joined);
  }
  if (who.role === 'host') {
    for (const guest of ctx.lobby.waiting(room)) session.send({ type: 'knock', peer: guest.peer });
    if (!hadHost) ctx.tellWaiting(room, true);
  }
  return undefined;
}
