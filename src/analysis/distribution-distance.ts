/**
 * Distances between two distributions given as Prometheus histograms (cumulative bucket counts at
 * ascending upper bounds `le`, the last one +Inf), as pure functions: the Wasserstein-1 (earth mover's)
 * distance that the `activationDrift` built-in computes in PromQL (this is its definition and the
 * oracle its query is tested against), and the Jensen–Shannon divergence of the bucket masses, for
 * comparison (docs/analysis.md says why the built-in uses Wasserstein-1).
 *
 * Both treat a histogram as what it knows: the probability mass of each bucket. Wasserstein-1 places a
 * bucket's mass at its upper bound (the mass above the largest finite bound at that bound), so for two
 * histograms with the same bounds it is exact for those discretized distributions:
 *
 *   W1(P, Q) = ∫ |F_P(x) − F_Q(x)| dx = Σ_{i=1}^{k−1} |F_P(b_i) − F_Q(b_i)| · (b_{i+1} − b_i)
 *
 * over the finite bounds b_1 < … < b_k (Vallender 1974, "Calculation of the Wasserstein distance between
 * probability distributions on the line", Theory Probab. Appl. 18(4):784–786: on the real line W1 is the
 * L1 distance between the distribution functions). Its unit is the unit of the observed values
 * (here: activation output), so 0.2 means "mass moved 0.2 on average".
 *
 *   JS(P, Q) = ½ KL(P ‖ M) + ½ KL(Q ‖ M),  M = ½ (P + Q),  KL(P ‖ M) = Σ p_i ln(p_i / m_i)
 *
 * over the bucket masses, in nats, between 0 and ln 2 (Lin 1991, "Divergence measures based on the
 * Shannon entropy", IEEE Trans. Inf. Theory 37(1):145–151), with 0 · ln 0 = 0.
 */

/** One histogram: cumulative counts at ascending upper bounds, the last bound +Infinity. */
export interface CumulativeHistogram {
  /** Upper bounds `le`, strictly ascending, ending with +Infinity. */
  bounds: readonly number[];
  /** Cumulative counts, one per bound, non-decreasing; the last is the total. */
  counts: readonly number[];
}

export type DistanceError =
  | { code: 'MismatchedBounds'; message: string }
  | { code: 'InvalidHistogram'; message: string }
  | { code: 'EmptyHistogram'; message: string };

export type DistanceResult = { ok: true; value: number } | { ok: false; error: DistanceError };

/** The CDF at each bound (counts / total), or why the histogram cannot be used. */
function cdf(h: CumulativeHistogram, which: string): { ok: true; value: number[] } | { ok: false; error: DistanceError } {
  const { bounds, counts } = h;
  if (bounds.length !== counts.length || bounds.length < 2 || bounds.at(-1) !== Infinity) {
    return { ok: false, error: { code: 'InvalidHistogram', message: `${which} histogram needs one count per bound, at least two bounds, and +Inf as the last bound` } };
  }
  for (let i = 0; i < bounds.length; i++) {
    if (Number.isNaN(bounds[i]!) || (i > 0 && !(bounds[i]! > bounds[i - 1]!))) {
      return { ok: false, error: { code: 'InvalidHistogram', message: `${which} histogram's bounds must be strictly ascending (bound ${i} is ${bounds[i]})` } };
    }
    if (!Number.isFinite(counts[i]!) || counts[i]! < 0 || (i > 0 && counts[i]! < counts[i - 1]!)) {
      return { ok: false, error: { code: 'InvalidHistogram', message: `${which} histogram's counts must be finite, non-negative and cumulative (count ${i} is ${counts[i]})` } };
    }
  }
  const total = counts.at(-1)!;
  if (total === 0) return { ok: false, error: { code: 'EmptyHistogram', message: `${which} histogram has no observations` } };
  return { ok: true, value: counts.map((c) => c / total) };
}

function bothCdfs(a: CumulativeHistogram, b: CumulativeHistogram) {
  if (a.bounds.length !== b.bounds.length || a.bounds.some((x, i) => x !== b.bounds[i])) {
    return { ok: false as const, error: { code: 'MismatchedBounds' as const, message: 'the two histograms have different bucket bounds; only histograms with the same bounds can be compared' } };
  }
  const fa = cdf(a, 'the first');
  if (!fa.ok) return fa;
  const fb = cdf(b, 'the second');
  if (!fb.ok) return fb;
  return { ok: true as const, fa: fa.value, fb: fb.value };
}

/** Wasserstein-1 distance between two histograms with the same bounds, in the unit of the bounds. */
export function wasserstein1(a: CumulativeHistogram, b: CumulativeHistogram): DistanceResult {
  const both = bothCdfs(a, b);
  if (!both.ok) return both;
  let sum = 0;
  for (let i = 0; i + 2 < a.bounds.length; i++) { // finite bounds b_i with a finite b_{i+1}
    sum += Math.abs(both.fa[i]! - both.fb[i]!) * (a.bounds[i + 1]! - a.bounds[i]!);
  }
  return { ok: true, value: sum };
}

/** Jensen–Shannon divergence (nats, 0 … ln 2) between the bucket masses of two histograms with the same bounds. */
export function jensenShannon(a: CumulativeHistogram, b: CumulativeHistogram): DistanceResult {
  const both = bothCdfs(a, b);
  if (!both.ok) return both;
  let sum = 0;
  for (let i = 0; i < a.bounds.length; i++) {
    const p = both.fa[i]! - (i > 0 ? both.fa[i - 1]! : 0);
    const q = both.fb[i]! - (i > 0 ? both.fb[i - 1]! : 0);
    const m = (p + q) / 2;
    if (p > 0) sum += 0.5 * p * Math.log(p / m);
    if (q > 0) sum += 0.5 * q * Math.log(q / m);
  }
  return { ok: true, value: Math.max(0, sum) };
}
