/**
 * The UDP retransmission schedule of turn/client (RFC 8489 §6.2.1) on a
 * fake clock: the wait doubles after each send, the count is bounded, and
 * the deadline cuts both the schedule and the wait.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Method } from '../../turn/codec/constants.js';
import { NoAnswerError, StunSession, type FrameTransport, type SessionOptions } from '../../turn/client/index.js';
import type { IceTransport } from '../../protocol/ice-url.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A transport that records when each frame left, by the fake clock, and never answers. */
function sendTimes(kind: IceTransport, options: SessionOptions): { times: number[]; answer: Promise<unknown> } {
  const times: number[] = [];
  const start = Date.now();
  const transport: FrameTransport = {
    kind,
    send: () => void times.push(Date.now() - start),
    onFrame: () => undefined,
    onClose: () => undefined,
    close: () => undefined,
  };
  const session = new StunSession(transport, options);
  const answer = session.request(Method.Binding, (b) => b, false).catch((error: unknown) => error);
  return { times, answer };
}

describe('turn/client retransmissions', () => {
  it('doubles the wait after each UDP send, stops at maxTransmissions (Rc) and waits out the deadline', async () => {
    const { times, answer } = sendTimes('UDP', { rtoMs: 100, maxTransmissions: 7, timeoutMs: 20_000 });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(times).toEqual([0, 100, 300, 700, 1500, 3100, 6300]);
    expect(await answer).toBeInstanceOf(NoAnswerError);
  });

  it('sends nothing after the deadline, however many transmissions were allowed', async () => {
    const { times, answer } = sendTimes('UDP', { rtoMs: 500, maxTransmissions: 7, timeoutMs: 5000 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(times).toEqual([0, 500, 1500, 3500]);
    expect(await answer).toBeInstanceOf(NoAnswerError);
  });

  it.each<IceTransport>(['TCP', 'TLS'])('sends once over %s, a reliable transport', async (kind) => {
    const { times, answer } = sendTimes(kind, { rtoMs: 100, timeoutMs: 5000 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(times).toEqual([0]);
    expect(await answer).toBeInstanceOf(NoAnswerError);
  });
});
