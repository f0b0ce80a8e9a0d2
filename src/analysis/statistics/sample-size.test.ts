import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { additionalSamples, noetherSampleSize, shiftedRelativeEffect, twoProportionSampleSize } from './sample-size.ts';

describe('two proportions: Fleiss, Tytun & Ury (1980)', () => {
  it('reproduces R\'s power.prop.test(p1 = .50, p2 = .75, power = .90): n = 76.7 per group (its documented example)', () =>
    expect(twoProportionSampleSize(0.5, 0.75, { alpha: 0.05, power: 0.9 })).toBeCloseTo(76.7069301141077, 4)); // R solves by uniroot, to about 1e-6

  it('and its one-sided variant: n = 62.34 per group', () =>
    expect(twoProportionSampleSize(0.5, 0.75, { alpha: 0.05, power: 0.9, sided: 1 })).toBeCloseTo(62.3355114474162, 4));

  it('reproduces Zar (1999), Biostatistical Analysis, Example 24.26, with the continuity correction: n = 127.23 for 0.45 vs 0.25 at power 0.9', () =>
    expect(twoProportionSampleSize(0.45, 0.25, { alpha: 0.05, power: 0.9, continuityCorrection: true })).toBeCloseTo(127.2343, 3));

  it('and the same example with three times as many in the second group: n1 = 83.15 (n2 = 249.46)', () =>
    expect(twoProportionSampleSize(0.45, 0.25, { alpha: 0.05, power: 0.9, continuityCorrection: true, ratio: 3 })).toBeCloseTo(83.1527, 3));

  it('needs infinitely many samples to tell a proportion from itself', () => expect(twoProportionSampleSize(0.2, 0.2)).toBe(Infinity));

  it('needs more samples for a smaller difference, a higher power or a lower α', () => fc.assert(fc.property(
    fc.double({ min: 0.05, max: 0.5, noNaN: true }), fc.double({ min: 0.01, max: 0.2, noNaN: true }), (p, delta) => {
      const base = twoProportionSampleSize(p, p + delta);
      expect(twoProportionSampleSize(p, p + delta / 2)).toBeGreaterThan(base);
      expect(twoProportionSampleSize(p, p + delta, { power: 0.9 })).toBeGreaterThan(base);
      expect(twoProportionSampleSize(p, p + delta, { alpha: 0.01 })).toBeGreaterThan(base);
    })));
});

describe('Mann–Whitney: Noether (1987)', () => {
  it('reproduces the test of R\'s WMWssp package (Happ, Bathke & Brunner 2019): α = 0.05, power 0.8, equal groups, p = 0.349 → N = 114.74', () =>
    expect(noetherSampleSize(0.349, { alpha: 0.05, power: 0.8, fraction: 0.5 })).toBeCloseTo(114.74467, 4));

  it('estimates that p from Happ et al.\'s prior data shifted by −20, as R computes it: 59/169 = 0.3491', () => {
    const prior = [315, 375, 356, 374, 412, 418, 445, 403, 431, 410, 391, 475, 379];
    expect(shiftedRelativeEffect(prior, -20)).toBeCloseTo(0.349112426035503, 14);
  });

  it('needs 4/3 as many in total when a quarter of them, not half, are on one side: N ∝ 1/(c(1 − c))', () =>
    expect(noetherSampleSize(0.7, { fraction: 0.25 }) / noetherSampleSize(0.7)).toBeCloseTo(4 / 3, 12));

  it('needs infinitely many samples for p = ½ (no effect)', () => expect(noetherSampleSize(0.5)).toBe(Infinity));

  it('p is ½ for no shift, 1 − p(−δ) for −δ, and 1 for a shift past the sample\'s whole range', () => fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 60 }), (sample, shift) => {
      expect(shiftedRelativeEffect(sample, 0)).toBeCloseTo(0.5, 14);
      expect(shiftedRelativeEffect(sample, shift) + shiftedRelativeEffect(sample, -shift)).toBeCloseTo(1, 14);
      expect(shiftedRelativeEffect(sample, 51)).toBe(1);
    })));
});

describe('additional samples at the current rates', () => {
  /** Noether's condition for p = 0.75 at α = 0.05 two-sided, power 0.8: 1/m + 1/n ≤ 12(p − ½)²/(z_α + z_β)². */
  const limit = (12 * 0.25 ** 2) / (1.959963984540054 + 0.841621233572914) ** 2;
  const meets = (m: number, n: number) => 1 / m + 1 / n <= limit;

  it('asks for nothing when the samples already suffice', () =>
    expect(additionalSamples(meets, { candidate: 100, baseline: 100 }, { candidate: 1, baseline: 1 })).toEqual({ candidate: 0, baseline: 0, seconds: 0 }));

  it('grows both sides equally from nothing, to the equal-allocation size N/2 of Noether\'s formula', () => {
    const perSide = noetherSampleSize(0.75) / 2;
    expect(additionalSamples(meets, { candidate: 0, baseline: 0 })).toEqual({ candidate: Math.ceil(perSide), baseline: Math.ceil(perSide) });
  });

  it('grows at the rates, and says how long that takes: a canary at 1/20 of stable\'s traffic needs most of the time', () => {
    const more = additionalSamples(meets, { candidate: 5, baseline: 100 }, { candidate: 0.5, baseline: 10 });
    expect(meets(5 + more.candidate, 100 + more.baseline)).toBe(true);
    expect(meets(5 + more.candidate - 1, 100 + more.baseline - 20)).toBe(false);
    expect(more.seconds).toBeCloseTo(more.candidate / 0.5, 0);
  });

  it('never gets there when the side that lacks samples gets no traffic', () =>
    expect(additionalSamples(meets, { candidate: 2, baseline: 1000 }, { candidate: 0, baseline: 10 })).toEqual({ candidate: Infinity, baseline: Infinity, seconds: Infinity }));
});
