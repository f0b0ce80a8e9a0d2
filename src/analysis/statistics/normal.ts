/**
 * The standard normal distribution: its CDF Φ, its upper tail Q = 1 − Φ and its quantile Φ⁻¹, to
 * about 14 significant digits (checked against R's pnorm and qnorm, themselves Cody's and Wichura's
 * algorithms, in normal.test.ts), with relative accuracy kept far into both tails.
 *
 * Written here rather than taken from npm. The registry candidates were weighed: `simple-statistics`
 * (7.12, well kept) reads Φ from a 4-digit table and inverts erf with a 3-digit closed form, too coarse
 * for p-values of 1e-7; `jstat` (1.9.6) ships no types and no ES module and is rarely released; the
 * `@stdlib/stats-base-dists-normal-{cdf,quantile}` packages are accurate and maintained but bring 157
 * packages (17 MB) for two functions. Two textbook methods, each a loop of a few lines without
 * magic coefficients, do as well:
 *
 * - Φ(x) for |x| < 3: Marsaglia's Taylor series, Φ(x) = ½ + φ(x)·(x + x³/3 + x⁵/(3·5) + …)
 *   (G. Marsaglia, "Evaluating the Normal Distribution", J. Statistical Software 11(4), 2004);
 * - Q(x) for x ≥ 3: Laplace's continued fraction for Mills' ratio,
 *   Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))) (Abramowitz & Stegun 1964, eq. 26.2.14), evaluated
 *   with the modified Lentz method (Press et al., Numerical Recipes, 3rd ed., §5.2);
 * - Φ⁻¹(p): the rational starting value of Abramowitz & Stegun eq. 26.2.23 (error < 4.5e-4), then
 *   Halley steps on the CDF above (cubic convergence: three steps reach machine precision).
 */

const LOG_SQRT_2PI = 0.9189385332046727; // ln √(2π)

/** The standard normal density φ(x). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x - LOG_SQRT_2PI);
}

/** Q(x) = P(Z > x) for x ≥ 3: Laplace's continued fraction (A&S 26.2.14) by modified Lentz. */
function upperTailFraction(x: number): number {
  const tiny = 1e-300;
  // Mills' ratio R = 1/(x + 1/(x + 2/(x + …))): b_0 = x, a_k = k, b_k = x.
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    d = x + k * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + k / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return normalPdf(x) / f;
}

/** Φ(x) − ½ for |x| < 3: Marsaglia's series, summed until it stops changing. */
function centralSeries(x: number): number {
  const q = x * x;
  let sum = x;
  let term = x;
  for (let i = 1; ; ) {
    i += 2;
    term *= q / i;
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return sum * normalPdf(x);
}

/** Φ(x) = P(Z ≤ x). NaN gives NaN; ±Infinity gives 1 or 0. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  if (x >= 3) return 1 - upperTailFraction(x);
  if (x <= -3) return upperTailFraction(-x);
  return 0.5 + centralSeries(x);
}

/** Q(x) = P(Z > x) = Φ(−x), accurate in relative terms for large x (where 1 − Φ(x) would round to 0). */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

/**
 * Φ⁻¹(p): the z with Φ(z) = p. p = 0 gives −Infinity, p = 1 gives +Infinity, p outside [0, 1] or NaN
 * gives NaN. Start: A&S 26.2.23, t = √(−2 ln q), z ≈ t − (c0 + c1 t + c2 t²)/(1 + d1 t + d2 t² + d3 t³)
 * with q = min(p, 1 − p); then Halley's method on Φ in the tail where q lies, so no digit is lost to
 * 1 − p.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  const lower = p < 0.5;
  const q = lower ? p : 1 - p; // the tail probability, in (0, 0.5)
  const t = Math.sqrt(-2 * Math.log(q));
  // z > 0 with Q(z) = q.
  let z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
  for (let i = 0; i < 4; i++) {
    const density = normalPdf(z);
    if (density === 0) break;
    // f(z) = Q(z) − q, f' = −φ, f'' = zφ: Halley's step z − f/f' · 1/(1 − f f''/(2 f'²)).
    const e = (normalSf(z) - q) / -density;
    const step = e / (1 + (z * e) / 2);
    z -= step;
    if (Math.abs(step) <= 1e-15 * Math.abs(z)) break;
  }
  return lower ? -z : z;
}
