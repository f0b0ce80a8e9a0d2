/**
 * Activation telemetry, for embedding in any Node inference server: create one recorder per served
 * variant with createActivationTelemetry({ registry, variant, activation }), and serve the registry
 * on /metrics. Metric names, labels and the SLI queries built on them are in docs/metrics.md.
 */
export {
  ACTIVATION_NAMES, SATURATION_DERIVATIVE_FRACTION, SATURATION_REGIONS, isActivationName,
  type ActivationName, type SaturationRegion,
} from './activations.ts';
export {
  DEFAULT_SAMPLE_RATE, LATENCY_BUCKETS, METRIC_NAMES, VALUE_BUCKETS, createActivationTelemetry,
  type ActivationTelemetry, type ActivationTelemetryOptions, type PredictionCounts,
} from './activation-telemetry.ts';
export {
  CALIBRATION_BINS, calibrationBinIndex, emptyCalibrationBins, expectedCalibrationError, tallyCalibration, type CalibrationBin,
} from './calibration.ts';
export { REFERENCE_METRIC, createReferenceHistogram, type ReferenceHistogram } from './reference-histogram.ts';
export { tallyLayer, type BucketCounts, type LayerTally } from './layer-stats.ts';
export { createSampler, type Sampler } from './sampler.ts';
