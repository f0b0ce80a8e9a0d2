/**
 * The per-layer arithmetic of activation telemetry, as a pure function: one pass over a layer's
 * pre-activations and outputs counts units, saturated units (pre-activation in the activation's
 * saturation region), zero (dead) units (output exactly 0), NaN and infinite units, and adds the
 * finite outputs to histogram buckets. One loop, no allocation, so a sampled request stays cheap.
 */
import type { SaturationRegion } from './activations.ts';

export interface LayerTally {
  units: number;
  saturated: number;
  zero: number;
  /** Units whose pre-activation or output is NaN. */
  nan: number;
  /** Units whose pre-activation or output is ±Infinity (and neither is NaN). */
  inf: number;
}

/**
 * Histogram state updated in bulk: counts[i] for values <= bounds[i] (and above bounds[i-1]); the slot
 * after the last real bound is +Inf. `bounds` is padded with +Infinity to a power of two at least one
 * longer than the real bounds (see padBounds), which is what lets the search take fixed steps.
 */
export interface BucketCounts {
  readonly bounds: Float64Array;
  /** One more than the real bounds (the +Inf bucket); may be shorter than bounds. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * Tallies one layer. pre and post have one entry per unit (rows × units for a batch). Non-finite
 * outputs are counted as nan/inf and kept out of the histogram, whose sum must stay finite.
 */
export function tallyLayer(
  pre: ArrayLike<number>, post: ArrayLike<number>, region: SaturationRegion, buckets?: BucketCounts,
): LayerTally {
  const below = region.below ?? -Infinity;
  const above = region.above ?? Infinity;
  const hasBelow = region.below !== undefined;
  const hasAbove = region.above !== undefined;
  const bounds = buckets?.bounds;
  const counts = buckets?.counts;
  const searchSize = bounds ? bounds.length : 0;
  let saturated = 0;
  let zero = 0;
  let nan = 0;
  let inf = 0;
  let sum = 0;
  let observed = 0;
  const n = pre.length;
  for (let i = 0; i < n; i++) {
    const z = pre[i]!;
    const a = post[i]!;
    if ((hasBelow && z <= below) || (hasAbove && z >= above)) saturated++;
    if (a === 0) zero++;
    if (Number.isNaN(z) || Number.isNaN(a)) { nan++; continue; }
    if (!Number.isFinite(z) || !Number.isFinite(a)) { inf++; if (!Number.isFinite(a)) continue; }
    if (bounds && counts) {
      // Fixed-step binary search over the padded bounds: lo ends as the number of bounds below a, i.e.
      // the index of the first bound >= a. Cheaper than a linear scan, whose branches mispredict.
      let lo = 0;
      for (let step = searchSize >> 1; step > 0; step >>= 1) if (a > bounds[lo + step - 1]!) lo += step;
      counts[lo] = counts[lo]! + 1;
      sum += a;
      observed++;
    }
  }
  if (buckets) {
    buckets.sum += sum;
    buckets.count += observed;
  }
  return { units: n, saturated, zero, nan, inf };
}

/** Sorted bucket bounds padded with +Infinity to a power of two longer than them, for tallyLayer. */
export function padBounds(bounds: readonly number[]): Float64Array {
  let size = 1;
  while (size < bounds.length + 1) size *= 2;
  const padded = new Float64Array(size).fill(Infinity);
  padded.set([...bounds].sort((a, b) => a - b));
  return padded;
}
