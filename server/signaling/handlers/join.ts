/**
 * `join`: the version, then the resume token (it decides whether this is a
 * reconnect), then the room token through the access check, then the bans;
 * only then a seat, or a wait in the lobby. The token check is async: while
 * it runs the session is `joining` and a second `join` is refused; after it,
 * the socket may have closed, and nothing more is done for it.
 */
import { PROTOCOL_VERSION, type ErrorCode, type JoinMessage } from '../../../protocol/signaling.js';
import { CloseCode } from '../../../protocol/close-codes.js';
import type { AccessVerdict } from '../../access/types.js';
import type { SignalingContext } from '../context.js';
import type { JoinRefusal } from '../rooms.js';
import type { Identity, Session } from '../session.js';
import { serialize } from '../outbound.js';
import { seat } from './seat.js';

export async function join(ctx: SignalingContext, session: Session, message: JoinMessage): Promise<void> {
  if (message.v !== undefined && message.v !== PROTOCOL_VERSION) {
    ctx.reject(session, 'unsupported-version', `this server speaks protocol v${PROTOCOL_VERSION}, not v${message.v}`);
    ctx.expel(session, CloseCode.UnsupportedVersion, 'unsupported protocol version');
    return;
  }
  const busy = busyWith(ctx, session);
  if (busy !== undefined) {
    ctx.reject(session, 'already-joined', busy);
    return;
  }

  const { room, resume } = message;
  const claimed = resume === undefined ? undefined : ctx.resumeTokens.verify(room, resume);
  let verdict: AccessVerdict;
  session.joining = true;
  try {
    verdict = await ctx.access.join(room, message.token, claimed !== undefined);
  } finally {
    session.joining = false;
  }
  // Closed meanwhile (by its client, its join timeout or a shutdown): it is no one's business any more.
  if (!session.open) return;
  if (!verdict.ok) {
    ctx.refuseAccess(session, verdict.reason, verdict.message);
    return;
  }
  const { grant } = verdict;
  if (grant.user !== undefined && ctx.bans.has(room, grant.user)) {
    const wait = ctx.bans.secondsLeft(room, grant.user);
    ctx.refuseAccess(session, 'kicked', `a host removed you from room "${room}"; you may come back in ${wait} s`);
    return;
  }
  // Another socket may have spent the same resume token while this one's room token was checked;
  // the verdict was given to a reconnect, so it does not carry over to a new peer.
  if (resume !== undefined && claimed !== undefined && ctx.resumeTokens.verify(room, resume) !== claimed) {
    ctx.reject(session, 'bad-message', 'this resume token was used by another connection; join again without it');
    return;
  }

  const who: Identity = { name: grant.name ?? message.name ?? '', role: grant.role, user: grant.user };
  // A reconnect never waits: it was let in before. A host never does either.
  if (claimed === undefined && who.role === 'guest' && (grant.lobby || ctx.lobby.isLocked(room))) {
    wait(ctx, session, room, who);
    return;
  }
  const id = claimed ?? session.id;
  const refused = seat(ctx, session, room, id, who, claimed !== undefined);
  if (refused !== undefined) {
    const [code, text] = refusal(refused, room, id);
    ctx.reject(session, code, text);
  }
}

/** Why this session may not join now, if it may not. */
function busyWith(ctx: SignalingContext, session: Session): string | undefined {
  if (session.joining) return 'a join is being checked already; wait for its answer';
  if (session.room !== undefined) return `already in room "${session.room}"; send leave first`;
  const waiting = ctx.lobby.roomOf(session);
  if (waiting !== undefined) return `already waiting to be let into room "${waiting}"; send leave first`;
  return undefined;
}

/** Puts a guest in `room`'s lobby: it holds no seat and gets no ICE servers until a host admits it. */
function wait(ctx: SignalingContext, session: Session, room: string, who: Identity): void {
  const result = ctx.lobby.wait(room, session.id, session);
  if (!result.ok) {
    if (result.reason === 'already-waiting') {
      throw new Error(`peer ${session.id} waits for room ${result.room} already`);
    }
    ctx.reject(session, 'room-full', `the lobby of room "${room}" is full (${result.capacity} waiting)`);
    return;
  }
  session.hold(who);
  session.log.info({ room }, 'waiting in the lobby');
  const hosts = ctx.rooms.members(room).filter((member) => member.role === 'host');
  session.send({ type: 'lobby', id: session.id, room, hostPresent: hosts.length > 0 });
  const knock = serialize({ type: 'knock', peer: session.peer });
  for (const host of hosts) host.sendFrame(knock);
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
