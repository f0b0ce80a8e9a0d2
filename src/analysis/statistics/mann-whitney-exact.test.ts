import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { exactUDistribution } from './mann-whitney-exact.ts';

describe('the exact distribution of U', () => {
  it('reproduces Mann & Whitney (1947), Table I, for m = n = 4: P(U ≤ 0…4) = 1, 2, 4, 7, 12 out of 70', () => {
    const d = exactUDistribution(4, 4);
    expect([0, 1, 2, 3, 4].map((u) => d.cdf(u) * 70)).toEqual([1, 2, 4, 7, 12].map((c) => expect.closeTo(c, 12)));
  });

  it('reproduces R\'s pwilcox(0:6, 3, 5) and its frequencies 1 1 2 3 4 5 6 6 6 6 5 4 3 2 1 1 of C(8, 3) = 56', () => {
    const d = exactUDistribution(3, 5);
    const expected = [0.0178571428571429, 0.0357142857142857, 0.0714285714285714, 0.125, 0.1964285714285714, 0.2857142857142857, 0.3928571428571428];
    expect([0, 1, 2, 3, 4, 5, 6].map((u) => d.cdf(u))).toEqual(expected.map((p) => expect.closeTo(p, 14)));
    const frequencies = Array.from({ length: 16 }, (_, u) => Math.round((d.cdf(u) - d.cdf(u - 1)) * 56));
    expect(frequencies).toEqual([1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 5, 4, 3, 2, 1, 1]);
  });

  it('is a distribution: 0 below 0, 1 at mn, symmetric about mn/2, for every m, n up to 12', () => fc.assert(fc.property(
    fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (m, n) => {
      const d = exactUDistribution(m, n);
      expect(d.cdf(-1)).toBe(0);
      expect(d.cdf(m * n)).toBe(1);
      for (let u = 0; u <= m * n; u++) {
        expect(d.cdf(u)).toBeCloseTo(d.sf(m * n - u), 14);
        expect(d.cdf(u)).toBeGreaterThanOrEqual(d.cdf(u - 1));
      }
    })));

  it('keeps the smallest tail probabilities exact where the counts pass 2^53 (m = n = 49: P(U = 0) = 1/C(98, 49))', () => {
    const d = exactUDistribution(49, 49);
    // C(98, 49) = 25477612258980856902730428600 (about 2.5e28).
    expect(d.cdf(0) * 2.547761225898086e28).toBeCloseTo(1, 10);
    expect(d.sf(49 * 49) * 2.547761225898086e28).toBeCloseTo(1, 10);
  });

  it('has R\'s qwilcox as its quantile (the smallest u with P(U ≤ u) ≥ p)', () => {
    const d = exactUDistribution(3, 5);
    expect(d.quantile(0.025)).toBe(1);
    expect(d.quantile(0.0714285714285714)).toBe(2);
    expect(d.quantile(0.5)).toBe(7);
  });
});
