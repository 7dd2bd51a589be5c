/**
 * The gate every inbound frame passes, in order of cost: the socket still
 * open, the rate limits (the socket's, then its address's), size, text-only,
 * JSON, schema. Only a frame that passes all of them reaches a handler.
 * Bytes are charged earlier, as they are read (read-throttle.ts).
 */
import { CloseCode } from '../../protocol/close-codes.js';
import type { SignalingContext } from './context.js';
import type { Session } from './session.js';
import { parseClientMessage } from './validate.js';
import { dispatch } from './handlers/index.js';
import { StoreUnavailableError } from './room-store.js';
import { logRefusal } from '../refusals.js';

const REFUSAL_WINDOW_MS = 1000;

export function onFrame(ctx: SignalingContext, session: Session, data: Buffer, isBinary: boolean): void {
  // Once closing, a socket is gone for its room: whatever it still sends is dropped unread.
  if (!session.open) return;
  session.alive = true;

  if (!session.frames.take()) {
    refuse(ctx, session, `more than ${ctx.config.rateLimitPerSecond} frames/s`);
    return;
  }
  if (!session.address.frames.take()) {
    refuse(ctx, session, `more than ${ctx.config.rateLimitPerSecondPerIp} frames/s from this address`);
    return;
  }
  if (data.length > ctx.config.maxFrameBytes) {
    ctx.reject(
      session,
      'too-large',
      `frame of ${data.length} bytes exceeds the ${ctx.config.maxFrameBytes}-byte limit`,
    );
    return;
  }
  if (isBinary) {
    ctx.reject(session, 'bad-message', 'binary frames are not accepted; send JSON text');
    return;
  }

  const parsed = parseClientMessage(data.toString('utf8'));
  if (!parsed.ok) {
    ctx.reject(session, 'bad-message', parsed.reason);
    return;
  }
  const { type } = parsed.message;
  ctx.metrics.frame(type);
  try {
    dispatch(ctx, session, parsed.message)?.catch((error: unknown) => failed(ctx, session, type, error));
  } catch (error) {
    failed(ctx, session, type, error);
  }
}

/**
 * A bug in one handler, thrown or rejected, costs this socket its connection,
 * never the process. A room store out of reach (Redis down) is no bug: the
 * request is refused, and the socket and its call go on.
 */
function failed(ctx: SignalingContext, session: Session, type: string, error: unknown): void {
  if (error instanceof StoreUnavailableError) {
    ctx.reject(session, 'server-unavailable', `the server cannot serve ${type} now; try again in a moment`);
    return;
  }
  session.log.error({ err: error, type }, 'handler failed');
  ctx.expel(session, CloseCode.InternalError, 'internal error');
}

/**
 * Drops a frame over a rate. The client hears `rate-limited` once per
 * window, so refusals cannot be used to amplify traffic; a client that keeps
 * sending more than a burst's worth within one window is cut off.
 */
function refuse(ctx: SignalingContext, session: Session, over: string): void {
  const now = performance.now();
  if (now - session.refusalWindowStart >= REFUSAL_WINDOW_MS) {
    session.refusalWindowStart = now;
    session.refusedInWindow = 0;
  }
  session.refusedInWindow += 1;
  if (session.refusedInWindow === 1) {
    ctx.reject(session, 'rate-limited', `${over}; frames are being dropped`);
  } else if (session.refusedInWindow === ctx.config.rateLimitBurst + 1) {
    logRefusal(ctx.refusals, session.log, session.address.ip, 'flooding socket closed (4001)');
    ctx.expel(session, CloseCode.RateLimited, 'rate limit exceeded');
  }
}
