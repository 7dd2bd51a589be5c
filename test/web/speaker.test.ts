/**
 * The active speaker (web/insights/speaker.ts) on synthetic level sequences:
 * the loudest above the floor, after a hold, smoothed, and nobody in silence.
 */
import { describe, expect, it } from 'vitest';
import { FLOOR, HOLD_MS, SpeakerTracker } from '../../web/insights/speaker.js';

const TICK = HOLD_MS / 2;

/** Feeds one reading per TICK; returns the speaker after each. */
function feed(tracker: SpeakerTracker, readings: Array<Record<string, number>>, start = 0): Array<string | null> {
  return readings.map((levels, i) => {
    tracker.update(new Map(Object.entries(levels)), start + i * TICK);
    return tracker.speaker;
  });
}

describe('the active speaker', () => {
  it('is the loudest source above the floor, once it has held', () => {
    const tracker = new SpeakerTracker();
    const said = feed(tracker, Array<Record<string, number>>(4).fill({ ada: 0.2, bob: 0.05, self: 0 }));
    expect(said).toEqual([null, null, 'ada', 'ada']);
  });

  it('is nobody while everyone is below the floor', () => {
    const tracker = new SpeakerTracker();
    expect(feed(tracker, Array<Record<string, number>>(6).fill({ ada: FLOOR / 2, self: FLOOR / 3 }))).toEqual(
      Array(6).fill(null),
    );
  });

  it('does not move for a short burst from someone else', () => {
    const tracker = new SpeakerTracker();
    feed(tracker, Array<Record<string, number>>(4).fill({ ada: 0.2, bob: 0 }));
    const said = feed(
      tracker,
      [
        { ada: 0.2, bob: 0.9 },
        { ada: 0.2, bob: 0 },
        { ada: 0.2, bob: 0 },
      ],
      4 * TICK,
    );
    expect(said).toEqual(['ada', 'ada', 'ada']);
  });

  it('moves to a new speaker who keeps talking, and reports the change once', () => {
    const tracker = new SpeakerTracker();
    feed(tracker, Array<Record<string, number>>(4).fill({ ada: 0.2, bob: 0 }));
    const changes: boolean[] = [];
    for (let i = 0; i < 6; i += 1)
      changes.push(
        tracker.update(
          new Map([
            ['ada', 0],
            ['bob', 0.3],
          ]),
          (4 + i) * TICK,
        ),
      );
    expect(tracker.speaker).toBe('bob');
    expect(changes.filter(Boolean)).toHaveLength(1);
  });

  it('falls silent after the hold, and forgets a source that left at once', () => {
    const tracker = new SpeakerTracker();
    feed(tracker, Array<Record<string, number>>(4).fill({ ada: 0.2, bob: 0.1 }));
    expect(tracker.update(new Map([['bob', 0.1]]), 4 * TICK)).toBe(true);
    expect(tracker.speaker).toBe('bob');
    const said = feed(tracker, Array<Record<string, number>>(6).fill({ bob: 0 }), 5 * TICK);
    expect(said.at(-1)).toBeNull();
    expect(said[0]).toBe('bob');
  });
});
