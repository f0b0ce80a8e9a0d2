/**
 * Two independent proportions, for SLIs that are counts (errors of requests, correct of labelled
 * predictions): the two-proportion z-test, intervals for the difference, and the relative risk.
 * With p̂1 = x1/n1, p̂2 = x2/n2, d = p̂1 − p̂2, s = 1/n1 + 1/n2:
 *
 * - Test (pooled, under H0: p1 = p2): p̂ = (x1 + x2)/(n1 + n2), z = d / √(p̂(1 − p̂)·s) (Fleiss, Levin
 *   & Paik 2003, "Statistical Methods for Rates and Proportions", 3rd ed., §2.4 and eq. 2.22; z² is
 *   Pearson's X² of the 2 × 2 table, R's prop.test). With the optional continuity correction (Yates),
 *   |d| is reduced by min(s/2, |d|), as prop.test does. When p̂ is 0 or 1 (no events, or only events,
 *   on both sides) there is no evidence of a difference: z = 0, p = 1.
 * - Interval for p1 − p2: Newcombe's hybrid score interval (R. G. Newcombe, "Interval estimation for
 *   the difference between independent proportions: comparison of eleven methods", Statistics in
 *   Medicine 17:873–890, 1998, method 10), built from each side's Wilson score interval (E. B. Wilson,
 *   JASA 22:209–212, 1927): [d − √((p̂1 − l1)² + (u2 − p̂2)²), d + √((u1 − p̂1)² + (p̂2 − l2)²)]. It
 *   stays inside [−1, 1] and is sensible at 0 events, where the Wald interval collapses to a point; the
 *   Wald interval d ± z·√(p̂1q̂1/n1 + p̂2q̂2/n2) is reported too (Agresti 2007, §2.2.3).
 * - Relative risk p̂1/p̂2 with Katz's log interval exp(ln RR ± z·√(1/x1 − 1/n1 + 1/x2 − 1/n2)) (Katz
 *   et al., Biometrics 34:469–474, 1978; Agresti 2007, §2.2.4); absent when either side has no events.
 *
 * Counts may be fractional (Prometheus' increase() extrapolates); they are used as they are.
 * Errors (as values): InvalidCount (negative, not finite, events > total), EmptySample (a total of 0),
 * InvalidOption (confidenceLevel).
 */
import { checkCounts, checkOpenRange, fail, ok, type Result, type StatisticsError } from './errors.ts';
import { normalCdf, normalQuantile, normalSf } from './normal.ts';
import type { Alternative, Counts, Interval } from './types.ts';

export interface TwoProportionOptions {
  /** 'greater': the first proportion is larger. Default 'two-sided'. */
  alternative?: Alternative;
  /** Of the intervals, two-sided, in (0, 1); default 0.95. */
  confidenceLevel?: number;
  /** Yates' correction of the test (not of the intervals); default false. */
  continuityCorrection?: boolean;
}

export interface TwoProportionResult {
  p1: number;
  p2: number;
  n1: number;
  n2: number;
  /** p1 − p2. */
  difference: number;
  /** The pooled proportion under H0. */
  pooled: number;
  z: number;
  pValue: number;
  alternative: Alternative;
  confidenceLevel: number;
  /** Newcombe's hybrid score interval for p1 − p2. */
  interval: Interval;
  /** The Wald interval for p1 − p2. */
  waldInterval: Interval;
  /** p1 / p2 with Katz's interval; absent when either side has no events. */
  relativeRisk?: Interval & { estimate: number };
}

/** Wilson's score interval for one proportion x/n at a two-sided level (E. B. Wilson 1927). */
export function wilsonInterval(events: number, total: number, confidenceLevel = 0.95): Interval {
  const z = normalQuantile(1 - (1 - confidenceLevel) / 2);
  const p = events / total;
  const z2n = (z * z) / total;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / total + z2n / (4 * total));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** Newcombe's hybrid score interval (1998, method 10) for p1 − p2. */
export function newcombeInterval(a: Counts, b: Counts, confidenceLevel = 0.95): Interval {
  const p1 = a.events / a.total;
  const p2 = b.events / b.total;
  const w1 = wilsonInterval(a.events, a.total, confidenceLevel);
  const w2 = wilsonInterval(b.events, b.total, confidenceLevel);
  const d = p1 - p2;
  return {
    lower: Math.max(-1, d - Math.hypot(p1 - w1.lower, w2.upper - p2)),
    upper: Math.min(1, d + Math.hypot(w1.upper - p1, p2 - w2.lower)),
  };
}

export function twoProportionTest(a: Counts, b: Counts, options: TwoProportionOptions = {}): Result<TwoProportionResult, StatisticsError> {
  const alternative = options.alternative ?? 'two-sided';
  const confidenceLevel = options.confidenceLevel ?? 0.95;
  for (const [side, counts] of [['first', a], ['second', b]] as const) {
    const error = checkCounts(counts, side);
    if (error) return fail(error);
    if (counts.total === 0) return fail({ code: 'EmptySample', side, message: `${side} has a total of 0: no proportion to compare` });
  }
  const levelError = checkOpenRange('confidenceLevel', confidenceLevel, 0, 1);
  if (levelError) return fail(levelError);

  const { events: x1, total: n1 } = a;
  const { events: x2, total: n2 } = b;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const d = p1 - p2;
  const s = 1 / n1 + 1 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * s);
  const corrected = options.continuityCorrection ? Math.abs(d) - Math.min(s / 2, Math.abs(d)) : Math.abs(d);
  const z = se > 0 ? (Math.sign(d) * corrected) / se : 0;
  const pValue = se === 0 ? 1
    : alternative === 'greater' ? normalSf(z)
      : alternative === 'less' ? normalCdf(z)
        : Math.min(1, 2 * normalSf(Math.abs(z)));

  const zc = normalQuantile(1 - (1 - confidenceLevel) / 2);
  const waldHalf = zc * Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const relativeRisk = x1 > 0 && x2 > 0 ? (() => {
    const estimate = p1 / p2;
    const seLog = Math.sqrt(Math.max(0, 1 / x1 - 1 / n1 + 1 / x2 - 1 / n2));
    return { estimate, lower: estimate * Math.exp(-zc * seLog), upper: estimate * Math.exp(zc * seLog) };
  })() : undefined;
  return ok({
    p1, p2, n1, n2, difference: d, pooled, z, pValue, alternative, confidenceLevel,
    interval: newcombeInterval(a, b, confidenceLevel),
    waldInterval: { lower: d - waldHalf, upper: d + waldHalf },
    ...(relativeRisk ? { relativeRisk } : {}),
  });
}
