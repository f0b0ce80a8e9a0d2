/**
 * The vocabulary of analysis results: the four verdicts (as in Argo Rollouts' metric assessment), the
 * CamelCase reason constants every result carries (one list, so events, conditions and docs agree),
 * and how a typed error maps to a reason. Also the number formatting of messages: short, except when
 * shortening would make a value look equal to, or on the wrong side of, the bound it was judged by.
 */
import { isUnavailable, type AnalysisError } from './errors.ts';
import { formatPromValue } from './prom-value.ts';

export type Verdict = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export const REASONS = {
  // SLI, Successful
  WithinBounds: 'WithinBounds',
  // SLI, Failed
  AboveMax: 'AboveMax',
  BelowMin: 'BelowMin',
  AboveMaxRatioToStable: 'AboveMaxRatioToStable',
  BelowMinRatioToStable: 'BelowMinRatioToStable',
  InfiniteValue: 'InfiniteValue',
  // Inconclusive (SLI or burn rate)
  NoData: 'NoData',
  NaNValue: 'NaNValue',
  TooFewSamples: 'TooFewSamples',
  StableNoData: 'StableNoData',
  StableNaN: 'StableNaN',
  StableZero: 'StableZero',
  StableNotFinite: 'StableNotFinite',
  StableTooFewSamples: 'StableTooFewSamples',
  NoTraffic: 'NoTraffic',
  // Error (SLI or burn rate)
  PrometheusUnavailable: 'PrometheusUnavailable',
  QueryInvalid: 'QueryInvalid',
  SpecInvalid: 'SpecInvalid',
  // Burn rate
  WithinBudget: 'WithinBudget',
  ShortWindowBurnOnly: 'ShortWindowBurnOnly',
  LongWindowBurnOnly: 'LongWindowBurnOnly',
  BurnRateExceeded: 'BurnRateExceeded',
  // Overall verdict and decision
  AnalysisSuccessful: 'AnalysisSuccessful',
  AnalysisFailed: 'AnalysisFailed',
  AnalysisInconclusive: 'AnalysisInconclusive',
  AnalysisError: 'AnalysisError',
  NoChecksConfigured: 'NoChecksConfigured',
  FailureLimitReached: 'FailureLimitReached',
  InconclusiveLimitReached: 'InconclusiveLimitReached',
} as const;

export type Reason = (typeof REASONS)[keyof typeof REASONS];

/**
 * Reasons of a check that had no usable number to judge: nothing measured, NaN (0/0: counters that did
 * not move), no traffic, or a query that could not be made. A run with any of them does not have its
 * metrics available (the MetricsAvailable condition), whatever its verdict. Too few samples, a stable
 * of 0 or an infinite value are numbers: they are judged, not missing.
 */
export const NO_USABLE_NUMBER: ReadonlySet<Reason> = new Set<Reason>([
  REASONS.NoData, REASONS.NaNValue, REASONS.StableNoData, REASONS.StableNaN, REASONS.NoTraffic,
  REASONS.PrometheusUnavailable, REASONS.QueryInvalid, REASONS.SpecInvalid, REASONS.NoChecksConfigured,
]);

/** The reason for an Error verdict: Prometheus could not be asked, the query is wrong, or the spec is. */
export function errorReason(error: AnalysisError): Reason {
  if (isUnavailable(error)) return REASONS.PrometheusUnavailable;
  return error.code === 'BadQuery' || error.code === 'UnexpectedResultType' ? REASONS.QueryInvalid : REASONS.SpecInvalid;
}

/**
 * Formats a value for a message with 4 significant digits, or at full precision when rounding would
 * hide how it compares with one of `bounds` (0.0100001 against max 0.01 must not read "0.01 > 0.01").
 */
export function fmt(value: number, ...bounds: number[]): string {
  if (!Number.isFinite(value)) return formatPromValue(value);
  const short = Number(value.toPrecision(4));
  const honest = bounds.every((b) => Math.sign(short - b) === Math.sign(value - b));
  return formatPromValue(honest ? short : value);
}
