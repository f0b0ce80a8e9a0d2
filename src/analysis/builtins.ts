/**
 * The built-in SLIs for the reference model server's telemetry, and the default good/total event pair
 * of the burn-rate check. Every series the server exports carries the target labels `namespace`,
 * `model` (the ModelVariant's name), `role` (stable|canary), `variant` and `pod`; each query selects one
 * role of one ModelVariant and the variant that role serves (so series of an earlier, aborted canary
 * variant still inside the window are not mixed in), and aggregates the pods to one number.
 * Counters of bad events that carry an extra label (`code`, `layer`) have no series until the first
 * event, so their sums fall back to `vector(0)`; denominators never do, so a role without traffic
 * stays "no data". The metric names are documented in docs/metrics.md.
 *
 * Three built-ins compare the role with stable inside one query (activationDrift, quantizationDelta) or
 * need no comparison (calibrationError): rendered for stable they give stable against itself, so judge
 * them with `max`, not a ratio to stable. The other servers' profiles (Triton, dcgm-exporter) are in
 * profiles.ts.
 */
import { activationDriftQuery, activationDriftSamplesQuery } from './activation-drift-query.ts';


/** Which way an SLI gets worse; it decides which ratio to stable cannot be judged when stable is 0. */
export type Direction = 'higherIsWorse' | 'lowerIsWorse';

export interface BuiltinSli {
  /** PromQL template of the SLI's value over `{{window}}`. */
  query: string;
  /** PromQL template counting the samples behind the value over `{{window}}`. */
  samplesQuery: string;
  /** What a sample is, for messages ("requests", "units"). */
  samplesUnit: string;
  /** Below this many samples the SLI is Inconclusive unless the spec sets minSamples. */
  minSamples: number;
  direction: Direction;
  /** `activation`: in the unit of the activation outputs (a distance between their distributions). */
  unit: 'ratio' | 'seconds' | 'bytes' | 'activation';
  /**
   * True when the query also selects stable's side and compares the two itself (activationDrift,
   * quantizationDelta): rendered for stable it gives stable against itself, so judge it with `max`.
   */
  comparesWithStable?: true;
  /**
   * False when the query is outside the grammar batch-query.ts batches (another role's selector, joins
   * `on` layer and `le`, label_replace): it is sent per ModelVariant, one query each.
   */
  batches?: false;
  description: string;
}

/** The label matchers selecting one role of one ModelVariant. */
export const ROLE_SELECTOR = 'namespace="{{namespace}}",model="{{name}}",role="{{role}}",variant="{{variant}}"';

/** Stable's side of a comparison inside one query (its variant is not a template variable; it serves one during a rollout). */
const STABLE_SELECTOR = 'namespace="{{namespace}}",model="{{name}}",role="stable"';

const sel = (metric: string, extra = '', selector = ROLE_SELECTOR): string => `${metric}{${selector}${extra}}[{{window}}]`;
const sumRate = (metric: string, extra = '', selector = ROLE_SELECTOR): string => `sum(rate(${sel(metric, extra, selector)}))`;
const sumIncrease = (metric: string, extra = '', selector = ROLE_SELECTOR): string => `sum(increase(${sel(metric, extra, selector)}))`;
/** The smaller of two one-element vectors (the left one when it is smaller, else the right one). */
const smaller = (a: string, b: string): string => `(${a} < ${b}) or ${b}`;
const accuracyOf = (selector: string): string =>
  `${sumRate('inference_correct_predictions_total', '', selector)} / ${sumRate('inference_labelled_predictions_total', '', selector)}`;
/** A ratio of bad events to all events; no bad-event series yet means 0 bad events. */
const badRatio = (bad: string, all: string, extra = ''): string => `(${sumRate(bad, extra)} or vector(0)) / ${sumRate(all)}`;

export const BUILTIN_SLIS = {
  activationSaturation: {
    query: badRatio('activation_saturated_units_total', 'activation_units_observed_total'),
    samplesQuery: sumIncrease('activation_units_observed_total'),
    samplesUnit: 'units observed', minSamples: 1000, direction: 'higherIsWorse', unit: 'ratio',
    description: 'fraction of observed activation units in their saturated (flat) region',
  },
  deadUnits: {
    query: badRatio('activation_zero_units_total', 'activation_units_observed_total'),
    samplesQuery: sumIncrease('activation_units_observed_total'),
    samplesUnit: 'units observed', minSamples: 1000, direction: 'higherIsWorse', unit: 'ratio',
    description: 'fraction of observed activation units whose output is exactly zero',
  },
  nonFinite: {
    query: badRatio('inference_nonfinite_predictions_total', 'inference_predictions_total'),
    samplesQuery: sumIncrease('inference_predictions_total'),
    samplesUnit: 'predictions', minSamples: 100, direction: 'higherIsWorse', unit: 'ratio',
    description: 'fraction of predictions that are NaN or infinite',
  },
  latencyP95: {
    query: `histogram_quantile(0.95, sum by (le) (rate(${sel('inference_request_duration_seconds_bucket')})))`,
    samplesQuery: sumIncrease('inference_request_duration_seconds_count'),
    samplesUnit: 'requests', minSamples: 50, direction: 'higherIsWorse', unit: 'seconds',
    description: '95th percentile of request latency in seconds',
  },
  errorRate: {
    query: badRatio('inference_requests_total', 'inference_requests_total', ',code=~"5.."'),
    samplesQuery: sumIncrease('inference_requests_total'),
    samplesUnit: 'requests', minSamples: 100, direction: 'higherIsWorse', unit: 'ratio',
    description: 'fraction of requests answered with a 5xx status',
  },
  accuracy: {
    // No vector(0) fallback: a server that does not report correct predictions has no accuracy, not 0.
    query: accuracyOf(ROLE_SELECTOR),
    samplesQuery: sumIncrease('inference_labelled_predictions_total'),
    samplesUnit: 'labelled predictions', minSamples: 100, direction: 'lowerIsWorse', unit: 'ratio',
    description: 'fraction of labelled predictions that were correct',
  },
  activationDrift: {
    query: activationDriftQuery(),
    samplesQuery: activationDriftSamplesQuery(),
    samplesUnit: 'units observed (the side with fewer)', minSamples: 10_000, direction: 'higherIsWorse', unit: 'activation', comparesWithStable: true, batches: false,
    description: 'largest per-layer Wasserstein-1 distance between the activation histograms of this role and stable',
  },
  activationDriftFromReference: {
    query: activationDriftQuery('reference'),
    samplesQuery: sumIncrease('activation_units_observed_total'),
    samplesUnit: 'units observed', minSamples: 10_000, direction: 'higherIsWorse', unit: 'activation', batches: false,
    description: "largest per-layer Wasserstein-1 distance between this role's activation histograms and its reference histograms of the training data",
  },
  quantizationDelta: {
    query: `(${accuracyOf(STABLE_SELECTOR)}) - (${accuracyOf(ROLE_SELECTOR)})`,
    samplesQuery: smaller(sumIncrease('inference_labelled_predictions_total'), sumIncrease('inference_labelled_predictions_total', '', STABLE_SELECTOR)),
    samplesUnit: 'labelled predictions (the side with fewer)', minSamples: 1000, direction: 'higherIsWorse', unit: 'ratio', comparesWithStable: true, batches: false,
    description: "accuracy drop against stable on labelled traffic (stable's accuracy minus this role's): the int8 flavour's cost when stable serves the float model",
  },
  calibrationError: {
    // ECE = Σ_bins |correct − Σ confidence| / n (Guo et al. 2017, eq. 3; src/telemetry/calibration.ts).
    query: `sum(abs(sum by (bin) (rate(${sel('inference_calibration_correct_total')})) - sum by (bin) (rate(${sel('inference_calibration_confidence_total')}))))`
      + ` / ${sumRate('inference_calibration_predictions_total')}`,
    samplesQuery: sumIncrease('inference_calibration_predictions_total'),
    samplesUnit: 'labelled predictions', minSamples: 1000, direction: 'higherIsWorse', unit: 'ratio',
    description: 'expected calibration error of the served probabilities on labelled traffic (15 equal-width confidence bins)',
  },
  memoryFootprint: {
    query: `max(max_over_time(${sel('process_resident_memory_bytes')}))`,
    samplesQuery: `sum(count_over_time(${sel('process_resident_memory_bytes')}))`,
    samplesUnit: 'memory samples (scrapes × pods)', minSamples: 2, direction: 'higherIsWorse', unit: 'bytes',
    description: 'largest resident memory of one pod of the role over the window, in bytes',
  },
} as const satisfies Record<string, BuiltinSli>;

export type BuiltinSliName = keyof typeof BUILTIN_SLIS;

export function isBuiltinSli(name: string): name is BuiltinSliName {
  return Object.hasOwn(BUILTIN_SLIS, name);
}

/**
 * The default burn-rate events of the canary, both in requests: the bad ones are the requests answered
 * 5xx plus the requests answered 2xx with at least one non-finite prediction
 * (`inference_nonfinite_requests_total`, which never counts a 5xx), so a request is bad at most once and
 * errors never exceed the total. (Counting non-finite *predictions* here, as before, counted a batch
 * of 8 NaN rows as 8 bad requests.)
 */
export const DEFAULT_BURN_RATE_QUERIES = {
  errorQuery: `(${sumIncrease('inference_requests_total', ',code=~"5.."')} or vector(0)) + (${sumIncrease('inference_nonfinite_requests_total')} or vector(0))`,
  totalQuery: sumIncrease('inference_requests_total'),
} as const;
