/**
 * The narrow shape of `spec.strategy.analysis` that the analysis package reads, mirroring docs/api.md.
 * It is written by hand on purpose, so analysis does not depend on the generated CRD types: every field
 * the generated types have is either here with the same type or ignored, so a generated
 * `ModelVariant['spec']['strategy']['analysis']` is assignable to `AnalysisSpec`. The CRD defaults come from
 * src/api/types.ts, so the CRD, the judge and the queries agree on them.
 */
import { DEFAULTS as API_DEFAULTS } from '../api/types.ts';

/** A Secret key reference (`{name, key}`); the controller resolves it before calling analysis. */
export interface SecretKeyRef {
  name: string;
  key: string;
}

/** `strategy.analysis.prometheus`. */
export interface PrometheusSpec {
  address: string;
  /** Per-query timeout as a duration ("10s"). */
  timeout?: string;
  caSecretRef?: SecretKeyRef;
  bearerTokenSecretRef?: SecretKeyRef;
}

/** `strategy.analysis.slo`: the error budget and its multiwindow burn-rate check. */
export interface SloSpec {
  /** The fraction of good events promised, 0 < x < 1 (0.995 leaves a budget of 0.5 % errors). */
  objective?: number;
  shortWindow?: string;
  longWindow?: string;
  /** Fail when both windows burn faster than this many times the budget rate. */
  burnRateThreshold?: number;
  /** PromQL template counting bad events over `{{window}}` (default: 5xx responses + non-finite predictions). */
  errorQuery?: string;
  /** PromQL template counting all events over `{{window}}` (default: requests). */
  totalQuery?: string;
}

/** One entry of `strategy.analysis.slis[]`: exactly one of `builtin` and `query`, at least one bound. */
export interface SliSpec {
  name: string;
  /** A built-in of `profile` (BUILTIN_SLIS, or profiles.ts; kept a plain string so a generated union type fits). */
  builtin?: string;
  /** Whose metric names `builtin` reads: reference (default), triton or dcgm (profiles.ts). */
  profile?: string;
  /** A PromQL template returning one number for one role (see renderQuery). */
  query?: string;
  max?: number;
  min?: number;
  /** canary ≤ maxRatioToStable × stable, both measured at the same instant over the same window. */
  maxRatioToStable?: number;
  /** canary ≥ minRatioToStable × stable. */
  minRatioToStable?: number;
  /** Fewer samples than this in the window makes the result Inconclusive. */
  minSamples?: number;
  /**
   * PromQL template counting the samples behind a custom `query` (not in the CRD yet); a custom SLI
   * with `minSamples` > 0 needs it, built-ins bring their own.
   */
  samplesQuery?: string;
  /** The range of the SLI's rate()s (default DEFAULTS.sliWindow). */
  window?: string;
}

/** `strategy.analysis`. */
export interface AnalysisSpec {
  interval?: string;
  failureLimit?: number;
  inconclusiveLimit?: number;
  prometheus: PrometheusSpec;
  /** When present (even `{}`), the canary's error-budget burn rate is judged; absent, it is not. */
  slo?: SloSpec;
  slis?: SliSpec[];
}

/** Whose pods a query is about: `role` is the Deployment role, `variant` the activation it serves. */
export interface AnalysisTarget {
  namespace: string;
  /** The ModelVariant's name (the `model` label of every series). */
  name: string;
  canaryVariant: string;
  stableVariant: string;
}

/** The CRD's defaults (one source: src/api/types.ts), plus the ones analysis adds (SLI window, query concurrency). */
export const DEFAULTS = {
  failureLimit: API_DEFAULTS.failureLimit,
  inconclusiveLimit: API_DEFAULTS.inconclusiveLimit,
  timeout: API_DEFAULTS.timeout,
  objective: API_DEFAULTS.objective,
  shortWindow: API_DEFAULTS.shortWindow,
  longWindow: API_DEFAULTS.longWindow,
  burnRateThreshold: API_DEFAULTS.burnRateThreshold,
  /** Long enough for rate() to see several scrapes at the usual 15 s interval, short enough for a step. */
  sliWindow: '1m',
  /** Queries one measureAnalysis call keeps in flight at most. */
  concurrency: 8,
} as const;
