/**
 * The PromQL of the `activationDrift` built-in: the Wasserstein-1 distance between the canary's and
 * stable's activation-output histograms (`activation_value`, per layer), computed by Prometheus from
 * the cumulative buckets, and the largest over the layers; and of `activationDriftFromReference`, the
 * same distance between the role's live histogram and its reference histogram of the training data. It is exactly `wasserstein1()` of
 * distribution-distance.ts applied to the bucket counts increased over the window (the integration
 * test checks the two agree):
 *
 *   W1 = Σ_i |F_canary(b_i) − F_stable(b_i)| · (b_{i+1} − b_i)     F(b) = bucket{le=b} / count
 *
 * PromQL cannot read a number out of a label, so the widths b_{i+1} − b_i come in as a constant vector
 * keyed by `le` (one `label_replace(vector(w), "le", "b", "", "")` per bound), built here from the
 * buckets the server exports. Prometheus 3 writes `le` of classic histograms as floats ("1.0" where the
 * server wrote "1"), so a trailing ".0" is dropped before the widths are joined on: the same query
 * works on Prometheus 2 and 3.
 */
import { VALUE_BUCKETS } from '../telemetry/activation-telemetry.ts';

/** The role selector of the canary side (rendered per role, so stable's own value is 0). */
const SIDE = 'namespace="{{namespace}}",model="{{name}}",role="{{role}}",variant="{{variant}}"';
/** Stable's side: its variant is not a template variable, and stable serves one variant during a rollout. */
const STABLE = 'namespace="{{namespace}}",model="{{name}}",role="stable"';

/** `le` as the reference server writes it (JavaScript's shortest form: "-0.99", "1", "10"). */
const leText = (bound: number): string => String(bound);

/** The constant vector of bucket widths: le=b_i → b_{i+1} − b_i, for every finite bound but the last. */
export function bucketWidthsVector(bounds: readonly number[]): string {
  const sorted = [...bounds].sort((a, b) => a - b);
  if (sorted.length < 2 || sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) {
    throw new Error('bucketWidthsVector: need at least two finite, distinct bounds');
  }
  return sorted.slice(0, -1)
    .map((b, i) => `label_replace(vector(${Number((sorted[i + 1]! - b).toPrecision(12))}), "le", "${leText(b)}", "", "")`)
    .join(' or ');
}

/** The CDF of one side per (layer, le): cumulative bucket rate over the total rate. */
const cdf = (selector: string): string =>
  `sum by (layer, le) (rate(activation_value_bucket{${selector}}[{{window}}]))`
  + ` / on (layer) group_left () sum by (layer) (rate(activation_value_count{${selector}}[{{window}}]))`;

/** The CDF of the role's reference histogram: its counts as they are (they never change; summed over pods, which all export the same). */
const referenceCdf = `sum by (layer, le) (activation_reference_value_bucket{${SIDE}})`
  + ` / on (layer) group_left () sum by (layer) (activation_reference_value_count{${SIDE}})`;

/**
 * The largest per-layer Wasserstein-1 distance between this role's activation histograms and, by
 * `against`, stable's (`activationDrift`) or the role's own reference histogram of the training data
 * (`activationDriftFromReference`, src/telemetry/reference-histogram.ts).
 */
export function activationDriftQuery(against: 'stable' | 'reference' = 'stable', bounds: readonly number[] = VALUE_BUCKETS): string {
  const other = against === 'stable' ? cdf(STABLE) : referenceCdf;
  const gaps = `label_replace(abs((${cdf(SIDE)}) - on (layer, le) (${other})), "le", "$1", "le", "(.*)\\\\.0")`;
  return `max(sum by (layer) (${gaps} * on (le) group_left () (${bucketWidthsVector(bounds)})))`;
}

/** Units observed on the side with fewer (the canary's when it has fewer, else stable's). */
export function activationDriftSamplesQuery(): string {
  const units = (selector: string) => `sum(increase(activation_units_observed_total{${selector}}[{{window}}]))`;
  return `(${units(SIDE)} < ${units(STABLE)}) or ${units(STABLE)}`;
}
