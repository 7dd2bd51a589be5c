/**
 * The one definition of a median and a percentile: the benches' reports,
 * ice-check's round trips and the /ice-test page's use it.
 *
 * A percentile interpolates linearly between the two nearest ranks (Hyndman and Fan's type 7, the
 * default of numpy, R and spreadsheets): the q-quantile of n ascending values sits at position
 * q·(n − 1), counted from 0. So the median (q = 0.5) is the middle value for an odd n and the mean of
 * the two middle values for an even n, q = 0 is the minimum and q = 1 the maximum.
 * Values that are not finite (a round that lacked a number) are left out of every summary.
 */

/** Percentile `q` in [0, 1] of values already in ascending order (NaN for none). */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const below = Math.floor(position);
  const lower = sorted[below] as number;
  const upper = sorted[Math.min(sorted.length - 1, below + 1)] as number;
  return lower + (upper - lower) * (position - below);
}

/** The finite values, ascending. */
export function ascending(values: Iterable<number>): number[] {
  return [...values].filter(Number.isFinite).sort((a, b) => a - b);
}

export function percentile(values: Iterable<number>, q: number): number {
  return percentileOfSorted(ascending(values), q);
}

export function median(values: Iterable<number>): number {
  return percentile(values, 0.5);
}
