import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { newcombeInterval, twoProportionTest, wilsonInterval, type TwoProportionResult } from './proportions.ts';
import type { Counts } from './types.ts';

const run = (a: Counts, b: Counts, options?: Parameters<typeof twoProportionTest>[2]): TwoProportionResult => {
  const r = twoProportionTest(a, b, options);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

/** Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., Table 2.3: the Physicians' Health Study. */
const PLACEBO = { events: 189, total: 11034 }; // myocardial infarctions
const ASPIRIN = { events: 104, total: 11037 };

describe('the two-proportion test against published worked examples', () => {
  it('Agresti (2007) §2.2: p̂1 = 0.0171, p̂2 = 0.0094, a difference of 0.0077 with Wald 95% interval (0.005, 0.011)', () => {
    const r = run(PLACEBO, ASPIRIN);
    expect(r.p1).toBeCloseTo(0.0171, 4);
    expect(r.p2).toBeCloseTo(0.0094, 4);
    expect(r.difference).toBeCloseTo(0.0077, 4);
    expect(r.waldInterval.lower).toBeCloseTo(0.005, 3);
    expect(r.waldInterval.upper).toBeCloseTo(0.011, 3);
    // R's prop.test(c(189, 104), c(11034, 11037), correct = FALSE) prints the same interval in full.
    expect(r.waldInterval).toEqual({ lower: expect.closeTo(0.00468775067504944, 15), upper: expect.closeTo(0.01072429727696012, 15) });
  });

  it('Agresti (2007) §2.2.4: relative risk 1.82, with Katz\'s log interval (1.433, 2.306)', () => {
    expect(run(PLACEBO, ASPIRIN).relativeRisk).toEqual({
      estimate: expect.closeTo(1.8178017944535074, 12), lower: expect.closeTo(1.43303090305056, 12), upper: expect.closeTo(2.30588423242245, 12),
    });
  });

  it('the same table with R\'s prop.test: X² = z² = 25.014, p = 5.692e-7; one-sided p = 2.846e-7', () => {
    const r = run(PLACEBO, ASPIRIN);
    expect(r.z * r.z).toBeCloseTo(25.01388396719, 9);
    expect(r.pValue).toBeCloseTo(5.69189697374e-7, 16);
    expect(run(PLACEBO, ASPIRIN, { alternative: 'greater' }).pValue).toBeCloseTo(2.84594848687042e-7, 16);
  });

  it('with Yates\' continuity correction, as prop.test\'s default: X² = 24.429, p = 7.710e-7', () => {
    const r = run(PLACEBO, ASPIRIN, { continuityCorrection: true });
    expect(r.z * r.z).toBeCloseTo(24.42905651523, 9);
    expect(r.pValue).toBeCloseTo(7.70970754751e-7, 16);
  });
});

describe('Newcombe\'s interval for a difference (Newcombe 1998, Statistics in Medicine 17:873, Table II, method 10)', () => {
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.8090],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
  ])('%d/%d − %d/%d: 95%% interval %d to %d', (x1, n1, x2, n2, lower, upper) => {
    const i = newcombeInterval({ events: x1, total: n1 }, { events: x2, total: n2 });
    expect(i.lower).toBeCloseTo(lower, 4);
    expect(i.upper).toBeCloseTo(upper, 4);
  });
});

describe('Wilson\'s interval for one proportion (Newcombe 1998, Statistics in Medicine 17:857, Table I, method 3)', () => {
  it.each([
    [81, 263, 0.2553, 0.3662], [15, 148, 0.0624, 0.1605], [0, 20, 0, 0.1611], [1, 29, 0.0061, 0.1718],
  ])('%d/%d: 95%% interval %d to %d', (x, n, lower, upper) => {
    const i = wilsonInterval(x, n);
    expect(i.lower).toBeCloseTo(lower, 4);
    expect(i.upper).toBeCloseTo(upper, 4);
  });
});

describe('zero counts and zero variance', () => {
  it('finds no difference between 0/100 and 0/100: z = 0, p = 1, an interval around 0, no relative risk', () => {
    const r = run({ events: 0, total: 100 }, { events: 0, total: 100 });
    expect(r).toMatchObject({ difference: 0, z: 0, pValue: 1 });
    expect(r.interval.lower).toBeCloseTo(-0.037, 3);
    expect(r.interval.upper).toBeCloseTo(0.037, 3);
    expect(r.waldInterval).toEqual({ lower: 0, upper: 0 }); // why the Wald interval is not the one decided on
    expect(r).not.toHaveProperty('relativeRisk');
  });

  it('finds no difference when every trial on both sides is an event', () =>
    expect(run({ events: 50, total: 50 }, { events: 80, total: 80 })).toMatchObject({ difference: 0, z: 0, pValue: 1 }));

  it('finds a clear difference between none and all: 0/100 vs 100/100 gives z = −14.1', () => {
    const r = run({ events: 0, total: 100 }, { events: 100, total: 100 });
    expect(r.z).toBeCloseTo(-Math.sqrt(200), 9);
    expect(r.pValue).toBeLessThan(1e-40);
    expect(r.interval.lower).toBeGreaterThan(-1.0000001);
  });

  it('never lets the continuity correction flip the sign of a tiny difference: 51/100 vs 50/100 corrects to 0', () => {
    const z = run({ events: 51, total: 100 }, { events: 50, total: 100 }, { continuityCorrection: true }).z;
    expect(z).toBeGreaterThanOrEqual(0);
    expect(z).toBeCloseTo(0, 12);
  });

  it('takes fractional counts, as Prometheus\' increase() extrapolates them', () =>
    expect(run({ events: 2.5, total: 99.7 }, { events: 1.2, total: 100.3 }).difference).toBeCloseTo(2.5 / 99.7 - 1.2 / 100.3, 15));
});

describe('refused input', () => {
  it.each([
    [{ events: 5, total: 4 }, { code: 'InvalidCount', side: 'first', field: 'events' }],
    [{ events: -1, total: 4 }, { code: 'InvalidCount', side: 'first', field: 'events' }],
    [{ events: 1, total: Number.NaN }, { code: 'InvalidCount', side: 'first', field: 'total' }],
    [{ events: 0, total: 0 }, { code: 'EmptySample', side: 'first' }],
  ])('refuses %j with a typed error', (counts, error) =>
    expect(twoProportionTest(counts, { events: 1, total: 10 })).toMatchObject({ ok: false, error }));

  it('says that events cannot outnumber the total', () => {
    const r = twoProportionTest({ events: 1, total: 10 }, { events: 12, total: 10 });
    expect(!r.ok && r.error.message).toBe('second has 12 events out of a total of 10: events cannot outnumber the total (cap them first)');
  });
});

describe('properties', () => {
  const counts = fc.integer({ min: 1, max: 500 }).chain((total) => fc.integer({ min: 0, max: total }).map((events) => ({ events, total })));

  it('swapping the sides mirrors the difference, z, the one-sided p-values and the interval', () => fc.assert(fc.property(counts, counts, (a, b) => {
    const ab = run(a, b);
    const ba = run(b, a);
    expect(ba.difference + 0).toBeCloseTo(-ab.difference, 14);
    expect(ba.z + 0).toBeCloseTo(-ab.z, 12);
    expect(ba.interval.lower).toBeCloseTo(-ab.interval.upper, 14);
    expect(run(b, a, { alternative: 'less' }).pValue).toBeCloseTo(run(a, b, { alternative: 'greater' }).pValue, 14);
  })));

  it('p lies in [0, 1] and Newcombe\'s interval holds the difference inside [−1, 1]', () => fc.assert(fc.property(
    counts, counts, fc.constantFrom<'two-sided' | 'greater' | 'less'>('two-sided', 'greater', 'less'), fc.boolean(), (a, b, alternative, continuityCorrection) => {
      const r = run(a, b, { alternative, continuityCorrection });
      expect(r.pValue).toBeGreaterThanOrEqual(0);
      expect(r.pValue).toBeLessThanOrEqual(1);
      expect(r.interval.lower).toBeGreaterThanOrEqual(-1);
      expect(r.interval.upper).toBeLessThanOrEqual(1);
      expect(r.interval.lower).toBeLessThanOrEqual(r.difference + 1e-12);
      expect(r.interval.upper).toBeGreaterThanOrEqual(r.difference - 1e-12);
    })));
});
