/**
 * The gate every inbound frame passes, in order of cost: rate limit, size,
 * text-only, JSON, schema. Only a frame that passes all five reaches a handler.
 */
import { CloseCode } from '../../protocol/close-codes.js';
import type { SignalingContext } from './context.js';
import type { Session } from './session.js';
import { parseClientMessage } from './validate.js';
import { dispatch } from './handlers/index.js';

const REFUSAL_WINDOW_MS = 1000;

export function onFrame(ctx: SignalingContext, session: Session, data: Buffer, isBinary: boolean): void {
  session.alive = true;

  if (!session.bucket.take()) {
    refuse(ctx, session);
    return;
  }
  if (data.length > ctx.config.maxFrameBytes) {
    ctx.reject(session, 'too-large', `frame of ${data.length} bytes exceeds the ${ctx.config.maxFrameBytes}-byte limit`);
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
  ctx.metrics.frame(parsed.message.type);
  try {
    dispatch(ctx, session, parsed.message);
  } catch (error) {
    // A bug in one handler costs this socket its connection, never the process.
    session.log.error({ err: error, type: parsed.message.type }, 'handler failed');
    session.close(CloseCode.InternalError, 'internal error');
  }
}

/**
 * Drops a frame over the rate. The client hears `rate-limited` once per
 * window, so refusals cannot be used to amplify traffic; a client that keeps
 * sending more than a burst's worth within one window is cut off.
 */
function refuse(ctx: SignalingContext, session: Session): void {
  const now = performance.now();
  if (now - session.refusalWindowStart >= REFUSAL_WINDOW_MS) {
    session.refusalWindowStart = now;
    session.refusedInWindow = 0;
  }
  session.refusedInWindow += 1;
  if (session.refusedInWindow === 1) {
    ctx.reject(session, 'rate-limited', `more than ${ctx.config.rateLimitPerSecond} frames/s; frames are being dropped`);
  } else if (session.refusedInWindow === ctx.config.rateLimitBurst + 1) {
    session.log.warn({ refused: session.refusedInWindow }, 'closing flooding socket');
    session.close(CloseCode.RateLimited, 'rate limit exceeded');
  }
}
