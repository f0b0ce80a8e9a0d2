import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { normalCdf, normalPdf, normalQuantile, normalSf } from './normal.ts';

/** Relative difference, so tail values of 1e-24 are held to the same digits as 0.5. */
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('normalCdf', () => {
  // Reference: R 4.2.2 pnorm (Cody's algorithm 715, ACM TOMS 1993), printed with digits = 15.
  it.each([
    [1.96, 0.975002104851780], [-1, 0.158655253931457], [-3, 1.34989803163009e-3], [-5, 2.86651571879194e-7],
    [-10, 7.61985302416053e-24], [-37.5, 4.60535300958196e-308], [0.5, 0.691462461274013], [-0.1, 0.460172162722971],
  ])('Φ(%d) is %d to 13 digits, as R\'s pnorm', (x, expected) => expect(rel(normalCdf(x), expected)).toBeLessThan(1e-13));

  it('is continuous where the series hands over to the continued fraction (|x| = 3): the step across is 2h·φ(3)', () => {
    const h = 1e-4; // small enough that the curvature adds 1e-8, large enough that rounding near 1 stays below it
    for (const x of [-3, 3]) expect(rel(normalCdf(x + h) - normalCdf(x - h), 2 * h * normalPdf(3))).toBeLessThan(1e-7);
  });

  it('keeps relative accuracy in the upper tail through normalSf, where 1 − Φ would round to 0', () => {
    expect(1 - normalCdf(10)).toBe(0);
    expect(rel(normalSf(10), 7.61985302416053e-24)).toBeLessThan(1e-13);
  });

  it('gives 0 and 1 at the infinities and NaN for NaN', () => {
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(Number.NaN)).toBeNaN();
  });

  it('is symmetric, Φ(−x) = 1 − Φ(x), and increasing', () => fc.assert(fc.property(
    fc.double({ min: -8, max: 8, noNaN: true }), fc.double({ min: 1e-6, max: 1, noNaN: true }), (x, step) => {
      expect(Math.abs(normalCdf(-x) - (1 - normalCdf(x)))).toBeLessThan(1e-15);
      expect(normalCdf(x + step)).toBeGreaterThanOrEqual(normalCdf(x));
    })));

  it('has the density φ(0) = 1/√(2π)', () => expect(normalPdf(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15));
});

describe('normalQuantile', () => {
  // Reference: R 4.2.2 qnorm (Wichura's AS 241, Applied Statistics 1988), digits = 15.
  it.each([
    [0.975, 1.959963984540054], [0.95, 1.644853626951472], [0.8, 0.841621233572914], [0.99, 2.326347874040841],
    [0.995, 2.5758293035489], [1e-10, -6.361340902404056], [0.02425, -1.972961051311884], [1e-300, -37.0470962993612],
    [0.3, -0.524400512708041], [0.5, 0],
  ])('Φ⁻¹(%d) is %d, as R\'s qnorm', (p, expected) =>
    expect(Math.abs(normalQuantile(p) - expected)).toBeLessThanOrEqual(2e-14 * Math.max(1, Math.abs(expected))));

  it('gives ±Infinity at 0 and 1 and NaN outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    for (const p of [-0.1, 1.1, Number.NaN]) expect(normalQuantile(p)).toBeNaN();
  });

  it('inverts normalCdf across (0, 1)', () => fc.assert(fc.property(fc.double({ min: 1e-15, max: 1 - 1e-15, noNaN: true }), (p) => {
    const tail = Math.min(p, 1 - p);
    const z = normalQuantile(p);
    expect(rel(p < 0.5 ? normalCdf(z) : normalSf(z), tail)).toBeLessThan(1e-12);
  })));
});
