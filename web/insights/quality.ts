/**
 * The network quality of one peer connection: good, fair or poor, from a
 * rolling window of stats samples (stats.ts). Each measure is graded against
 * the thresholds below (docs/embedding.md has the same table) and the class
 * is the worst grade. Hysteresis keeps it from flapping: a worse class is
 * taken after it is seen twice in a row, a better one only after four
 * samples in a row, so a poor link is said within seconds and a recovering
 * one once it has held.
 */
import type { Sample } from './stats.js';

export type Quality = 'good' | 'fair' | 'poor';
const CLASSES: readonly Quality[] = ['good', 'fair', 'poor'];

/** The window the measures are taken over. */
export const WINDOW_MS = 6_000;
/** Samples in a row that a worse class, or a better one, must be seen before it is taken. */
export const DOWN_AFTER = 2;
export const UP_AFTER = 4;

/** Upper bounds of good and of fair; at or beyond the second, poor. Bitrate bounds are lower bounds. */
export const THRESHOLDS = {
  rtt: [0.3, 0.6],
  loss: [0.02, 0.06],
  jitter: [0.04, 0.08],
  availableOutgoingBitrate: [250_000, 100_000],
} as const;

/** The measures, over the window: seconds, a fraction 0–1, bits per second; null when unknown. */
export interface Metrics {
  rtt: number | null;
  loss: number | null;
  jitter: number | null;
  availableOutgoingBitrate: number | null;
  limitation: string | null;
}

/** The measures over the samples of one window (oldest first); loss needs two samples, the rest one. */
export function metrics(samples: readonly Sample[]): Metrics {
  const first = samples[0];
  const last = samples.at(-1);
  if (first === undefined || last === undefined) {
    return { rtt: null, loss: null, jitter: null, availableOutgoingBitrate: null, limitation: null };
  }
  return {
    rtt: median(samples.map((s) => s.rtt)),
    loss: loss(first, last),
    jitter: median(samples.map((s) => s.jitter)),
    availableOutgoingBitrate: mean(samples.map((s) => s.availableOutgoingBitrate)),
    limitation: last.limitation,
  };
}

/** The worse of the two directions: what this side lost of the peer's packets, and what the peer lost of ours. */
function loss(first: Sample, last: Sample): number | null {
  const fractions: number[] = [];
  const lost = last.lost - first.lost;
  const received = last.received - first.received;
  if (lost + received > 0) fractions.push(Math.max(0, lost) / (Math.max(0, lost) + received));
  const sent = last.sent - first.sent;
  if (sent > 0) fractions.push(Math.min(1, Math.max(0, last.remoteLost - first.remoteLost) / sent));
  else if (last.fractionLost !== null) fractions.push(last.fractionLost);
  return fractions.length === 0 ? null : Math.max(...fractions);
}

/** The class of one window's measures, before hysteresis: the worst grade of any known measure. */
export function classify(m: Metrics): Quality {
  let grade = 0;
  for (const key of ['rtt', 'loss', 'jitter'] as const) {
    const value = m[key];
    const [good, fair] = THRESHOLDS[key];
    if (value !== null) grade = Math.max(grade, value < good ? 0 : value < fair ? 1 : 2);
  }
  const bitrate = m.availableOutgoingBitrate;
  const [good, fair] = THRESHOLDS.availableOutgoingBitrate;
  if (bitrate !== null) grade = Math.max(grade, bitrate >= good ? 0 : bitrate >= fair ? 1 : 2);
  return CLASSES[grade] ?? 'poor';
}

/** One peer's samples and class. add() returns the class when it changed (the first one included). */
export class QualityTracker {
  metrics: Metrics = metrics([]);
  private readonly samples: Sample[] = [];
  private readonly hysteresis = new Hysteresis();

  get quality(): Quality | undefined {
    return this.hysteresis.quality;
  }

  add(sample: Sample): Quality | undefined {
    this.samples.push(sample);
    while (this.samples.length > 2 && sample.at - (this.samples[0]?.at ?? sample.at) > WINDOW_MS) this.samples.shift();
    // A class needs a delta: one sample alone knows no loss.
    if (this.samples.length < 2) return undefined;
    this.metrics = metrics(this.samples);
    // Nothing measured yet (not connected): no grade, rather than a good one nobody measured.
    const { rtt, loss, jitter, availableOutgoingBitrate } = this.metrics;
    if (rtt === null && loss === null && jitter === null && availableOutgoingBitrate === null) return undefined;
    return this.hysteresis.next(classify(this.metrics));
  }
}

/** The class said, from the raw class of each window; next() returns it when it changed (the first one included). */
export class Hysteresis {
  quality: Quality | undefined;
  /** The raw classes since the current one was last seen, as grades (0 good … 2 poor). */
  private run: number[] = [];

  next(quality: Quality): Quality | undefined {
    const raw = CLASSES.indexOf(quality);
    if (this.quality === undefined) return (this.quality = quality);
    const current = CLASSES.indexOf(this.quality);
    // A run is all worse or all better than the current class; anything else starts it over.
    if (raw === current || (this.run.length > 0 && raw > current !== (this.run[0] ?? raw) > current)) this.run = [];
    if (raw === current) return undefined;
    this.run.push(raw);
    const worse = raw > current;
    if (this.run.length < (worse ? DOWN_AFTER : UP_AFTER)) return undefined;
    // The class the whole run agrees on: the mildest of a worse run, the worst of a better one.
    const next = worse ? Math.min(...this.run) : Math.max(...this.run);
    this.run = [];
    return (this.quality = CLASSES[next]);
  }
}

function mean(values: Array<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : known.reduce((sum, value) => sum + value, 0) / known.length;
}

/** RTT and jitter readings spike when a busy machine delays a packet's handling; the median ignores one spike. */
function median(values: Array<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null).sort((a, b) => a - b);
  const middle = known.length / 2;
  return known.length === 0
    ? null
    : known.length % 2 === 1
      ? (known[Math.floor(middle)] ?? null)
      : ((known[middle - 1] ?? 0) + (known[middle] ?? 0)) / 2;
}
