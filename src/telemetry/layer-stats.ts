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

/** Histogram state updated in bulk: counts[i] for values <= bounds[i] (and above bounds[i-1]), last slot +Inf. */
export interface BucketCounts {
  readonly bounds: Float64Array;
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
  const lastBound = bounds ? bounds.length : 0;
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
      let b = 0;
      while (b < lastBound && a > bounds[b]!) b++;
      counts[b] = counts[b]! + 1;
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
