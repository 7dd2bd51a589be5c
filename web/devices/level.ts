/**
 * The microphone meter's maths: a level from 0 to 1 from one frame of an
 * AnalyserNode's time-domain bytes (128 is silence), as the root mean square
 * of the signal on a perceptual (square-root) scale so that speech at a normal
 * distance fills a good part of the bar; and a smoothing that rises at once
 * and falls slowly, so the bar does not flicker. Pure: unit tested in node.
 */

/** The level of one frame of unsigned 8-bit samples (AnalyserNode.getByteTimeDomainData), 0–1. */
export function levelOf(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = ((samples[i] ?? 128) - 128) / 128;
    sum += x * x;
  }
  return Math.min(1, Math.sqrt(Math.sqrt(sum / samples.length)));
}

/** How much of the gap a falling meter closes per frame (about a quarter of a second at 60 frames a second). */
export const FALL = 0.15;

/** The level to show: up at once to a louder `next`, down towards a quieter one by FALL of the gap. */
export function smooth(shown: number, next: number): number {
  return next >= shown ? next : shown + (next - shown) * FALL;
}
