import { PROTOCOL_VERSION, type ErrorCode, type JoinMessage } from '../../../protocol/signaling.js';
import { CloseCode } from '../../../protocol/close-codes.js';
import type { SignalingContext } from '../context.js';
import type { JoinRefusal } from '../rooms.js';
import type { Session } from '../session.js';
import { serialize } from '../outbound.js';

export function join(ctx: SignalingContext, session: Session, message: JoinMessage): void {
  if (message.v !== undefined && message.v !== PROTOCOL_VERSION) {
    ctx.reject(session, 'unsupported-version', `this server speaks protocol v${PROTOCOL_VERSION}, not v${message.v}`);
    ctx.expel(session, CloseCode.UnsupportedVersion, 'unsupported protocol version');
    return;
  }

  // A reconnecting client keeps its peer id. If its old socket still holds
  // it (the server has not noticed the drop yet), the new one takes it over,
  // and when the old one held a seat here the room is told nothing, so the
  // call carries on.
  const claimed = message.resume === undefined ? undefined : ctx.resumeTokens.verify(message.room, message.resume);
  const id = claimed ?? session.id;
  const result = ctx.rooms.join(message.room, id, session);
  if (!result.ok) {
    const [code, text] = refusal(result, message.room, id);
    ctx.reject(session, code, text);
    return;
  }
  const previous = ctx.sessions.holding(id);
  if (previous !== undefined && previous !== session) ctx.takeOver(session, previous);
  if (id !== session.id) ctx.sessions.rename(session, id);
  session.enter(message.room, message.name ?? '');
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
  if (result.replaced !== undefined) return;
  const joined = serialize({ type: 'peer-joined', peer: { id, name: session.name } });
  for (const other of result.others) other.sendFrame(joined);
}

/** The protocol's code for why Rooms refused, and words for people. */
function refusal(refused: JoinRefusal, room: string, id: string): [ErrorCode, string] {
  switch (refused.reason) {
    case 'already-joined':
      return ['already-joined', `already in room "${refused.room}"; send leave first`];
    case 'id-elsewhere':
      // Only an id's latest token resumes it, and that token is for the room its seat is in:
      // this is a server bug, which costs the socket its connection (1011), not a client mistake.
      throw new Error(`peer id ${id} holds a seat in room ${refused.room} through another socket`);
    case 'full':
      return ['room-full', `room "${room}" is full (${refused.capacity} peers)`];
  }
}
