/**
 * The Mann–Whitney U test (Wilcoxon rank-sum test) of two independent samples, with its effect sizes:
 * for SLIs sampled once per interval (latency quantiles, ratios), where no distribution can be assumed.
 *
 * - U = #{(i, j): x_i > y_j} + ½ #{x_i = y_j} (R's `W`; Mann & Whitney 1947). Under H0 (both samples
 *   from one distribution) E[U] = mn/2 and, with tie groups of sizes t, Var[U] =
 *   mn/12 · (N + 1 − Σ(t³ − t) / (N(N − 1))), N = m + n (the tie correction of Lehmann 1975,
 *   "Nonparametrics", eq. 1.46; Hollander, Wolfe & Chicken 2014, §4.1).
 * - p-value: exact when there are no ties and both samples are smaller than 50 (the exact
 *   distribution, mann-whitney-exact.ts), as R's wilcox.test decides; otherwise the normal
 *   approximation z = (U − mn/2 ∓ ½) / √Var[U] with a continuity correction of ½ toward the mean
 *   (on by default, as in R). Two-sided p = 2 · min(lower, upper tail), at most 1.
 * - Effect sizes: the probability of superiority U/(mn) = P(X > Y) + ½ P(X = Y) (McGraw & Wong 1992's
 *   common-language effect size; Vargha & Delaney's A), and the rank-biserial correlation
 *   r = 2U/(mn) − 1 in [−1, 1] (Glass 1965; Kerby 2014's simple difference formula), positive when x
 *   tends to be larger.
 * - The Hodges–Lehmann shift estimate (Hodges & Lehmann 1963): the median of the mn differences
 *   x_i − y_j, and the distribution-free confidence interval [D_(k), D_(mn+1−k)] of the ordered
 *   differences (Moses; Hollander, Wolfe & Chicken 2014, §4.3). Exact: k is R's qwilcox(α/2, m, n)
 *   and the achieved confidence 1 − 2·P(U ≤ k − 1) is reported. Normal: k = ⌊mn/2 − z_{1−α/2}·σ + ½⌋
 *   with the continuity correction (⌊…⌋ + 1 without), the order statistic at which the approximate
 *   test of a shift Δ inverts. σ is √Var[U] with the tie correction of the ties *within* each sample
 *   only: those persist in x − Δ vs y, while ties between the samples vanish for any Δ ≠ 0 (R's
 *   wilcox.test recomputes the ties at each Δ it tries; this is what it finds). So identical constant
 *   samples get the interval [0, 0] only when they are large enough for it. When no k ≥ 1 reaches the
 *   level (samples too small), the interval is (−∞, +∞): the data cannot bound the shift, and nothing
 *   downstream may read it as a bound.
 *
 * Errors (as values): EmptySample, NonFiniteSample, InvalidOption. O((m + n) log(m + n)) for the test,
 * O((m + n) log(mn)) expected for the interval; 10,000 per side takes milliseconds.
 */
import { checkFinite, checkOpenRange, fail, ok, type Result, type StatisticsError } from './errors.ts';
import { EXACT_MAX_PRODUCT, exactUDistribution } from './mann-whitney-exact.ts';
import { normalCdf, normalQuantile, normalSf } from './normal.ts';
import { kthDifference, medianDifference } from './pairwise-differences.ts';
import type { Alternative } from './types.ts';

export interface MannWhitneyOptions {
  /** Default 'two-sided'. */
  alternative?: Alternative;
  /** 'auto' (default): exact without ties when both samples are below 50, else normal. 'exact' without ties up to 49 × 49. */
  method?: 'auto' | 'exact' | 'normal';
  /** The normal approximation's ½ toward the mean (default true, as R). */
  continuityCorrection?: boolean;
  /** Two-sided level of the shift's interval, in (0, 1); default 0.95. */
  confidenceLevel?: number;
}

/** The Hodges–Lehmann estimate of the shift of x relative to y, in the samples' unit. */
export interface ShiftEstimate {
  /** Median of the pairwise differences x_i − y_j. */
  estimate: number;
  /** Bounds of the two-sided interval; ±Infinity when the samples are too small to bound it. */
  lower: number;
  upper: number;
  /** The level asked for. */
  confidenceLevel: number;
  /** Exact method: the level the chosen order statistics reach (≥ asked, 1 for an infinite interval); normal: the level asked. */
  achievedConfidence: number;
}

export interface MannWhitneyResult {
  /** Sample sizes of x and y. */
  m: number;
  n: number;
  /** U of x: pairs with x > y, ties counting ½. */
  u: number;
  /** Sum of x's ranks among all N (mid-ranks for ties) = U + m(m + 1)/2. */
  rankSum: number;
  /** √Var[U] under H0 with the tie correction (0 when every value is equal). */
  sd: number;
  /** Normal score of U (with the continuity correction if on); 0 when sd is 0. */
  z: number;
  pValue: number;
  method: 'exact' | 'normal';
  alternative: Alternative;
  /** Σ(t³ − t) over tie groups; 0 means no ties. */
  ties: number;
  /** U / (mn) = P(X > Y) + ½ P(X = Y). */
  probabilityOfSuperiority: number;
  /** 2U/(mn) − 1. */
  rankBiserial: number;
  shift: ShiftEstimate;
}

export function mannWhitneyU(x: readonly number[], y: readonly number[], options: MannWhitneyOptions = {}): Result<MannWhitneyResult, StatisticsError> {
  const alternative = options.alternative ?? 'two-sided';
  const confidenceLevel = options.confidenceLevel ?? 0.95;
  const correct = options.continuityCorrection ?? true;
  for (const [side, sample] of [['x', x], ['y', y]] as const) {
    if (sample.length === 0) return fail({ code: 'EmptySample', side, message: `${side} has no samples: a rank test needs at least one on each side` });
    const error = checkFinite(sample, side);
    if (error) return fail(error);
  }
  const levelError = checkOpenRange('confidenceLevel', confidenceLevel, 0, 1);
  if (levelError) return fail(levelError);

  const xs = Float64Array.from(x).sort();
  const ys = Float64Array.from(y).sort();
  const m = xs.length;
  const n = ys.length;
  const mn = m * n;
  const { u, ties } = countU(xs, ys);
  const N = m + n;
  const variance = (mn / 12) * (N + 1 - ties / (N * (N - 1) || 1));
  const sd = Math.sqrt(Math.max(0, variance));
  const useExact = ties === 0 && mn <= EXACT_MAX_PRODUCT && (options.method === 'exact' || ((options.method ?? 'auto') === 'auto' && m < 50 && n < 50));
  const exact = useExact ? exactUDistribution(m, n) : undefined;

  const centred = u - mn / 2;
  const correction = !correct ? 0 : alternative === 'two-sided' ? Math.sign(centred) * 0.5 : alternative === 'greater' ? 0.5 : -0.5;
  const z = sd > 0 ? (centred - correction) / sd : 0;
  let pValue: number;
  if (exact) {
    const lowerTail = exact.cdf(u);
    const upperTail = exact.sf(u);
    pValue = alternative === 'less' ? lowerTail : alternative === 'greater' ? upperTail : Math.min(1, 2 * Math.min(lowerTail, upperTail));
  } else if (sd === 0) {
    pValue = 1; // every value equal: U = mn/2 exactly, no evidence of any difference
  } else {
    pValue = alternative === 'less' ? normalCdf(z) : alternative === 'greater' ? normalSf(z) : Math.min(1, 2 * Math.min(normalCdf(z), normalSf(z)));
  }

  const shiftSd = Math.sqrt((mn / 12) * (N + 1 - (tiesWithin(xs) + tiesWithin(ys)) / (N * (N - 1) || 1)));
  const shift = shiftEstimate(xs, ys, confidenceLevel, exact, shiftSd, correct);
  return ok({
    m, n, u, rankSum: u + (m * (m + 1)) / 2, sd, z, pValue, method: exact ? 'exact' : 'normal', alternative, ties,
    probabilityOfSuperiority: u / mn, rankBiserial: (2 * u) / mn - 1, shift,
  });
}

/** U of x and Σ(t³ − t) over the tie groups of the pooled sample, by merging the two sorted samples. */
function countU(xs: Float64Array, ys: Float64Array): { u: number; ties: number } {
  const m = xs.length;
  const n = ys.length;
  let i = 0;
  let j = 0;
  let yBelow = 0;
  let u = 0;
  let ties = 0;
  while (i < m || j < n) {
    // The next value of the merged order (no Math.min or Infinity: global lookups are slow in a vm context).
    const v = j >= n || (i < m && (xs[i] as number) <= (ys[j] as number)) ? (xs[i] as number) : (ys[j] as number);
    let cx = 0;
    let cy = 0;
    while (i < m && xs[i] === v) { cx++; i++; }
    while (j < n && ys[j] === v) { cy++; j++; }
    u += cx * (yBelow + cy / 2);
    yBelow += cy;
    const t = cx + cy;
    ties += t * t * t - t;
  }
  return { u, ties };
}

/** Σ(t³ − t) over the runs of equal values of one sorted sample. */
function tiesWithin(sorted: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    const t = j - i;
    sum += t * t * t - t;
    i = j;
  }
  return sum;
}

/** The Hodges–Lehmann estimate and its interval (see the module comment for k). */
function shiftEstimate(xs: Float64Array, ys: Float64Array, level: number, exact: ReturnType<typeof exactUDistribution> | undefined, sd: number, correct: boolean): ShiftEstimate {
  const mn = xs.length * ys.length;
  const estimate = medianDifference(xs, ys);
  const alpha = 1 - level;
  let k: number;
  let achievedConfidence = level;
  if (exact) {
    k = exact.quantile(alpha / 2);
    if (k >= 1) achievedConfidence = 1 - 2 * exact.cdf(k - 1);
  } else {
    const reach = mn / 2 - normalQuantile(1 - alpha / 2) * sd;
    k = correct ? Math.floor(reach + 0.5) : Math.floor(reach) + 1;
  }
  if (k < 1) return { estimate, lower: -Infinity, upper: Infinity, confidenceLevel: level, achievedConfidence: 1 };
  k = Math.min(k, Math.floor((mn + 1) / 2)); // never past the middle: lower ≤ upper
  return { estimate, lower: kthDifference(xs, ys, k), upper: kthDifference(xs, ys, mn + 1 - k), confidenceLevel: level, achievedConfidence };
}
