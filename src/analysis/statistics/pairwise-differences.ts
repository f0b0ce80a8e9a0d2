/**
 * Order statistics of the m·n pairwise differences x_i − y_j without building them, for the
 * Hodges–Lehmann shift estimate and its confidence interval (10,000 per side is 10^8 differences).
 * With x and y sorted ascending, row i of the matrix D[i][j] = x_i − y_(n−1−j) is ascending in j and
 * each column ascending in i, so the number of differences ≤ t is found in O(m + n) with one pointer
 * that only moves left. Selection narrows per-row windows of that matrix (as Monahan's algorithm does
 * for the one-sample Hodges–Lehmann estimator: J. F. Monahan, "Fast computation of the
 * Hodges-Lehmann location estimator", ACM TOMS 10(3), 1984), with two pivots per round placed from a
 * random draw of the remaining candidates (Floyd & Rivest, "Expected time bounds for selection",
 * CACM 18(3), 1975), until few enough remain to sort: a handful of O(m + n) rounds. The draws come
 * from a fixed-seed generator, and the answer is the exact order statistic whatever they are.
 * Comparisons use the computed differences themselves, never a rearranged inequality, so rounding
 * cannot make a pivot miss itself.
 */

// Local names for Math's functions: in hot loops a global lookup costs, notably in a vm context (jest).
const { min, max, floor, ceil, sqrt, imul } = Math;

/** A small deterministic generator (mulberry32), only to pick pivots. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Few enough candidates left to collect and sort. */
const COLLECT_BELOW = 4096;
/** Candidates drawn per round to place the two pivots (Floyd & Rivest 1975). */
const DRAWS = 1024;

/**
 * The k-th smallest (1-based, 1 ≤ k ≤ m·n) of x_i − y_j, for `xs` and `ys` sorted ascending,
 * non-empty and finite.
 */
export function kthDifference(xs: Float64Array, ys: Float64Array, k: number): number {
  const m = xs.length;
  const n = ys.length;
  const lo = new Int32Array(m);
  const hi = new Int32Array(m).fill(n);
  const below = new Int32Array(m);
  const upTo = new Int32Array(m);
  const ends = new Float64Array(m);
  const draws = new Float64Array(DRAWS);
  const random = generator(0x5eed);
  let rank = k;
  let active = m * n;
  for (;;) {
    if (active <= COLLECT_BELOW) {
      const left = new Float64Array(active);
      let w = 0;
      for (let i = 0; i < m; i++) {
        const xi = xs[i] as number;
        for (let j = lo[i] as number; j < (hi[i] as number); j++) left[w++] = xi - (ys[n - 1 - j] as number);
      }
      left.sort();
      return left[rank - 1] as number;
    }
    // Floyd–Rivest: draw candidates uniformly, and take as pivots the draws just below and above where
    // the k-th should fall (±2.5 standard deviations of that position), so one round keeps a few
    // percent of the candidates and almost always the k-th among them.
    let total = 0;
    for (let i = 0; i < m; i++) { total += (hi[i] as number) - (lo[i] as number); ends[i] = total; }
    for (let d = 0; d < DRAWS; d++) {
      const r = floor(random() * total);
      let a = 0;
      let b = m - 1;
      while (a < b) { const mid = (a + b) >>> 1; if ((ends[mid] as number) > r) b = mid; else a = mid + 1; }
      const j = (lo[a] as number) + r - (a > 0 ? (ends[a - 1] as number) : 0);
      draws[d] = (xs[a] as number) - (ys[n - 1 - j] as number);
    }
    draws.sort();
    const q = rank / active;
    const spread = 2.5 * sqrt(DRAWS * q * (1 - q)) + 1;
    const low = draws[max(0, floor(q * DRAWS - spread))] as number;
    const high = draws[min(DRAWS - 1, ceil(q * DRAWS + spread))] as number;
    countBelow(xs, ys, low, below);
    countUpTo(xs, ys, high, upTo);
    let less = 0;
    let notMore = 0;
    for (let i = 0; i < m; i++) {
      const a = lo[i] as number;
      const b = hi[i] as number;
      below[i] = min(max(below[i] as number, a), b) - a;
      upTo[i] = min(max(upTo[i] as number, a), b) - a;
      less += below[i] as number;
      notMore += upTo[i] as number;
    }
    if (rank <= less) {
      // The k-th is below the low pivot (rare): keep what is below it.
      for (let i = 0; i < m; i++) hi[i] = (lo[i] as number) + (below[i] as number);
      active = less;
    } else if (rank > notMore) {
      // Above the high pivot (rare): keep what is above it.
      for (let i = 0; i < m; i++) lo[i] = (lo[i] as number) + (upTo[i] as number);
      rank -= notMore;
      active -= notMore;
    } else {
      // Between the pivots, both included (usual).
      if (low === high) return low;
      for (let i = 0; i < m; i++) {
        hi[i] = (lo[i] as number) + (upTo[i] as number);
        lo[i] = (lo[i] as number) + (below[i] as number);
      }
      rank -= less;
      active = notMore - less;
    }
  }
}

/*
 * Per row i, how many differences x_i − y_(n−1−j) are < t (countBelow) or ≤ t (countUpTo): a prefix of
 * the row, shorter row after row since values grow down each column, so one pointer serves all rows.
 */
function countBelow(xs: Float64Array, ys: Float64Array, t: number, out: Int32Array): void {
  const n = ys.length;
  let j = n;
  for (let i = 0; i < xs.length; i++) {
    const xi = xs[i] as number;
    while (j > 0 && !(xi - (ys[n - j] as number) < t)) j--;
    out[i] = j;
  }
}

function countUpTo(xs: Float64Array, ys: Float64Array, t: number, out: Int32Array): void {
  const n = ys.length;
  let j = n;
  for (let i = 0; i < xs.length; i++) {
    const xi = xs[i] as number;
    while (j > 0 && !(xi - (ys[n - j] as number) <= t)) j--;
    out[i] = j;
  }
}

/** The median of the m·n differences (the mean of the two middle ones when m·n is even). */
export function medianDifference(xs: Float64Array, ys: Float64Array): number {
  const total = xs.length * ys.length;
  const half = floor((total + 1) / 2);
  const lower = kthDifference(xs, ys, half);
  return total % 2 === 1 ? lower : (lower + kthDifference(xs, ys, half + 1)) / 2;
}
