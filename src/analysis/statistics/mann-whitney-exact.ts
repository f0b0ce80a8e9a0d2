/**
 * The exact null distribution of the Mann–Whitney U statistic for samples of m and n without ties.
 * Under H0 every choice of which m of the N = m + n ranks belong to the first sample is equally likely
 * (there are C(N, m)), and U = Σ (rank of the k-th smallest x − k) is the number of (x, y) pairs with
 * x > y. So the number of arrangements with U = u is the number of partitions of u into at most m
 * parts, each at most n (the coefficients of the Gaussian binomial [N choose m]_q; Mann & Whitney 1947,
 * whose Table I it reproduces). It is counted with additions only (no cancellation, so doubles stay
 * accurate even where the counts pass 2^53): over part sizes v = 0…n, ways[k][s] += ways[k − 1][s − v].
 * Cost O(m · n · mn); the tests use it for m, n < 50 (6 M additions at most), as R's wilcox.test does.
 */

/** Distribution of U for sizes m and n: `cdf(u)` = P(U ≤ u) for integer u, and its quantile. */
export interface ExactUDistribution {
  m: number;
  n: number;
  /** P(U ≤ u); 0 below 0, 1 at or above mn. */
  cdf(u: number): number;
  /** P(U ≥ u). */
  sf(u: number): number;
  /** The smallest integer u with P(U ≤ u) ≥ p (R's qwilcox). */
  quantile(p: number): number;
}

/** Largest m · n the exact distribution is built for (both samples below 50, as in R). */
export const EXACT_MAX_PRODUCT = 49 * 49;

/** Counts of U = 0 … mn over the C(m + n, m) arrangements, as doubles. */
function counts(m: number, n: number): Float64Array {
  const max = m * n;
  // ways[k][s]: multisets of k parts, each ≤ the current v, summing to s.
  const ways = Array.from({ length: m + 1 }, () => new Float64Array(max + 1));
  (ways[0] as Float64Array)[0] = 1;
  for (let v = 0; v <= n; v++) {
    for (let k = 1; k <= m; k++) {
      const to = ways[k] as Float64Array;
      const from = ways[k - 1] as Float64Array;
      // Ascending k lets a part of size v repeat: from[] already includes parts of size v.
      const top = Math.min(max, k * v);
      for (let s = v; s <= top; s++) to[s] = (to[s] as number) + (from[s - v] as number);
    }
  }
  return ways[m] as Float64Array;
}

/** The exact distribution of U for samples of m ≥ 1 and n ≥ 1 without ties. */
export function exactUDistribution(m: number, n: number): ExactUDistribution {
  const f = counts(m, n);
  const max = m * n;
  const cumulative = new Float64Array(max + 1);
  let total = 0;
  for (let u = 0; u <= max; u++) {
    total += f[u] as number;
    cumulative[u] = total;
  }
  const cdf = (u: number): number => {
    const k = Math.floor(u);
    if (k < 0) return 0;
    if (k >= max) return 1;
    return (cumulative[k] as number) / total;
  };
  return {
    m, n, cdf,
    // U and mn − U have the same distribution: P(U ≥ u) = P(U ≤ mn − u), without the rounding of 1 − cdf.
    sf: (u: number) => cdf(max - Math.ceil(u)),
    quantile: (p: number) => {
      const target = p - 10 * Number.EPSILON; // as R's qwilcox, so a p computed as a sum of the cdf is reached
      for (let u = 0; u < max; u++) if (cdf(u) >= target) return u;
      return max;
    },
  };
}
