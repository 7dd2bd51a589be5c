/** The benches' summaries, over protocol/stats.ts's one definition of a percentile. */
import { ascending, percentileOfSorted } from '../../protocol/stats.js';

export { ascending, median, percentile, percentileOfSorted } from '../../protocol/stats.js';

/** Middle value, p90 and extremes of a set of rounds. */
export interface Summary {
  median: number;
  p90: number;
  min: number;
  max: number;
}

export function summarise(values: Iterable<number>): Summary {
  const sorted = ascending(values);
  return {
    median: percentileOfSorted(sorted, 0.5),
    p90: percentileOfSorted(sorted, 0.9),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}
