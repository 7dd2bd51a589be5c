/**
 * The one way into a room's seat, for a `join` and for a guest a host admits
 * from the lobby: the store is asked (seatRequest), and once it has seated
 * the socket, wherever that was decided, its node sends `welcome` (ICE
 * servers, its resume token, its role, the lock) through seated(). A host
 * also gets a `knock` for each guest already waiting. The others hear
 * `peer-joined` from SignalingContext.event.
 */
import { PROTOCOL_VERSION } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import { peerOf, type RoomEvent, type RoomView, type SeatResult } from '../room-store.js';
import type { Identity, Session } from '../session.js';

/** Asks the store for a seat in `room` for `session` as peer `id`; welcome follows from seated() if it is given. */
export function seatRequest(
  ctx: SignalingContext,
  session: Session,
  room: string,
  id: string,
  who: Identity,
  resumed: boolean,
): Promise<SeatResult> {
  const member = { ...session.record, id, name: who.name, role: who.role };
  if (who.user !== undefined) member.user = who.user;
  else delete member.user;
  return ctx.rooms.seat({
    room,
    member,
    takeOver: resumed,
    resumed,
    // A reconnect never waits: it was let in before. A host never does either.
    unlessLocked: !resumed && who.role === 'guest',
    admitted: false,
  });
}

/** Seats `session` on this node, as the store decided: it takes the peer id and hears `welcome`. */
export function seated(
  ctx: SignalingContext,
  session: Session,
  event: Extract<RoomEvent, { type: 'seated' }>,
  view: RoomView,
): void {
  const { room, member, resumed } = event;
  const id = member.id;
  // A reconnecting client keeps its peer id. If an old socket of this node
  // still holds it (the server has not noticed the drop yet), it is cut; a
  // seat it held has moved to this socket without the room noticing.
  const previous = ctx.sessions.holding(id);
  if (previous !== undefined && previous !== session) ctx.takeOver(previous, session.holder);
  if (id !== session.id) ctx.sessions.rename(session, id);
  session.enter(room, { name: member.name, role: member.role, user: member.user });
  const others = [...view.seats.values()].filter((other) => other.id !== id);
  session.log.info({ peers: others.length, resumed, role: member.role }, 'joined');

  const { iceServers, ttl } = ctx.iceServers(session);
  session.send({
    type: 'welcome',
    v: PROTOCOL_VERSION,
    id,
    room,
    peers: others.map(peerOf),
    iceServers,
    ttl,
    // From now on the only token that resumes this id: the one just used is spent.
    resume: ctx.resumeTokens.issue(room, id),
    resumed,
    role: member.role,
    locked: view.locked,
  });
  if (member.role === 'host') {
    for (const guest of view.waiting.values()) session.send({ type: 'knock', peer: peerOf(guest) });
  }
}
