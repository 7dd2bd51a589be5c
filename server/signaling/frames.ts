/**
 * The gate every inbound frame passes, in order of cost: rate limit, size,
 * text-only, JSON, schema. Only a frame that passes all five reaches a handler.
 */
import { CloseCode } from '../../protocol/close-codes.js';
import type { SignalingContext } from './context.js';
import type { Session } from './session.js';
import { parseClientMessage } from './validate.js';
import { dispatch } from './handlers/index.js';

export function onFrame(ctx: SignalingContext, session: Session, data: Buffer, isBinary: boolean): void {
  session.alive = true;

  if (!session.bucket.take()) {
    session.refusedInARow += 1;
    if (session.refusedInARow === 1) {
      ctx.reject(session, 'rate-limited', `more than ${ctx.config.rateLimitPerSecond} frames/s; frames are being dropped`);
    } else if (session.refusedInARow > ctx.config.rateLimitBurst) {
      session.log.warn({ refused: session.refusedInARow }, 'closing flooding socket');
      session.close(CloseCode.RateLimited, 'rate limit exceeded');
    }
    return;
  }
  session.refusedInARow = 0;

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
  dispatch(ctx, session, parsed.message);
}
