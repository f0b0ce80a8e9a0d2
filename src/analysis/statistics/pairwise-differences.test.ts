import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { kthDifference, medianDifference } from './pairwise-differences.ts';

const sorted = (values: number[]) => Float64Array.from(values).sort();
const allDifferences = (x: number[], y: number[]) => x.flatMap((a) => y.map((b) => a - b)).sort((a, b) => a - b);

describe('order statistics of the pairwise differences', () => {
  it('finds every k-th difference of small samples, ties and duplicates included, as sorting all of them does', () => fc.assert(fc.property(
    fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 12 }),
    (x, y) => {
      const all = allDifferences(x, y);
      for (let k = 1; k <= all.length; k++) expect(kthDifference(sorted(x), sorted(y), k)).toBe(all[k - 1]);
    })));

  it('selects from matrices far larger than it sorts, exactly (300 × 200 = 60,000 differences of doubles)', () => fc.assert(fc.property(
    fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 300, maxLength: 300 }),
    fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 200, maxLength: 200 }),
    fc.integer({ min: 1, max: 60_000 }),
    (x, y, k) => expect(kthDifference(sorted(x), sorted(y), k)).toBe(allDifferences(x, y)[k - 1]),
  ), { numRuns: 20 }));

  it('takes the median of an even number of differences as the mean of the middle two', () => {
    expect(medianDifference(sorted([1, 2]), sorted([0, 10]))).toBe((-8 + 1) / 2 + 0);
    expect(medianDifference(sorted([5]), sorted([1, 2, 3]))).toBe(3);
  });
});
