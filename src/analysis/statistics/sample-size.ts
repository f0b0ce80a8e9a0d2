/**
 * How many samples a comparison needs to detect a given effect with a given power, and how long the
 * current traffic takes to bring them. Every formula is the normal approximation of its test:
 *
 * - Two proportions p1 vs p2, n2 = r·n1 (Fleiss, Tytun & Ury, "A simple approximation for calculating
 *   sample sizes for comparing independent proportions", Biometrics 36:343–346, 1980; Fleiss, Levin &
 *   Paik 2003, eqs. 4.14 and 4.19; for r = 1 it is R's power.prop.test):
 *     n1 = [z_α·√((r + 1)·p̄q̄) + z_β·√(r·p1q1 + p2q2)]² / (r·δ²),  p̄ = (p1 + r·p2)/(r + 1), δ = |p1 − p2|
 *   and with the continuity correction n1' = n1/4 · [1 + √(1 + 2(r + 1)/(n1·r·δ))]².
 * - Mann–Whitney (G. E. Noether, "Sample size determination for some common nonparametric tests",
 *   JASA 82(398):645–647, 1987), for the total N = m + n with a fraction c = m/N on the first side:
 *     N = (z_α + z_β)² / (12·c(1 − c)·(p − ½)²),  p = P(X > Y) + ½P(X = Y) under the alternative.
 *   Rearranged for any m and n: 1/m + 1/n ≤ 12(p − ½)²/(z_α + z_β)².
 *
 * z_α is z_{1−α} for a one-sided test and z_{1−α/2} for a two-sided one; z_β = z_{power}. The p of
 * Noether's formula for "a shift of δ" is estimated from a sample the way Happ, Bathke & Brunner do
 * ("Optimal sample size planning for the Wilcoxon-Mann-Whitney test", Statistics in Medicine
 * 38:363–375, 2019): the relative effect of the sample against a copy of itself shifted by δ.
 */
import { normalQuantile } from './normal.ts';

export interface PowerOptions {
  /** Significance level, in (0, 1); default 0.05. */
  alpha?: number;
  /** Probability of detecting the effect, in (0, 1); default 0.8. */
  power?: number;
  /** 1 for a one-sided test, 2 for a two-sided one; default 2. */
  sided?: 1 | 2;
}

/** z_α + z_β of the options: the distance, in standard errors, between H0 and the effect. */
function zs(options: PowerOptions): { zAlpha: number; zBeta: number } {
  const alpha = options.alpha ?? 0.05;
  const sided = options.sided ?? 2;
  return { zAlpha: normalQuantile(1 - alpha / sided), zBeta: normalQuantile(options.power ?? 0.8) };
}

/**
 * Samples of the first side (n1; the second has ratio·n1) for a two-proportion test to tell p1 from
 * p2 (Fleiss, Tytun & Ury 1980). Not rounded. Infinity when p1 = p2.
 */
export function twoProportionSampleSize(p1: number, p2: number, options: PowerOptions & { ratio?: number; continuityCorrection?: boolean } = {}): number {
  const r = options.ratio ?? 1;
  const delta = Math.abs(p1 - p2);
  if (delta === 0) return Infinity;
  const { zAlpha, zBeta } = zs(options);
  const pBar = (p1 + r * p2) / (r + 1);
  const root = zAlpha * Math.sqrt((r + 1) * pBar * (1 - pBar)) + zBeta * Math.sqrt(r * p1 * (1 - p1) + p2 * (1 - p2));
  const n = (root * root) / (r * delta * delta);
  if (!options.continuityCorrection) return n;
  const c = 1 + Math.sqrt(1 + (2 * (r + 1)) / (n * r * delta));
  return (n / 4) * c * c;
}

/**
 * Noether's (1987) total sample size N = m + n for the Mann–Whitney test to detect
 * p = P(X > Y) + ½P(X = Y), with `fraction` = m/N (default ½). Not rounded. Infinity when p = ½.
 */
export function noetherSampleSize(p: number, options: PowerOptions & { fraction?: number } = {}): number {
  const c = options.fraction ?? 0.5;
  const { zAlpha, zBeta } = zs(options);
  const effect = (p - 0.5) ** 2;
  return effect === 0 ? Infinity : (zAlpha + zBeta) ** 2 / (12 * c * (1 - c) * effect);
}

/**
 * The relative effect of `sample` shifted by `shift` against `sample` itself:
 * (1/n²) Σ_i Σ_j ([x_i + shift > x_j] + ½[x_i + shift = x_j]), the p of Noether's formula for a shift
 * of that size, estimated from prior data as Happ, Bathke & Brunner (2019) do. ½ for a shift of 0,
 * 1 − p(−shift) by symmetry. O(n log n). NaN for an empty sample.
 */
export function shiftedRelativeEffect(sample: readonly number[], shift: number): number {
  const n = sample.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(sample).sort();
  let score = 0;
  // For each x_i + shift: how many x_j lie below it (and how many equal it), by two pointers.
  let below = 0;
  let notAbove = 0;
  for (let i = 0; i < n; i++) {
    const v = (sorted[i] as number) + shift;
    while (below < n && (sorted[below] as number) < v) below++;
    while (notAbove < n && (sorted[notAbove] as number) <= v) notAbove++;
    score += below + (notAbove - below) / 2;
  }
  return score / (n * n);
}

/** More samples per side, and the time they take at the given rates. */
export interface AdditionalSamples {
  candidate: number;
  baseline: number;
  /** At `rates` (samples per second); absent without rates. Infinity when the rates can never get there. */
  seconds?: number;
}

/**
 * The fewest additional samples per side after which `meets(nCandidate, nBaseline)` holds, when the
 * sides grow in proportion to `rates` (samples per second; without rates, in proportion to the current
 * counts, or equally when a side has none). `meets` must be monotone: more samples never hurt.
 * Infinity when growth in that proportion never meets it (e.g. a side whose rate is 0).
 */
export function additionalSamples(
  meets: (nCandidate: number, nBaseline: number) => boolean,
  current: { candidate: number; baseline: number },
  rates?: { candidate: number; baseline: number },
): AdditionalSamples {
  const growth = rates ?? (current.candidate > 0 && current.baseline > 0 ? current : { candidate: 1, baseline: 1 });
  const fastest = Math.max(growth.candidate, growth.baseline);
  const at = (t: number) => meets(current.candidate + growth.candidate * t, current.baseline + growth.baseline * t);
  const seconds = (t: number) => (rates ? { seconds: t } : {});
  if (at(0)) return { candidate: 0, baseline: 0, ...seconds(0) };
  if (!(fastest > 0)) return { candidate: Infinity, baseline: Infinity, ...seconds(Infinity) };
  // Exponential search for a time that meets it, then bisection down to one sample of the faster side.
  let high = 1 / fastest;
  while (!at(high)) {
    high *= 2;
    if (high * fastest > 1e15) return { candidate: Infinity, baseline: Infinity, ...seconds(Infinity) };
  }
  let low = 0;
  while ((high - low) * fastest > 0.5) {
    const mid = (low + high) / 2;
    if (at(mid)) high = mid;
    else low = mid;
  }
  return { candidate: Math.ceil(growth.candidate * high), baseline: Math.ceil(growth.baseline * high), ...seconds(high) };
}
