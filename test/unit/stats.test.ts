import { describe, expect, it } from 'vitest';
import { median, percentile } from '../../protocol/stats.js';
import { summarise } from '../../bench/lib/stats.js';

describe('the one percentile (linear between nearest ranks, as numpy and R default to)', () => {
  it('takes the middle value of an odd count and the mean of the two middle values of an even one, in any order', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('interpolates between ranks: the 0.9 of 1..10 is 9.1, the 0.95 of 0..20 is 19', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 10);
    expect(percentile([...Array(21).keys()], 0.95)).toBeCloseTo(19, 10);
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 1)).toBe(3);
  });

  it('leaves out values that are not finite, and gives NaN for nothing', () => {
    expect(median([1, Number.NaN, 3, Number.POSITIVE_INFINITY])).toBe(2);
    expect(median([])).toBeNaN();
  });

  it('summarises rounds for the benches with the same definition', () => {
    expect(summarise([10, 40, 20, 30])).toEqual({ median: 25, p90: 37, min: 10, max: 40 });
  });
});
