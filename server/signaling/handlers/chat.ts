/**
 * Relays a chat message to everyone seated in the sender's room, on any
 * node, the sender included: its own copy is its acknowledgement. The
 * server stamps who sent it (`from`) and when (`ts`), and keeps nothing.
 * Guests in the lobby are not seated, so they hear nothing, and nothing
 * reaches another room.
 *
 * A refused message gets one `error` with its `mid`, so that the sender can
 * mark it failed, and nothing else happens: the socket and its call go on.
 * One answer per refused frame, each no larger than a short chat frame, and
 * the frame rate limit (frames.ts) is passed first: refusals never outnumber
 * what a client sends, and a flood is cut there.
 */
import { CHAT_MAX_BYTES, type ChatMessage, type ErrorCode } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import { serialize } from '../outbound.js';
import type { Session } from '../session.js';

/** C0 controls but \t (0x09) and \n (0x0a), DEL, and the C1 controls: text only. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export function chat(ctx: SignalingContext, session: Session, message: ChatMessage): void {
  const { mid, text } = message;
  const room = session.room;
  if (room === undefined) return refuse(ctx, session, mid, 'not-joined', 'join a room before sending chat');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > CHAT_MAX_BYTES) {
    return refuse(ctx, session, mid, 'too-large', `chat text over ${CHAT_MAX_BYTES} bytes`);
  }
  if (bytes === 0 || CONTROL.test(text)) return refuse(ctx, session, mid, 'bad-message', 'chat text empty or not text');
  if (!session.chat.take()) return refuse(ctx, session, mid, 'rate-limited', 'chat rate exceeded');

  const view = ctx.rooms.view(room);
  if (view === undefined) return;
  const frame = serialize({ type: 'chat', from: session.peer, mid, text, ts: Date.now() });
  for (const seat of view.seats.values()) ctx.rooms.deliver(seat.holder, { kind: 'frame', frame });
}

function refuse(ctx: SignalingContext, session: Session, mid: number, code: ErrorCode, message: string): void {
  ctx.metrics.error(code);
  session.log.debug({ code, mid }, message);
  session.send({ type: 'error', code, message, mid });
}
