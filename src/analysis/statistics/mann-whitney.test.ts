import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { mannWhitneyU, type MannWhitneyResult } from './mann-whitney.ts';
import type { MannWhitneyOptions } from './mann-whitney.ts';

const run = (x: number[], y: number[], options?: MannWhitneyOptions): MannWhitneyResult => {
  const r = mannWhitneyU(x, y, options);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

/**
 * Hollander & Wolfe (1973), pp. 68–69: permeability constants of the human chorioamnion at term (x)
 * and at 12–26 weeks (y); also the example of R's ?wilcox.test, whose printed results are quoted.
 */
const TERM = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const EARLY = [1.15, 0.88, 0.90, 0.74, 1.21];

/** R's airquality data set (daily ozone, New York, 1973; Chambers et al. 1983), May and August without NA: the other example of ?wilcox.test. */
const OZONE_MAY = [41, 36, 12, 18, 28, 23, 19, 8, 7, 16, 11, 14, 18, 14, 34, 6, 30, 11, 1, 11, 4, 32, 23, 45, 115, 37];
const OZONE_AUGUST = [39, 9, 16, 78, 35, 66, 122, 89, 110, 44, 28, 65, 22, 59, 23, 31, 44, 21, 9, 45, 168, 73, 76, 118, 84, 85];

describe('Mann–Whitney U against published worked examples', () => {
  it('Hollander & Wolfe (1973) p. 69: W = 35, exact one-sided p = 0.1272 (R: 0.127206127206)', () => {
    const r = run(TERM, EARLY, { alternative: 'greater' });
    expect(r).toMatchObject({ u: 35, method: 'exact', rankSum: 90, ties: 0 });
    expect(r.pValue).toBeCloseTo(0.127206127206, 11);
  });

  it('Hollander & Wolfe (1973): the large-sample approximation without continuity correction gives p = 0.1103 (R: 0.11033568096)', () => {
    const r = run(TERM, EARLY, { alternative: 'greater', method: 'normal', continuityCorrection: false });
    expect(r.method).toBe('normal');
    expect(r.z).toBeCloseTo(1.224744871391589, 12); // (35 − 25) / √(50 · 16 / 12)
    expect(r.pValue).toBeCloseTo(0.11033568096, 10);
  });

  it('Hollander & Wolfe data, two-sided: Hodges–Lehmann shift 0.305, 95% interval [−0.15, 0.76], 90% interval [−0.08, 0.72], as R', () => {
    const r95 = run(TERM, EARLY);
    expect(r95.pValue).toBeCloseTo(0.254412254412254, 12);
    expect(r95.shift).toMatchObject({ estimate: expect.closeTo(0.305, 12), lower: expect.closeTo(-0.15, 12), upper: expect.closeTo(0.76, 12) });
    expect(r95.shift.achievedConfidence).toBeGreaterThanOrEqual(0.95);
    const r90 = run(TERM, EARLY, { confidenceLevel: 0.9 });
    expect(r90.shift).toMatchObject({ lower: expect.closeTo(-0.08, 12), upper: expect.closeTo(0.72, 12) });
  });

  it('rank-biserial 2U/mn − 1 = 0.4 and probability of superiority U/mn = 0.7 for the same data', () =>
    expect(run(TERM, EARLY)).toMatchObject({ rankBiserial: expect.closeTo(0.4, 12), probabilityOfSuperiority: expect.closeTo(0.7, 12) }));

  it('R\'s airquality example, with ties: W = 127.5, p = 0.0001208 (normal, tie and continuity corrected), shift −32 in [−53, −15]', () => {
    const r = run(OZONE_MAY, OZONE_AUGUST);
    expect(r).toMatchObject({ u: 127.5, method: 'normal' });
    expect(r.ties).toBeGreaterThan(0);
    expect(r.pValue).toBeCloseTo(0.000120807830768774, 14);
    // R finds the bounds by uniroot (-52.99999, -14.99998); they are these order statistics.
    expect(r.shift).toMatchObject({ estimate: -32, lower: -53, upper: -15 });
  });

  it('airquality without the continuity correction, and one-sided: p = 0.000116377 and 0.0000604 (R)', () => {
    expect(run(OZONE_MAY, OZONE_AUGUST, { continuityCorrection: false }).pValue).toBeCloseTo(0.000116377260043533, 14);
    expect(run(OZONE_MAY, OZONE_AUGUST, { alternative: 'less' }).pValue).toBeCloseTo(6.04039153843872e-5, 15);
  });
});

describe('Mann–Whitney U against R on larger samples', () => {
  // Generated in R: x <- round(sin(1:20 * 1.7) * 10 + 1:20 * 0.3, 3); y <- round(cos(1:25 * 2.3) * 10, 3).
  const x = Array.from({ length: 20 }, (_, i) => Math.round((Math.sin((i + 1) * 1.7) * 10 + (i + 1) * 0.3) * 1e3) / 1e3);
  const y = Array.from({ length: 25 }, (_, i) => Math.round(Math.cos((i + 1) * 2.3) * 10 * 1e3) / 1e3);

  it('20 vs 25 without ties, exact: W = 329, p = 0.07274, shift 3.7355 in [−0.413, 7.986]', () => {
    const r = run(x, y);
    expect(r).toMatchObject({ u: 329, method: 'exact' });
    expect(r.pValue).toBeCloseTo(0.0727413393342702, 14);
    expect(r.shift).toMatchObject({ estimate: expect.closeTo(3.7355, 12), lower: expect.closeTo(-0.413, 12), upper: expect.closeTo(7.986, 12) });
    expect(run(x, y, { alternative: 'less' }).pValue).toBeCloseTo(0.965456177007488, 14);
  });

  // x2 <- round(sin(1:60 * 1.7) * 10 + 2, 4); y2 <- round(cos(1:70 * 2.3) * 10, 4).
  const x2 = Array.from({ length: 60 }, (_, i) => Math.round((Math.sin((i + 1) * 1.7) * 10 + 2) * 1e4) / 1e4);
  const y2 = Array.from({ length: 70 }, (_, i) => Math.round(Math.cos((i + 1) * 2.3) * 10 * 1e4) / 1e4);

  it('60 vs 70, normal approximation: W = 2553, p = 0.03458; interval [0.2105, 4.4772] as R\'s uniroot, to its tolerance', () => {
    const r = run(x2, y2);
    expect(r).toMatchObject({ u: 2553, method: 'normal' });
    expect(r.pValue).toBeCloseTo(0.0345801933842888, 14);
    // R's uniroot stops within 1e-4 of the order statistic (0.2104 and 4.4772 here; their neighbours are ≥ 0.002 away).
    expect(r.shift.lower).toBeCloseTo(0.210465183429176, 3);
    expect(r.shift.upper).toBeCloseTo(4.47718274881358, 3);
    // R's estimate is where its corrected z crosses 0 (2.21208); the median of the differences is next to it.
    expect(r.shift.estimate).toBeCloseTo(2.21208445527541, 2);
  });

  it('60 vs 70 without the continuity correction: p = 0.03438, interval [0.2127, 4.4709] (R)', () => {
    const r = run(x2, y2, { continuityCorrection: false });
    expect(r.pValue).toBeCloseTo(0.0343809261073591, 14);
    expect(r.shift.lower).toBeCloseTo(0.212688338898488, 4);
    expect(r.shift.upper).toBeCloseTo(4.47090087373787, 4);
  });
});

describe('ties, zero variance and tiny samples', () => {
  it('finds no difference between identical constant samples: U = mn/2, z = 0, p = 1, shift 0 in [0, 0]', () =>
    expect(run(Array(10).fill(3), Array(10).fill(3))).toMatchObject({ u: 50, sd: 0, z: 0, pValue: 1, method: 'normal', shift: { estimate: 0, lower: 0, upper: 0 } }));

  it('does not bound the shift of identical constants too few to rule out any shift (3 and 2 samples): any shift would leave U = 0 or mn, which is not rare', () =>
    expect(run([3, 3, 3], [3, 3])).toMatchObject({ u: 3, pValue: 1, shift: { estimate: 0, lower: -Infinity, upper: Infinity } }));

  it('finds a clear difference between two different constants: 5 × 5 vs 5 × 7 gives p = 0.003977 (R), shift −2 in [−2, −2]', () => {
    const r = run([5, 5, 5, 5, 5], [7, 7, 7, 7, 7]);
    expect(r.pValue).toBeCloseTo(0.00397675170979, 12);
    expect(r.shift).toMatchObject({ estimate: -2, lower: -2, upper: -2 });
  });

  it('cannot bound the shift with two constants of two samples each: p = 0.1939 (R), interval (−∞, ∞)', () => {
    const r = run([5, 5], [7, 7]);
    expect(r.pValue).toBeCloseTo(0.193930852282, 11);
    expect(r.shift).toMatchObject({ estimate: -2, lower: -Infinity, upper: Infinity });
  });

  it('n = 1 on each side: exact p = 1, and an interval of (−∞, ∞) where R reports a 0% interval', () =>
    expect(run([1], [2])).toMatchObject({ u: 0, pValue: 1, method: 'exact', shift: { estimate: -1, lower: -Infinity, upper: Infinity, achievedConfidence: 1 } }));

  it('n = 1 vs 2 and 2 vs 2: the exact two-sided p-values 2/3 and 1/3', () => {
    expect(run([1], [2, 3]).pValue).toBeCloseTo(2 / 3, 14);
    expect(run([1, 2], [3, 4]).pValue).toBeCloseTo(1 / 3, 14);
  });

  it('counts a tie between the samples as half a pair and uses the normal approximation, as R does', () => {
    const r = run([1, 2, 3], [3, 4, 5], { method: 'exact' });
    expect(r).toMatchObject({ u: 0.5, method: 'normal', ties: 6 });
  });

  it('shrinks the variance of U by the tie correction: 1 − Σ(t³ − t)/(N³ − N)', () => {
    const untied = run([1, 2, 3, 4], [5, 6, 7, 8]).sd;
    const tied = run([1, 1, 3, 4], [5, 6, 7, 7]).sd;
    expect(tied / untied).toBeCloseTo(Math.sqrt(1 - 12 / (8 * 8 * 8 - 8)), 12);
  });
});

describe('refused input', () => {
  it.each([
    [[1, Number.NaN], [1], { code: 'NonFiniteSample', side: 'x', index: 1 }],
    [[1], [Infinity], { code: 'NonFiniteSample', side: 'y', index: 0 }],
    [[], [1], { code: 'EmptySample', side: 'x' }],
    [[1], [], { code: 'EmptySample', side: 'y' }],
  ])('refuses %j vs %j with a typed error', (x, y, error) => {
    const r = mannWhitneyU(x, y);
    expect(r).toMatchObject({ ok: false, error });
  });

  it('names the sample and what to do in the message', () => {
    const r = mannWhitneyU([0.1, Number.NaN], [0.2]);
    expect(!r.ok && r.error.message).toBe('x sample 1 is NaN: only finite numbers can be ranked; drop intervals without data (0/0) before judging');
  });

  it.each([0, 1, -0.5, Number.NaN])('refuses a confidence level of %d', (confidenceLevel) =>
    expect(mannWhitneyU([1], [2], { confidenceLevel })).toMatchObject({ ok: false, error: { code: 'InvalidOption', option: 'confidenceLevel' } }));
});

describe('properties', () => {
  const sample = fc.array(fc.integer({ min: 0, max: 20 }).map((v) => v / 4), { minLength: 1, maxLength: 30 });

  it('swapping the samples mirrors everything: U ↔ mn − U, the shift and rank-biserial change sign, the two-sided p stays', () => fc.assert(fc.property(sample, sample, (x, y) => {
    const a = run(x, y);
    const b = run(y, x);
    expect(b.u).toBeCloseTo(a.m * a.n - a.u, 9);
    expect(b.rankBiserial).toBeCloseTo(-a.rankBiserial, 12);
    expect(b.shift.estimate).toBeCloseTo(-a.shift.estimate, 12);
    expect(b.shift.lower + 0).toBe(-a.shift.upper + 0); // + 0: −0 and 0 are the same bound
    expect(b.pValue).toBeCloseTo(a.pValue, 12);
    expect(run(y, x, { alternative: 'less' }).pValue).toBeCloseTo(run(x, y, { alternative: 'greater' }).pValue, 12);
  })));

  it('p lies in [0, 1], the interval holds the estimate, and U is the count of pairs x > y plus half the ties', () => fc.assert(fc.property(
    sample, sample, fc.constantFrom<'two-sided' | 'greater' | 'less'>('two-sided', 'greater', 'less'), (x, y, alternative) => {
      const r = run(x, y, { alternative });
      expect(r.pValue).toBeGreaterThanOrEqual(0);
      expect(r.pValue).toBeLessThanOrEqual(1);
      expect(r.shift.lower).toBeLessThanOrEqual(r.shift.estimate);
      expect(r.shift.upper).toBeGreaterThanOrEqual(r.shift.estimate);
      const pairs = x.reduce((s, a) => s + y.reduce((t, b) => t + (a > b ? 1 : a === b ? 0.5 : 0), 0), 0);
      expect(r.u).toBe(pairs);
    })));

  it('the Hodges–Lehmann estimate is the median of all pairwise differences', () => fc.assert(fc.property(sample, sample, (x, y) => {
    const d = x.flatMap((a) => y.map((b) => a - b)).sort((p, q) => p - q);
    const mid = d.length >> 1;
    const median = d.length % 2 ? (d[mid] as number) : ((d[mid - 1] as number) + (d[mid] as number)) / 2;
    expect(run(x, y).shift.estimate).toBe(median);
  })));
});

describe('performance', () => {
  it('tests 10,000 samples per side, with the shift and its interval, without building the 10⁸ pairwise differences (under a second)', () => {
    let seed = 42;
    const random = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
    const latencies = (shift: number) => Array.from({ length: 10_000 }, () => 0.2 - 0.05 * Math.log(random()) + shift);
    const x = latencies(0.01);
    const y = latencies(0);
    const times: number[] = [];
    let r = run(x, y);
    for (let i = 0; i < 4; i++) { // the first run also compiles: the best of a few is the steady cost
      const started = performance.now();
      r = run(x, y);
      times.push(performance.now() - started);
    }
    const elapsed = Math.min(...times);
    expect(r.method).toBe('normal');
    expect(r.shift.estimate).toBeGreaterThan(0);
    // A guard against a quadratic algorithm (all 10⁸ pairwise differences take seconds), not a benchmark:
    // steady state is about 15–20 ms, and tests share two busy cores with the integration suite.
    expect(elapsed).toBeLessThan(1000);
  });
});
