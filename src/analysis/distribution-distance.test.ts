import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { jensenShannon, wasserstein1, type CumulativeHistogram } from './distribution-distance.ts';

/** A histogram with integer bounds 0 … top and +Inf from samples that sit on those bounds (each with a weight). */
function onIntegers(values: number[], top: number, weights = values.map(() => 1)): CumulativeHistogram {
  const bounds = [...Array.from({ length: top + 1 }, (_, i) => i), Infinity];
  return { bounds, counts: bounds.map((b) => values.reduce((sum, v, i) => sum + (v <= b ? weights[i]! : 0), 0)) };
}
const value = (r: ReturnType<typeof wasserstein1>) => (r.ok ? r.value : Number.NaN);

describe('Wasserstein-1 distance from histogram buckets', () => {
  // SciPy's scipy.stats.wasserstein_distance documentation examples: ([0, 1, 3], [5, 6, 8]) → 5.0 and
  // ([0, 1], [0, 1], u_weights [3, 1], v_weights [2, 2]) → 0.25.
  it('reproduces SciPy\'s worked example: [0, 1, 3] against [5, 6, 8] is 5', () =>
    expect(value(wasserstein1(onIntegers([0, 1, 3], 8), onIntegers([5, 6, 8], 8)))).toBeCloseTo(5, 12));

  it('reproduces SciPy\'s weighted example: 0 and 1 weighted 3:1 against 2:2 is 0.25', () =>
    expect(value(wasserstein1(onIntegers([0, 1], 1, [3, 1]), onIntegers([0, 1], 1, [2, 2])))).toBeCloseTo(0.25, 12));

  it('is the distance a point mass moved, and the shift of a shifted distribution', () => {
    expect(value(wasserstein1(onIntegers([0], 2), onIntegers([2], 2)))).toBe(2);
    expect(value(wasserstein1(onIntegers([0, 1], 2), onIntegers([1, 2], 2)))).toBe(1);
  });

  it('weights each bucket by its width, and places mass above the largest finite bound at that bound', () => {
    const bounds = [-1, 0, 0.5, 10, Infinity];
    // All at -1 against all beyond 10 (counted at 10): 11 apart.
    expect(value(wasserstein1({ bounds, counts: [4, 4, 4, 4, 4] }, { bounds, counts: [0, 0, 0, 0, 4] }))).toBeCloseTo(11, 12);
    // Half the mass moved from (−1, 0] to (0, 0.5]: half of the 0.5-wide step.
    expect(value(wasserstein1({ bounds, counts: [0, 2, 2, 2, 2] }, { bounds, counts: [0, 1, 2, 2, 2] }))).toBeCloseTo(0.25, 12);
  });

  it('compares distributions, not counts: the same shape with ten times the observations is at distance 0', () =>
    expect(value(wasserstein1(onIntegers([0, 1, 1, 2], 2), { bounds: [0, 1, 2, Infinity], counts: [10, 30, 40, 40] }))).toBe(0));

  it('is a metric on histograms with the same bounds: zero to itself, symmetric, and within the range of the bounds', () => {
    const histogram = fc.array(fc.nat(50), { minLength: 6, maxLength: 6 }).filter((c) => c.some((x) => x > 0))
      .map((masses) => ({ bounds: [-3, -1, 0, 0.5, 2, Infinity], counts: masses.map((_, i) => masses.slice(0, i + 1).reduce((a, b) => a + b, 0)) }));
    fc.assert(fc.property(histogram, histogram, (p, q) => {
      expect(value(wasserstein1(p, p))).toBe(0);
      expect(value(wasserstein1(p, q))).toBeCloseTo(value(wasserstein1(q, p)), 12);
      expect(value(wasserstein1(p, q))).toBeLessThanOrEqual(5 + 1e-12);
    }));
  });

  it.each([
    ['different bounds', { bounds: [0, Infinity], counts: [1, 1] }, { bounds: [1, Infinity], counts: [1, 1] }, 'MismatchedBounds'],
    ['no observations', { bounds: [0, Infinity], counts: [0, 0] }, { bounds: [0, Infinity], counts: [1, 1] }, 'EmptyHistogram'],
    ['counts that are not cumulative', { bounds: [0, 1, Infinity], counts: [3, 2, 3] }, { bounds: [0, 1, Infinity], counts: [1, 1, 1] }, 'InvalidHistogram'],
    ['no +Inf bucket', { bounds: [0, 1], counts: [1, 1] }, { bounds: [0, 1], counts: [1, 1] }, 'InvalidHistogram'],
    ['a NaN count', { bounds: [0, Infinity], counts: [Number.NaN, 1] }, { bounds: [0, Infinity], counts: [1, 1] }, 'InvalidHistogram'],
  ])('refuses %s with a typed error', (_what, a, b, code) => {
    const result = wasserstein1(a, b);
    expect(!result.ok && result.error.code).toBe(code);
    expect(!result.ok && result.error.message).toMatch(/histogram/);
  });
});

describe('Jensen–Shannon divergence from histogram buckets', () => {
  // SciPy's scipy.spatial.distance.jensenshannon documentation: jensenshannon([1.0, 0.0], [0.5, 0.5])
  // = 0.46450140402245893, the square root of the divergence in nats.
  it('reproduces SciPy\'s worked example: (1, 0) against (0.5, 0.5) is 0.4645² nats', () => {
    const bounds = [0, Infinity];
    const js = jensenShannon({ bounds, counts: [2, 2] }, { bounds, counts: [1, 2] });
    expect(js.ok && Math.sqrt(js.value)).toBeCloseTo(0.46450140402245893, 12);
  });

  it('is 0 for the same distribution and ln 2 for disjoint ones', () => {
    expect(jensenShannon(onIntegers([0, 1], 2), onIntegers([0, 1], 2))).toEqual({ ok: true, value: 0 });
    const disjoint = jensenShannon(onIntegers([0], 2), onIntegers([2], 2));
    expect(disjoint.ok && disjoint.value).toBeCloseTo(Math.LN2, 12);
  });

  it('sees only bucket masses: moving mass one bucket or ten buckets away is the same divergence, where Wasserstein-1 grows', () => {
    const near = [onIntegers([0], 10), onIntegers([1], 10)] as const;
    const far = [onIntegers([0], 10), onIntegers([10], 10)] as const;
    expect(value(jensenShannon(...near))).toBeCloseTo(value(jensenShannon(...far)), 12);
    expect(value(wasserstein1(...far))).toBe(10 * value(wasserstein1(...near)));
  });
});
