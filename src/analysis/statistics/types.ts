/**
 * Shapes shared by the statistical tests and the decision: the alternative hypothesis, event counts
 * and an interval. Plain data, no behaviour.
 */

/** 'greater': the first sample (x, the candidate) tends to be larger; 'less': smaller. */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** Event counts of one side: `events` (errors, correct predictions, …) out of `total` trials. */
export interface Counts {
  /** ≥ 0 and ≤ total; may be fractional (Prometheus' increase() extrapolates). */
  events: number;
  /** ≥ 0. */
  total: number;
}

/** A two-sided interval; its bounds may be ±Infinity when the data cannot bound the quantity. */
export interface Interval {
  lower: number;
  upper: number;
}

/** Which way a change of an SLI hurts: latency and error rate are `higherIsWorse`, accuracy `lowerIsWorse`. */
export type MetricDirection = 'higherIsWorse' | 'lowerIsWorse' | 'either';
