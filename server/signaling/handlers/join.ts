/**
 * `join`: the version, then the resume token (it decides whether this is a
 * reconnect), then the room token through the access check, then the bans;
 * only then the store is asked for a seat, or a wait in the lobby. From the
 * `join` until the store has answered the session is `joining`, and a second
 * `join` is refused; after each wait, the socket may have closed, and nothing
 * more is done for it. `welcome` (or `lobby`) comes from the store's event
 * (SignalingContext.event), not from here.
 */
import { PROTOCOL_VERSION, type ErrorCode, type JoinMessage } from '../../../protocol/signaling.js';
import { CloseCode } from '../../../protocol/close-codes.js';
import type { SignalingContext } from '../context.js';
import type { SeatResult } from '../room-store.js';
import type { Identity, Session } from '../session.js';
import { seatRequest } from './seat.js';

export async function join(ctx: SignalingContext, session: Session, message: JoinMessage): Promise<void> {
  if (message.v !== undefined && message.v !== PROTOCOL_VERSION) {
    ctx.reject(session, 'unsupported-version', `this server speaks protocol v${PROTOCOL_VERSION}, not v${message.v}`);
    ctx.expel(session, CloseCode.UnsupportedVersion, 'unsupported protocol version');
    return;
  }
  const busy = busyWith(session);
  if (busy !== undefined) {
    ctx.reject(session, 'already-joined', busy);
    return;
  }
  session.joining = true;
  try {
    await admit(ctx, session, message);
  } finally {
    // Seated or waiting, enter() or hold() cleared it already; refused, it may join again.
    if (session.room === undefined && session.waitingFor === undefined) session.joining = false;
  }
}

async function admit(ctx: SignalingContext, session: Session, message: JoinMessage): Promise<void> {
  const { room, resume } = message;
  const claimed = resume === undefined ? undefined : await ctx.resumeTokens.verify(room, resume);
  if (!session.open) return;
  const verdict = await ctx.access.join(room, message.token, claimed !== undefined);
  // Closed meanwhile (by its client, its join timeout or a shutdown): it is no one's business any more.
  if (!session.open) return;
  if (!verdict.ok) {
    ctx.refuseAccess(session, verdict.reason, verdict.message);
    return;
  }
  const { grant } = verdict;
  if (grant.user !== undefined) {
    const wait = await ctx.bans.secondsLeft(room, grant.user);
    if (!session.open) return;
    if (wait > 0) {
      ctx.refuseAccess(session, 'kicked', `a host removed you from room "${room}"; you may come back in ${wait} s`);
      return;
    }
  }
  // Spent here, in one step on any node: another socket may have used the same resume token while this one's
  // room token was checked; the verdict was given to a reconnect, so it does not carry over to a new peer.
  if (resume !== undefined && claimed !== undefined && (await ctx.resumeTokens.spend(room, resume)) !== claimed) {
    if (session.open)
      ctx.reject(session, 'bad-message', 'this resume token was used by another connection; join again without it');
    return;
  }
  if (!session.open) return;

  const who: Identity = { name: grant.name ?? message.name ?? '', role: grant.role, user: grant.user };
  const resumed = claimed !== undefined;
  const id = claimed ?? session.id;
  const lobby = !resumed && who.role === 'guest' && grant.lobby;
  const result = lobby
    ? { ok: false as const, reason: 'locked' as const }
    : await seatRequest(ctx, session, room, id, who, resumed);
  if (result.ok) return;
  if (result.reason === 'locked') {
    await wait(ctx, session, room, who);
    return;
  }
  const [code, text] = refusal(result, room, id);
  if (session.open) ctx.reject(session, code, text);
}

/** Why this session may not join now, if it may not. */
function busyWith(session: Session): string | undefined {
  if (session.joining) return 'a join is being checked already; wait for its answer';
  if (session.room !== undefined) return `already in room "${session.room}"; send leave first`;
  const waiting = session.waitingFor;
  if (waiting !== undefined) return `already waiting to be let into room "${waiting}"; send leave first`;
  return undefined;
}

/** Puts a guest in `room`'s lobby: it holds no seat and gets no ICE servers until a host admits it. */
async function wait(ctx: SignalingContext, session: Session, room: string, who: Identity): Promise<void> {
  const member = { ...session.record, name: who.name, role: who.role };
  if (who.user !== undefined) member.user = who.user;
  const result = await ctx.rooms.wait(room, member);
  if (!result.ok && session.open) {
    ctx.reject(session, 'room-full', `the lobby of room "${room}" is full (${result.capacity} waiting)`);
  }
}

/** The protocol's code for why the store refused, and words for people. */
function refusal(
  refused: Exclude<SeatResult, { ok: true } | { reason: 'locked' }>,
  room: string,
  id: string,
): [ErrorCode, string] {
  switch (refused.reason) {
    case 'full':
      return ['room-full', `room "${room}" is full (${refused.capacity} peers)`];
    case 'taken':
    case 'not-waiting':
      // Only an id's latest token resumes it, and a join is never an admission:
      // this is a server bug, which costs the socket its connection (1011), not a client mistake.
      throw new Error(`peer id ${id} could not be seated in room ${room}: ${refused.reason}`);
  }
}
