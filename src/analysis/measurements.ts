/**
 * What measureAnalysis hands to judge: for each SLI the canary's value, stable's value (only when a
 * ratio bound needs it) and the sample counts; for the SLO the canary's bad and total events on the
 * short and the long window. Every entry is a `Measured`: a number, "no data", or the typed error that
 * kept it from being measured, so a failure of one query never hides the others.
 */
import type { AnalysisError } from './errors.ts';

/** One measured number, no data, or why there is no number. */
export type Measured =
  | { kind: 'value'; value: number }
  | { kind: 'noData' }
  | { kind: 'error'; error: AnalysisError };

export interface SliMeasurement {
  name: string;
  /** The window the SLI was computed over, as a Prometheus duration. */
  window: string;
  canary: Measured;
  /** Present when the SLI has a ratio bound to stable. */
  stable?: Measured;
  /** Present when the SLI's minSamples is above 0. */
  canarySamples?: Measured;
  /** Present when both a ratio bound and minSamples apply. */
  stableSamples?: Measured;
  /** The minimum sample count applied (spec, else the built-in's default, else 0). */
  minSamples: number;
  /** What a sample is, for messages ("requests"). */
  samplesUnit: string;
}

/** Bad and total events on one window. */
export interface WindowEvents {
  errors: Measured;
  total: Measured;
}

export interface BurnRateMeasurement {
  shortWindow: string;
  longWindow: string;
  short: WindowEvents;
  long: WindowEvents;
  /** True when the SLO uses its own errorQuery (messages then suggest `or vector(0)`). */
  customQueries: boolean;
}

export interface Measurements {
  /** The instant every query was evaluated at. */
  measuredAt: Date;
  slis: SliMeasurement[];
  /** Present when the spec has an `slo`. */
  burnRate?: BurnRateMeasurement;
}
