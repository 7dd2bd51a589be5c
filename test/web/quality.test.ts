/**
 * The network quality policy (web/insights/quality.ts) on synthetic sample
 * sequences: the grades of each measure, the worst one winning, and the
 * hysteresis that keeps the class from flapping.
 */
import { describe, expect, it } from 'vitest';
import {
  classify,
  DOWN_AFTER,
  Hysteresis,
  metrics,
  QualityTracker,
  UP_AFTER,
  type Metrics,
  type Quality,
} from '../../web/insights/quality.js';
import type { Sample } from '../../web/insights/stats.js';

const none: Metrics = { rtt: null, loss: null, jitter: null, availableOutgoingBitrate: null, limitation: null };

/** A sample at second `t` of a link that has carried 100 packets a second each way, `lossPerSecond` of them lost. */
function sample(t: number, { rtt = 0.03, lossPerSecond = 0, jitter = 0.005, bitrate = 1_000_000 } = {}): Sample {
  return {
    at: t * 1000,
    rtt,
    availableOutgoingBitrate: bitrate,
    limitation: 'none',
    jitter,
    received: 100 * t,
    lost: lossPerSecond * t,
    sent: 100 * t,
    remoteLost: 0,
    fractionLost: null,
    remoteAudio: null,
    localAudio: null,
  };
}

describe('grading one window', () => {
  it('is good on a clean link', () => {
    expect(classify({ ...none, rtt: 0.05, loss: 0, jitter: 0.01, availableOutgoingBitrate: 2_000_000 })).toBe('good');
  });

  it('grades each measure by its thresholds, the worst one winning', () => {
    expect(classify({ ...none, rtt: 0.35 })).toBe('fair');
    expect(classify({ ...none, rtt: 0.6 })).toBe('poor');
    expect(classify({ ...none, loss: 0.03 })).toBe('fair');
    expect(classify({ ...none, loss: 0.1 })).toBe('poor');
    expect(classify({ ...none, jitter: 0.05 })).toBe('fair');
    expect(classify({ ...none, jitter: 0.08 })).toBe('poor');
    expect(classify({ ...none, availableOutgoingBitrate: 150_000 })).toBe('fair');
    expect(classify({ ...none, availableOutgoingBitrate: 60_000 })).toBe('poor');
    expect(classify({ ...none, rtt: 0.05, loss: 0.07, jitter: 0.05 })).toBe('poor');
  });

  it('counts loss in either direction, whichever is worse', () => {
    const first = sample(0);
    const last = { ...sample(5), remoteLost: 50 };
    // 0 of 500 received lost, but the other side lost 50 of our 500.
    expect(metrics([first, last]).loss).toBeCloseTo(0.1);
    expect(metrics([first, sample(5, { lossPerSecond: 4 })]).loss).toBeCloseTo(20 / 520);
  });
});

describe('the class said, from raw classes', () => {
  const run = (hysteresis: Hysteresis, raws: Quality[]) => raws.map((raw) => hysteresis.next(raw));

  it('says the first class at once, and nothing while it holds', () => {
    expect(run(new Hysteresis(), ['good', 'good', 'good'])).toEqual(['good', undefined, undefined]);
  });

  it(`turns worse after ${DOWN_AFTER} worse windows in a row, not after one`, () => {
    const hysteresis = new Hysteresis();
    expect(run(hysteresis, ['good', 'poor', 'good', 'poor'])).toEqual(['good', undefined, undefined, undefined]);
    expect(hysteresis.next('poor')).toBe('poor');
  });

  it('takes the milder class when a worse run is mixed', () => {
    expect(run(new Hysteresis(), ['good', 'poor', 'fair'])).toEqual(['good', undefined, 'fair']);
  });

  it(`recovers only after ${UP_AFTER} better windows in a row`, () => {
    const raws: Quality[] = ['poor', ...Array<Quality>(UP_AFTER).fill('good')];
    expect(run(new Hysteresis(), raws)).toEqual(['poor', ...Array<undefined>(UP_AFTER - 1).fill(undefined), 'good']);
  });

  it('does not flap when the raw class alternates', () => {
    const raws = Array.from({ length: 30 }, (_, i): Quality => (i % 2 === 0 ? 'good' : 'poor'));
    expect(run(new Hysteresis(), raws).filter((change) => change !== undefined)).toEqual(['good']);
  });
});

describe('the class over a call', () => {
  it('grades nothing while nothing is measured (a connection not yet up)', () => {
    const tracker = new QualityTracker();
    const empty = { ...sample(0), rtt: null, jitter: null, availableOutgoingBitrate: null, received: 0, sent: 0 };
    for (let t = 0; t < 5; t += 1) expect(tracker.add({ ...empty, at: t * 1000 })).toBeUndefined();
    expect(tracker.quality).toBeUndefined();
    expect(tracker.add(sample(5))).toBe('good');
  });

  it('takes the median RTT of the window, so that one slow reading is not a slow link', () => {
    const samples = [0.03, 0.9, 0.03, 0.04, 0.03].map((rtt, t) => sample(t, { rtt }));
    expect(metrics(samples).rtt).toBe(0.03);
  });

  it('needs two samples, and then reports the first class once', () => {
    const tracker = new QualityTracker();
    expect(tracker.add(sample(0))).toBeUndefined();
    expect(tracker.add(sample(1))).toBe('good');
    expect(tracker.add(sample(2))).toBeUndefined();
    expect(tracker.quality).toBe('good');
  });

  it('turns poor within seconds of heavy loss, and good again once the window has passed it', () => {
    const tracker = new QualityTracker();
    let lost = 0;
    const changes: Array<[number, string]> = [];
    for (let t = 0; t < 40; t += 1) {
      // 15 % loss from second 10 to 20.
      lost += t > 10 && t <= 20 ? 15 : 0;
      const change = tracker.add({ ...sample(t), lost });
      if (change !== undefined) changes.push([t, change]);
    }
    // On the way down and up it may pass through fair; it never flaps back before the loss ends.
    const said = changes.map(([, quality]) => quality);
    expect(said[0]).toBe('good');
    expect(said.at(-1)).toBe('good');
    const poorAt = changes.find(([, quality]) => quality === 'poor')?.[0] ?? Infinity;
    expect(poorAt - 10).toBeLessThanOrEqual(5);
    expect(changes.filter(([t]) => t > poorAt && t <= 20)).toEqual([]);
    expect(changes.at(-1)?.[0]).toBeGreaterThan(20 + 2);
  });

  it('turns fair on a sustained high RTT, not on one slow reading', () => {
    const tracker = new QualityTracker();
    const changes: Array<string | undefined> = [];
    for (let t = 0; t < 20; t += 1) changes.push(tracker.add(sample(t, { rtt: t === 5 || t >= 12 ? 0.4 : 0.03 })));
    expect(changes.filter((change) => change !== undefined)).toEqual(['good', 'fair']);
    expect(changes.indexOf('fair')).toBeGreaterThan(12);
  });
});
