/**
 * Properties of compareVariants (fast-check), and its error rates measured by seeded simulation: a
 * candidate drawn from the same distribution as its baseline fails at about α = 1 − confidenceLevel
 * (and less when the margin is above 0), and at the sample size the estimate asks for, a candidate
 * worse by the margin fails, and one no worse passes, with about the configured power.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { compareVariants, type Comparison, type ComparisonInput, type ComparisonSpec } from './compare.ts';
import { normalCdf } from './normal.ts';
import { noetherSampleSize, twoProportionSampleSize } from './sample-size.ts';
import type { MetricDirection } from './types.ts';

const compare = (input: ComparisonInput, spec: ComparisonSpec): Comparison => {
  const r = compareVariants(input, spec);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

const FLIP: Record<MetricDirection, MetricDirection> = { higherIsWorse: 'lowerIsWorse', lowerIsWorse: 'higherIsWorse', either: 'either' };
const direction = fc.constantFrom<MetricDirection>('higherIsWorse', 'lowerIsWorse', 'either');
/** Interval samples with ties (a quarter-step grid) and without (any double). */
const sample = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 40 }).map((v) => v / 4), { minLength: 1, maxLength: 40 }),
  fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 1, maxLength: 40 }),
);
const counts = fc.integer({ min: 1, max: 5000 }).chain((total) => fc.integer({ min: 0, max: total }).map((events) => ({ events, total })));
const margin = fc.double({ min: 0, max: 2, noNaN: true });
const level = fc.constantFrom(0.9, 0.95, 0.99);
const input = fc.oneof(
  fc.record({ kind: fc.constant('samples' as const), candidate: sample, baseline: sample }),
  fc.record({ kind: fc.constant('counts' as const), candidate: counts, baseline: counts }),
);
const swap = (i: ComparisonInput): ComparisonInput => (i.kind === 'samples'
  ? { kind: 'samples', candidate: i.baseline, baseline: i.candidate }
  : { kind: 'counts', candidate: i.baseline, baseline: i.candidate });

describe('properties', () => {
  it('swapping the sides flips the direction: A against B where higher is worse is B against A where lower is worse', () => fc.assert(fc.property(
    input, direction, margin, level, (data, dir, absolute, confidenceLevel) => {
      const spec = (d: MetricDirection): ComparisonSpec => ({ direction: d, minimumEffect: { absolute }, confidenceLevel, minSamples: 3 });
      const ab = compare(data, spec(dir));
      const ba = compare(swap(data), spec(FLIP[dir]));
      expect(ba.verdict).toBe(ab.verdict);
      expect(ba.reason).toBe(ab.reason);
      expect(ba.pValue).toBeCloseTo(ab.pValue ?? Number.NaN, 12);
      expect((ba.difference?.estimate ?? 0) + 0).toBeCloseTo(-(ab.difference?.estimate ?? 0), 12);
      expect(ba.difference?.lower).toBeCloseTo(-(ab.difference?.upper ?? 0), 12);
    })));

  it('p lies in [0, 1]; a Pass has minSamples on both sides and its interval within the margin; a Fail has p < α', () => fc.assert(fc.property(
    input, direction, margin, level, fc.integer({ min: 1, max: 20 }), (data, dir, absolute, confidenceLevel, minSamples) => {
      const c = compare(data, { direction: dir, minimumEffect: { absolute }, confidenceLevel, minSamples });
      if (c.pValue !== undefined) {
        expect(c.pValue).toBeGreaterThanOrEqual(0);
        expect(c.pValue).toBeLessThanOrEqual(1);
      }
      if (c.difference) {
        expect(c.difference.lower).toBeLessThanOrEqual(c.difference.estimate);
        expect(c.difference.upper).toBeGreaterThanOrEqual(c.difference.estimate);
      }
      if (c.verdict === 'Pass') {
        expect(Math.min(c.candidate.n, c.baseline.n)).toBeGreaterThanOrEqual(minSamples);
        const { lower, upper } = c.difference ?? { lower: -Infinity, upper: Infinity };
        if (dir !== 'lowerIsWorse') expect(upper).toBeLessThanOrEqual(absolute);
        if (dir !== 'higherIsWorse') expect(-lower).toBeLessThanOrEqual(absolute);
      }
      if (c.verdict === 'Fail') expect(c.pValue).toBeLessThan(1 - confidenceLevel);
    })));

  it('shifting the candidate far enough above baseline eventually fails it, and far enough below passes it, where higher is worse', () => fc.assert(fc.property(
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 10, maxLength: 40 }), margin, (baseline, absolute) => {
      const spec: ComparisonSpec = { direction: 'higherIsWorse', minimumEffect: { absolute } };
      const far = 1 + 3 * absolute; // past the whole range, and past the margin
      expect(compare({ kind: 'samples', candidate: baseline.map((v) => v + far), baseline }, spec).verdict).toBe('Fail');
      expect(compare({ kind: 'samples', candidate: baseline.map((v) => v - far), baseline }, spec).verdict).toBe('Pass');
    })));
});

/** Seeded draws: mulberry32, normals by Box–Muller, binomials by counting. */
function generator(seed: number) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return {
    normals: (n: number, mean = 0) => Array.from({ length: n }, () => mean + normal()),
    exponentials: (n: number) => Array.from({ length: n }, () => -Math.log(uniform())),
    binomial: (n: number, p: number) => { let k = 0; for (let i = 0; i < n; i++) if (uniform() < p) k++; return { events: k, total: n }; },
  };
}

/** The share of `runs` simulated comparisons that end in `verdict`. */
function rate(runs: number, seed: number, verdict: Comparison['verdict'], draw: (g: ReturnType<typeof generator>) => ComparisonInput, spec: ComparisonSpec): number {
  const g = generator(seed);
  let hits = 0;
  for (let i = 0; i < runs; i++) if (compare(draw(g), spec).verdict === verdict) hits++;
  return hits / runs;
}

const RUNS = 1000;
const POWER_RUNS = 600;

describe('error rates by seeded simulation', () => {
  // 1,000 runs: the standard error of a rate near 0.05 is 0.007; the band is three of them (minus a little
  // below: the exact test of a discrete statistic is a little conservative).
  it.each<[string, MetricDirection, number, (g: ReturnType<typeof generator>) => ComparisonInput]>([
    ['latency, normal, 30 per side (exact test)', 'higherIsWorse', 0.95, (g) => ({ kind: 'samples', candidate: g.normals(30), baseline: g.normals(30) })],
    ['latency, skewed, 60 per side (normal approximation)', 'higherIsWorse', 0.95, (g) => ({ kind: 'samples', candidate: g.exponentials(60), baseline: g.exponentials(60) })],
    ['accuracy counts, 90% of 400 each', 'lowerIsWorse', 0.95, (g) => ({ kind: 'counts', candidate: g.binomial(400, 0.9), baseline: g.binomial(400, 0.9) })],
    ['either direction, normal, 30 per side', 'either', 0.95, (g) => ({ kind: 'samples', candidate: g.normals(30), baseline: g.normals(30) })],
    ['error counts at confidence 0.99', 'higherIsWorse', 0.99, (g) => ({ kind: 'counts', candidate: g.binomial(1000, 0.05), baseline: g.binomial(1000, 0.05) })],
  ])('%s: a candidate like its baseline fails at about 1 − confidence', (_what, dir, confidenceLevel, draw) => {
    const alpha = 1 - confidenceLevel;
    const failed = rate(RUNS, 1234, 'Fail', draw, { direction: dir, minimumEffect: { absolute: 0 }, confidenceLevel });
    expect(failed).toBeGreaterThan(alpha - 3 * Math.sqrt((alpha * (1 - alpha)) / RUNS) - 0.005);
    expect(failed).toBeLessThan(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / RUNS));
  });

  it('fails a candidate like its baseline no more often when the margin is above 0', () => {
    const failed = rate(RUNS, 99, 'Fail', (g) => ({ kind: 'samples', candidate: g.normals(30), baseline: g.normals(30) }),
      { direction: 'higherIsWorse', minimumEffect: { absolute: 0.3 } });
    expect(failed).toBeLessThan(0.05 + 3 * Math.sqrt((0.05 * 0.95) / RUNS));
  });

  describe('at the sample size it asks for, each error is at most about 1 − power', () => {
    // 600 runs: the standard error of a rate near 0.8 is 0.016. The formulas are normal approximations, and
    // Fleiss's sizes the test for the larger variance of the worse proportion, so a pass comes a little more often.
    const atLeastPower = (r: number) => { expect(r).toBeGreaterThan(0.74); expect(r).toBeLessThan(0.92); };
    const spec: ComparisonSpec = { direction: 'higherIsWorse', minimumEffect: { absolute: 0.5 }, power: 0.8 };
    const n = Math.ceil(noetherSampleSize(normalCdf(0.5 / Math.SQRT2), { alpha: 0.05, power: 0.8, sided: 1 }) / 2);

    it(`Noether: ${n} normal samples per side fail a candidate worse by the margin (0.5 σ) with probability about 0.8 or more`, () =>
      atLeastPower(rate(POWER_RUNS, 5, 'Fail', (g) => ({ kind: 'samples', candidate: g.normals(n, 0.5), baseline: g.normals(n) }), spec)));

    it(`Noether: and pass a candidate no worse with probability about 0.8 or more`, () =>
      atLeastPower(rate(POWER_RUNS, 6, 'Pass', (g) => ({ kind: 'samples', candidate: g.normals(n), baseline: g.normals(n) }), spec)));

    const errors: ComparisonSpec = { direction: 'higherIsWorse', minimumEffect: { absolute: 0.05 }, power: 0.8 };
    const trials = Math.ceil(twoProportionSampleSize(0.15, 0.1, { alpha: 0.05, power: 0.8, sided: 1 }));

    it(`Fleiss: ${trials} trials per side fail 15% errors against 10% with probability about 0.8 or more`, () =>
      atLeastPower(rate(POWER_RUNS, 7, 'Fail', (g) => ({ kind: 'counts', candidate: g.binomial(trials, 0.15), baseline: g.binomial(trials, 0.1) }), errors)));

    it(`Fleiss: and pass 10% against 10% with probability about 0.8 or more`, () =>
      atLeastPower(rate(POWER_RUNS, 8, 'Pass', (g) => ({ kind: 'counts', candidate: g.binomial(trials, 0.1), baseline: g.binomial(trials, 0.1) }), errors)));
  });
});
