import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION, type JoinMessage } from '../../../protocol/signaling.js';
import { CloseCode } from '../../../protocol/close-codes.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';

export function join(ctx: SignalingContext, session: Session, message: JoinMessage): void {
  if (message.v !== undefined && message.v !== PROTOCOL_VERSION) {
    ctx.reject(session, 'unsupported-version', `this server speaks protocol v${PROTOCOL_VERSION}, not v${message.v}`);
    session.close(CloseCode.UnsupportedVersion, 'unsupported protocol version');
    return;
  }
  if (session.room !== undefined) {
    ctx.reject(session, 'already-joined', `already in room "${session.room}"; send leave first`);
    return;
  }

  // A client back from a network drop whose old socket the server still holds.
  const previous = message.resume === undefined ? undefined : ctx.resumable.get(message.resume);
  const resumed = previous !== undefined && previous !== session && previous.room === message.room;
  if (resumed) ctx.takeOver(session, previous);

  const result = ctx.rooms.join(message.room, session);
  if (!result.ok) {
    ctx.reject(session, 'room-full', `room "${message.room}" is full (${ctx.config.roomCapacity} peers)`);
    return;
  }
  session.clearJoinTimer();
  session.room = message.room;
  session.name = message.name ?? '';
  session.bindLog();
  session.log.info({ peers: result.others.length, resumed }, 'joined');
  session.resumeToken = randomBytes(18).toString('base64url');
  ctx.resumable.set(session.resumeToken, session);

  const { iceServers, ttl } = ctx.iceServers(session);
  session.send({
    type: 'welcome',
    v: PROTOCOL_VERSION,
    id: session.id,
    room: message.room,
    peers: result.others.map((other) => ({ id: other.id, name: other.name })),
    iceServers,
    ttl,
    resume: session.resumeToken,
    resumed,
  });
  if (resumed) return;
  const joined = JSON.stringify({ type: 'peer-joined', peer: { id: session.id, name: session.name } });
  for (const other of result.others) other.sendText(joined);
}
