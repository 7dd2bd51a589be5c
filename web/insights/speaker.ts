/**
 * The active speaker: of the levels heard (each remote microphone, and this
 * side's own), smoothed over a few readings, the loudest above a floor. A new
 * speaker (or silence) is taken only once it has held for HOLD_MS, so that a
 * cough or a breath between words does not move the highlight.
 */

/** Mean level (RMS, 0–1) below which nobody is speaking: about −40 dBFS. */
export const FLOOR = 0.01;
export const HOLD_MS = 1_000;
/** Weight of a new reading in the smoothed level. */
export const SMOOTHING = 0.6;

export class SpeakerTracker {
  /** The speaker's id, or null for nobody. */
  speaker: string | null = null;
  private readonly smoothed = new Map<string, number>();
  private pending: { id: string | null; since: number } | undefined;

  /** One reading of every source heard now; returns true when the speaker changed. */
  update(levels: ReadonlyMap<string, number>, now: number): boolean {
    for (const id of this.smoothed.keys()) if (!levels.has(id)) this.smoothed.delete(id);
    let loudest: string | null = null;
    let top = FLOOR;
    for (const [id, level] of levels) {
      const value = SMOOTHING * level + (1 - SMOOTHING) * (this.smoothed.get(id) ?? level);
      this.smoothed.set(id, value);
      if (value >= top) [loudest, top] = [id, value];
    }
    // Someone who left stops speaking at once.
    if (this.speaker !== null && !levels.has(this.speaker)) return this.take(loudest);
    if (loudest === this.speaker) {
      this.pending = undefined;
      return false;
    }
    if (this.pending?.id !== loudest) this.pending = { id: loudest, since: now };
    return now - this.pending.since >= HOLD_MS ? this.take(loudest) : false;
  }

  private take(id: string | null): boolean {
    this.pending = undefined;
    const changed = id !== this.speaker;
    this.speaker = id;
    return changed;
  }
}
