/**
 * Activation telemetry for a Node inference server: request, prediction and activation metrics with
 * the exact names and labels docs/metrics.md defines (and the operator's built-in SLIs query), in a
 * Registry the caller owns. Requests and predictions are counted on every request; the per-unit
 * activation statistics only on the sampled fraction of requests (sampleRequest()), which keeps the
 * cost small. Embed it: create one per served variant, ask sampleRequest() per request, and when it
 * says yes pass each hidden layer's pre-activations and outputs to observeLayer().
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { SATURATION_REGIONS, type ActivationName, type SaturationRegion } from './activations.ts';
import { BulkHistogram } from './bulk-histogram.ts';
import { CALIBRATION_BINS, type CalibrationBin } from './calibration.ts';
import { tallyLayer, type BucketCounts, type LayerTally } from './layer-stats.ts';
import { createSampler } from './sampler.ts';

/** The metric names; docs/metrics.md documents each and the SLI queries built on them. */
export const METRIC_NAMES = {
  requests: 'inference_requests_total',
  requestDuration: 'inference_request_duration_seconds',
  predictions: 'inference_predictions_total',
  labelledPredictions: 'inference_labelled_predictions_total',
  correctPredictions: 'inference_correct_predictions_total',
  nonfinitePredictions: 'inference_nonfinite_predictions_total',
  nonfiniteRequests: 'inference_nonfinite_requests_total',
  unitsObserved: 'activation_units_observed_total',
  saturatedUnits: 'activation_saturated_units_total',
  zeroUnits: 'activation_zero_units_total',
  nonfiniteUnits: 'activation_nonfinite_units_total',
  activationValue: 'activation_value',
  calibrationPredictions: 'inference_calibration_predictions_total',
  calibrationCorrect: 'inference_calibration_correct_total',
  calibrationConfidence: 'inference_calibration_confidence_total',
} as const;

/** Request latency buckets: fine-grained from 1 ms to 10 s. */
export const LATENCY_BUCKETS = [
  0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075,
  0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10,
];

/** Activation output buckets: both sides of zero, and the asymptotes of sigmoid and tanh. */
export const VALUE_BUCKETS = [-3, -1, -0.99, -0.5, -0.1, -0.01, 0, 0.01, 0.1, 0.5, 0.9, 0.99, 1, 2, 5, 10];

export const DEFAULT_SAMPLE_RATE = 0.1;

export interface ActivationTelemetryOptions {
  registry: Registry;
  /** The `variant` label on every series (the served activation, e.g. "gelu"). */
  variant: string;
  /** Picks the saturation region from the table in activations.ts… */
  activation?: ActivationName;
  /** …or give it directly, for an activation the table does not know. */
  saturation?: SaturationRegion;
  /** Fraction of requests whose activations are observed; 0 turns activation statistics off. */
  sampleRate?: number;
  /** Layer names to create at zero up front, so every series exists from the first scrape. */
  layers?: readonly string[];
  valueBuckets?: readonly number[];
  latencyBuckets?: readonly number[];
}

export interface PredictionCounts {
  /** Rows predicted. */
  rows: number;
  /** Rows that came with a label. */
  labelled: number;
  /** Labelled rows whose predicted class equals the label. */
  correct: number;
  /** Rows whose output probabilities had a NaN or Inf. */
  nonfinite: number;
}

export interface ActivationTelemetry {
  readonly variant: string;
  readonly sampleRate: number;
  /** Whether to observe this request's activations; call once per request. */
  sampleRequest(): boolean;
  /** Observes one hidden layer of a sampled request; pre and post have one entry per unit. */
  observeLayer(layer: string, preActivation: ArrayLike<number>, output: ArrayLike<number>): LayerTally;
  /**
   * Counts a finished request by HTTP status and observes its latency (seconds). A request answered
   * 2xx with at least one non-finite prediction (`nonfinitePredictions` > 0, rows) is also counted in
   * inference_nonfinite_requests_total, once however many of its rows were non-finite; a request
   * answered otherwise (a 5xx above all) never is, so 5xx plus non-finite requests never exceed requests.
   */
  recordRequest(code: number | string, seconds: number, nonfinitePredictions?: number): void;
  /** Counts the predictions of one request. */
  recordPredictions(counts: PredictionCounts): void;
  /**
   * Adds one request's calibration tallies (calibration.ts: tallyCalibration over its labelled rows,
   * CALIBRATION_BINS bins) to the per-bin counters the `calibrationError` SLI reads.
   */
  recordCalibration(bins: readonly CalibrationBin[]): void;
}

interface LayerSeries {
  observed: Counter.Internal;
  saturated: Counter.Internal;
  zero: Counter.Internal;
  nan: Counter.Internal;
  inf: Counter.Internal;
  values: BucketCounts;
}

/** Registers the metrics in options.registry and returns the recorder. */
export function createActivationTelemetry(options: ActivationTelemetryOptions): ActivationTelemetry {
  const { registry, variant } = options;
  const region = options.saturation ?? (options.activation ? SATURATION_REGIONS[options.activation] : undefined);
  if (!region) throw new Error('activation telemetry needs an activation name or a saturation region');
  const sampler = createSampler(options.sampleRate ?? DEFAULT_SAMPLE_RATE);
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers });

  const requests = counter(METRIC_NAMES.requests, 'Inference requests answered, by HTTP status code.', ['variant', 'code']);
  const duration = new Histogram({
    name: METRIC_NAMES.requestDuration, help: 'Inference request latency in seconds, from request to last byte.',
    labelNames: ['variant'], buckets: [...(options.latencyBuckets ?? LATENCY_BUCKETS)], registers,
  });
  const predictions = counter(METRIC_NAMES.predictions, 'Rows predicted.', ['variant']);
  const labelled = counter(METRIC_NAMES.labelledPredictions, 'Rows predicted that came with a label.', ['variant']);
  const correct = counter(METRIC_NAMES.correctPredictions, 'Labelled rows predicted correctly.', ['variant']);
  const nonfinite = counter(METRIC_NAMES.nonfinitePredictions, 'Rows whose output probabilities had a NaN or Inf.', ['variant']);
  const nonfiniteRequests = counter(METRIC_NAMES.nonfiniteRequests,
    'Requests answered 2xx with at least one row whose output probabilities had a NaN or Inf (each counted once; never a 5xx).', ['variant']);
  const units = counter(METRIC_NAMES.unitsObserved, 'Hidden units observed in sampled requests (rows × units).', ['variant', 'layer']);
  const saturatedUnits = counter(METRIC_NAMES.saturatedUnits, "Observed units whose pre-activation lies in the activation's saturation region.", ['variant', 'layer']);
  const zeroUnits = counter(METRIC_NAMES.zeroUnits, 'Observed units whose output is exactly zero (dead).', ['variant', 'layer']);
  const nonfiniteUnits = counter(METRIC_NAMES.nonfiniteUnits, 'Observed units whose pre-activation or output is NaN or infinite.', ['variant', 'layer', 'kind']);
  const values = new BulkHistogram({
    name: METRIC_NAMES.activationValue, help: 'Finite activation outputs of observed units.',
    labelNames: ['variant', 'layer'], buckets: options.valueBuckets ?? VALUE_BUCKETS, registers,
  });

  // Bin m (1 … 15) covers top-label confidences in ((m−1)/15, m/15]; every bin exists from the start at 0.
  const calibration = {
    predictions: counter(METRIC_NAMES.calibrationPredictions, 'Labelled predictions by top-label confidence bin m: ((m-1)/15, m/15].', ['variant', 'bin']),
    correct: counter(METRIC_NAMES.calibrationCorrect, 'Labelled predictions that were correct, by confidence bin.', ['variant', 'bin']),
    confidence: counter(METRIC_NAMES.calibrationConfidence, 'Sum of the top-label confidences of labelled predictions, by confidence bin.', ['variant', 'bin']),
  };
  const calibrationSeries = Array.from({ length: CALIBRATION_BINS }, (_, m) => {
    const labels = { variant, bin: String(m + 1) };
    const series = { predictions: calibration.predictions.labels(labels), correct: calibration.correct.labels(labels), confidence: calibration.confidence.labels(labels) };
    Object.values(series).forEach((c) => c.inc(0));
    return series;
  });

  const requestSeries = new Map<string, Counter.Internal>();
  duration.zero({ variant });
  const durationSeries = duration.labels({ variant });
  const predictionSeries = {
    rows: predictions.labels({ variant }), labelled: labelled.labels({ variant }),
    correct: correct.labels({ variant }), nonfinite: nonfinite.labels({ variant }),
  };
  Object.values(predictionSeries).forEach((series) => series.inc(0));
  const nonfiniteRequestSeries = nonfiniteRequests.labels({ variant });
  nonfiniteRequestSeries.inc(0);

  const layers = new Map<string, LayerSeries>();
  const layerSeries = (layer: string): LayerSeries => {
    let series = layers.get(layer);
    if (!series) {
      series = {
        observed: units.labels({ variant, layer }), saturated: saturatedUnits.labels({ variant, layer }),
        zero: zeroUnits.labels({ variant, layer }), nan: nonfiniteUnits.labels({ variant, layer, kind: 'nan' }),
        inf: nonfiniteUnits.labels({ variant, layer, kind: 'inf' }), values: values.series({ variant, layer }),
      };
      for (const c of [series.observed, series.saturated, series.zero, series.nan, series.inf]) c.inc(0);
      layers.set(layer, series);
    }
    return series;
  };
  options.layers?.forEach(layerSeries);

  return {
    variant,
    sampleRate: sampler.rate,
    sampleRequest: () => sampler.next(),
    observeLayer(layer, pre, post) {
      if (pre.length !== post.length) throw new Error(`observeLayer(${layer}): ${pre.length} pre-activations but ${post.length} outputs`);
      const series = layerSeries(layer);
      const tally = tallyLayer(pre, post, region, series.values);
      series.observed.inc(tally.units);
      series.saturated.inc(tally.saturated);
      series.zero.inc(tally.zero);
      series.nan.inc(tally.nan);
      series.inf.inc(tally.inf);
      return tally;
    },
    recordRequest(code, seconds, nonfinitePredictions = 0) {
      const key = String(code);
      if (nonfinitePredictions > 0 && /^2\d\d$/.test(key)) nonfiniteRequestSeries.inc();
      let series = requestSeries.get(key);
      if (!series) {
        series = requests.labels({ variant, code: key });
        requestSeries.set(key, series);
      }
      series.inc();
      durationSeries.observe(seconds);
    },
    recordPredictions(counts) {
      predictionSeries.rows.inc(counts.rows);
      predictionSeries.labelled.inc(counts.labelled);
      predictionSeries.correct.inc(counts.correct);
      predictionSeries.nonfinite.inc(counts.nonfinite);
    },
    recordCalibration(bins) {
      if (bins.length !== CALIBRATION_BINS) throw new Error(`recordCalibration: ${bins.length} bins, expected ${CALIBRATION_BINS}`);
      bins.forEach((bin, m) => {
        if (bin.predictions === 0) return;
        const series = calibrationSeries[m]!;
        series.predictions.inc(bin.predictions);
        series.correct.inc(bin.correct);
        series.confidence.inc(bin.confidenceSum);
      });
    },
  };
}
