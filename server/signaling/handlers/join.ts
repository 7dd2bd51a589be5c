import { PROTOCOL_VERSION, type JoinMessage } from '../../../protocol/signaling.js';
import { CloseCode } from '../../../protocol/close-codes.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';

export function join(ctx: SignalingContext, session: Session, message: JoinMessage): void {
  if (message.v !== undefined && message.v !== PROTOCOL_VERSION) {
    ctx.reject(session, 'unsupported-version', `this server speaks protocol v${PROTOCOL_VERSION}, not v${message.v}`);
    ctx.expel(session, CloseCode.UnsupportedVersion, 'unsupported protocol version');
    return;
  }
  if (session.room !== undefined) {
    ctx.reject(session, 'already-joined', `already in room "${session.room}"; send leave first`);
    return;
  }

  // A reconnecting client keeps its peer id. If its old socket still holds
  // it (the server has not noticed the drop yet), the new one takes it over,
  // and when the old one held a seat here the room is told nothing, so the
  // call carries on.
  const claimed = message.resume === undefined ? undefined : ctx.resumeTokens.verify(message.room, message.resume);
  const connectionId = session.id;
  let seatKept = false;
  if (claimed !== undefined) {
    const previous = ctx.sessions.holding(claimed);
    if (previous !== undefined && previous !== session) {
      seatKept = previous.room === message.room;
      ctx.takeOver(session, previous);
    }
    ctx.sessions.rename(session, claimed);
  }

  const result = ctx.rooms.join(message.room, session);
  if (!result.ok) {
    ctx.sessions.rename(session, connectionId);
    ctx.reject(session, 'room-full', `room "${message.room}" is full (${ctx.config.roomCapacity} peers)`);
    return;
  }
  const id = session.id;
  session.clearJoinTimer();
  session.room = message.room;
  session.name = message.name ?? '';
  session.bindLog();
  session.log.info({ peers: result.others.length, resumed: claimed !== undefined }, 'joined');

  const { iceServers, ttl } = ctx.iceServers(session);
  session.send({
    type: 'welcome',
    v: PROTOCOL_VERSION,
    id,
    room: message.room,
    peers: result.others.map((other) => ({ id: other.id, name: other.name })),
    iceServers,
    ttl,
    // From now on the only token that resumes this id: the one just used is spent.
    resume: ctx.resumeTokens.issue(message.room, id),
    resumed: claimed !== undefined,
  });
  if (seatKept) return;
  const joined = JSON.stringify({ type: 'peer-joined', peer: { id, name: session.name } });
  for (const other of result.others) other.sendText(joined);
}
