/**
 * Reading a peer connection's stats report (web/insights/stats.ts): the
 * selected candidate pair's RTT and estimate, loss counters of both
 * directions, audio jitter, the worst video limitation, and audio levels as
 * the mean between two readings. Reports here are plain records shaped like
 * Chromium's.
 */
import { describe, expect, it } from 'vitest';
import { audioLevel, readSample, type StatsLike } from '../../web/insights/stats.js';

const report = (stats: Array<Record<string, unknown>>): StatsLike => ({ forEach: (fn) => stats.forEach(fn) });

describe('a stats sample', () => {
  it('takes RTT and the outgoing estimate from the selected candidate pair', () => {
    const sample = readSample(
      report([
        { type: 'candidate-pair', id: 'old', currentRoundTripTime: 0.9, availableOutgoingBitrate: 1 },
        { type: 'candidate-pair', id: 'now', currentRoundTripTime: 0.04, availableOutgoingBitrate: 800_000 },
        { type: 'transport', selectedCandidatePairId: 'now' },
        { type: 'remote-inbound-rtp', roundTripTime: 0.5 },
      ]),
      0,
    );
    expect(sample).toMatchObject({ rtt: 0.04, availableOutgoingBitrate: 800_000 });
  });

  it('falls back to remote-inbound-rtp roundTripTime, and says null for what is not reported', () => {
    const sample = readSample(report([{ type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.12 }]), 0);
    expect(sample).toMatchObject({ rtt: 0.12, availableOutgoingBitrate: null, jitter: null, limitation: null });
  });

  it('adds up packets of both directions and keeps the worst video limitation', () => {
    const sample = readSample(
      report([
        { type: 'inbound-rtp', kind: 'audio', packetsReceived: 100, packetsLost: 2, jitter: 0.01 },
        { type: 'inbound-rtp', kind: 'video', packetsReceived: 300, packetsLost: 5, jitter: 0.2 },
        { type: 'outbound-rtp', kind: 'video', packetsSent: 400, qualityLimitationReason: 'bandwidth' },
        { type: 'outbound-rtp', kind: 'video', packetsSent: 50, qualityLimitationReason: 'none' },
        { type: 'outbound-rtp', kind: 'audio', packetsSent: 100 },
        { type: 'remote-inbound-rtp', kind: 'video', packetsLost: 7, fractionLost: 0.02 },
        { type: 'remote-inbound-rtp', kind: 'audio', packetsLost: 1, fractionLost: 0.01 },
      ]),
      0,
    );
    expect(sample).toMatchObject({
      received: 400,
      lost: 7,
      sent: 550,
      remoteLost: 8,
      fractionLost: 0.02,
      limitation: 'bandwidth',
      // Video jitter includes frame pacing; only audio's says what the network does.
      jitter: 0.01,
    });
  });

  it('gives the mean audio level between two readings, from energy over duration', () => {
    const before = { energy: 0.5, duration: 10, level: 0 };
    // 0.09 energy over 1 s: a mean square of 0.09, an RMS level of 0.3.
    expect(audioLevel(before, { energy: 0.59, duration: 11, level: 0.8 })).toBeCloseTo(0.3);
    expect(audioLevel(null, { energy: 0, duration: 0, level: 0.25 })).toBe(0.25);
    expect(audioLevel(before, null)).toBeNull();
  });
});
