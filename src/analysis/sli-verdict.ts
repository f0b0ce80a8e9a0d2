/**
 * The verdict of one SLI from its measurements; pure. Checks run in a fixed order and the first that
 * decides wins: a query error is Error; no data, too few samples or NaN is Inconclusive (never a pass,
 * and a handful of samples is noise in either direction, so the sample check comes before the bounds);
 * then the absolute bounds (+Inf above a max fails, with the reason InfiniteValue); then the ratio to
 * stable, measured at the same instant over the same window. A ratio bound needs a usable stable value:
 * stable missing, NaN, infinite, too thin or 0 makes the SLI Inconclusive, unless the canary's own value
 * decides it anyway (0 meets any `maxRatioToStable` of a non-negative SLI, and `minRatioToStable` of a
 * stable at 0 is met by any non-negative canary).
 */
import type { Measured, SliMeasurement } from './measurements.ts';
import type { SliSpec } from './spec.ts';
import { errorReason, fmt, REASONS, type Reason, type Verdict } from './verdict.ts';

export interface SliResult {
  name: string;
  verdict: Verdict;
  reason: Reason;
  /** A sentence naming the SLI, the values, the bound and the window. */
  message: string;
  window: string;
  /** The bounds as text, e.g. "<= 0.25 and <= 1.2 × stable". */
  threshold: string;
  canaryValue?: number;
  stableValue?: number;
  samples?: number;
  stableSamples?: number;
}

/** The SLI's bounds as text, as shown in status. */
export function thresholdText(sli: SliSpec): string {
  const parts: string[] = [];
  if (sli.max !== undefined) parts.push(`<= ${sli.max}`);
  if (sli.min !== undefined) parts.push(`>= ${sli.min}`);
  if (sli.maxRatioToStable !== undefined) parts.push(`<= ${sli.maxRatioToStable} × stable`);
  if (sli.minRatioToStable !== undefined) parts.push(`>= ${sli.minRatioToStable} × stable`);
  return parts.join(' and ') || 'no bound';
}

const valueOf = (m: Measured | undefined): number | undefined => (m?.kind === 'value' ? m.value : undefined);
/** A sample count: no data means none; NaN (0/0 somewhere) too. */
const countOf = (m: Measured | undefined): number => {
  const v = valueOf(m);
  return v === undefined || Number.isNaN(v) ? 0 : v;
};

export function judgeSli(sli: SliSpec, m: SliMeasurement): SliResult {
  const threshold = thresholdText(sli);
  const canaryValue = valueOf(m.canary);
  const stableValue = valueOf(m.stable);
  const samples = m.canarySamples ? countOf(m.canarySamples) : undefined;
  const stableSamples = m.stableSamples ? countOf(m.stableSamples) : undefined;
  const values = {
    ...(canaryValue !== undefined ? { canaryValue } : {}), ...(stableValue !== undefined ? { stableValue } : {}),
    ...(samples !== undefined ? { samples } : {}), ...(stableSamples !== undefined ? { stableSamples } : {}),
  };
  const over = `over ${m.window}`;
  const counted = samples !== undefined ? `, ${fmt(samples)} ${m.samplesUnit}` : '';
  const result = (verdict: Verdict, reason: Reason, message: string): SliResult =>
    ({ name: sli.name, verdict, reason, message: `SLI ${sli.name}: ${message}`, window: m.window, threshold, ...values });

  // 1. Could the canary be measured at all?
  for (const [what, measured] of [['value', m.canary], ['sample count', m.canarySamples]] as const) {
    if (measured?.kind === 'error') return result('Error', errorReason(measured.error), `the canary's ${what} query failed: ${measured.error.message}`);
  }
  if (canaryValue === undefined) {
    return result('Inconclusive', REASONS.NoData, `no data for the canary ${over} (the query returned an empty result): check that the canary receives traffic and is scraped`);
  }
  const shown = fmt(canaryValue, ...[sli.max, sli.min].filter((b) => b !== undefined));
  if (samples !== undefined && samples < m.minSamples) {
    return result('Inconclusive', REASONS.TooFewSamples, `only ${fmt(samples)} ${m.samplesUnit} for the canary ${over}, fewer than minSamples ${m.minSamples}; its value ${shown} is not judged yet`);
  }
  if (Number.isNaN(canaryValue)) {
    return result('Inconclusive', REASONS.NaNValue, `the canary's value ${over} is NaN (usually 0/0: no events in the window)${counted}; not judged`);
  }

  // 2. Absolute bounds.
  if (sli.max !== undefined && canaryValue > sli.max) {
    if (canaryValue === Infinity) {
      return result('Failed', REASONS.InfiniteValue, `canary value +Inf is above max ${sli.max} ${over}${counted} (an infinite value: e.g. a division by zero, or a quantile beyond the largest histogram bucket)`);
    }
    return result('Failed', REASONS.AboveMax, `canary value ${shown} is above max ${sli.max} ${over}${counted}`);
  }
  if (sli.min !== undefined && canaryValue < sli.min) {
    const reason = canaryValue === -Infinity ? REASONS.InfiniteValue : REASONS.BelowMin;
    return result('Failed', reason, `canary value ${shown} is below min ${sli.min} ${over}${counted}`);
  }

  // 3. Bounds relative to stable.
  const ratioCheck = judgeRatio(sli, m, canaryValue, stableValue, stableSamples);
  if (ratioCheck) return result(ratioCheck.verdict, ratioCheck.reason, `${ratioCheck.text} ${over}${counted}`);

  const stableText = stableValue !== undefined ? `, stable ${fmt(stableValue)}` : '';
  return result('Successful', REASONS.WithinBounds, `canary value ${shown} is within ${threshold} ${over}${stableText}${counted}`);
}

/** The ratio bounds' verdict, or undefined when they hold (or there are none). */
function judgeRatio(sli: SliSpec, m: SliMeasurement, canary: number, stable: number | undefined, stableSamples: number | undefined):
  { verdict: Verdict; reason: Reason; text: string } | undefined {
  const { maxRatioToStable: maxRatio, minRatioToStable: minRatio } = sli;
  if (maxRatio === undefined && minRatio === undefined) return undefined;
  const c = fmt(canary);
  // The canary's own value decides: 0 is never above a multiple of a non-negative stable.
  if (minRatio === undefined && canary === 0) return undefined;

  const inconclusive = (reason: Reason, text: string) => ({ verdict: 'Inconclusive' as const, reason, text });
  if (m.stable?.kind === 'error') return { verdict: 'Error', reason: errorReason(m.stable.error), text: `stable's value query failed (needed for the ratio bound): ${m.stable.error.message}` };
  if (m.stableSamples?.kind === 'error') return { verdict: 'Error', reason: errorReason(m.stableSamples.error), text: `stable's sample count query failed: ${m.stableSamples.error.message}` };
  if (stable === undefined) return inconclusive(REASONS.StableNoData, `no data for stable, so the canary's value ${c} cannot be compared with ${thresholdText({ name: '', maxRatioToStable: maxRatio, minRatioToStable: minRatio })}`);
  if (Number.isNaN(stable)) return inconclusive(REASONS.StableNaN, `stable's value is NaN, so the canary's value ${c} cannot be compared with it`);
  if (stableSamples !== undefined && stableSamples < m.minSamples) {
    return inconclusive(REASONS.StableTooFewSamples, `only ${fmt(stableSamples)} ${m.samplesUnit} for stable, fewer than minSamples ${m.minSamples}, so the canary's value ${c} is not compared with it yet`);
  }
  if (!Number.isFinite(stable) || stable < 0) return inconclusive(REASONS.StableNotFinite, `stable's value ${fmt(stable)} is not a finite non-negative number, so a ratio to it means nothing`);

  if (maxRatio !== undefined) {
    if (stable === 0) return inconclusive(REASONS.StableZero, `stable's value is 0, so the canary's value ${c} has no ratio to it; only an absolute bound (max) could fail it`);
    if (canary > maxRatio * stable) {
      const reason = canary === Infinity ? REASONS.InfiniteValue : REASONS.AboveMaxRatioToStable;
      return { verdict: 'Failed', reason, text: `canary value ${c} is ${fmt(canary / stable, maxRatio)} × stable ${fmt(stable)}, above maxRatioToStable ${maxRatio}` };
    }
  }
  if (minRatio !== undefined && canary < minRatio * stable) {
    return { verdict: 'Failed', reason: REASONS.BelowMinRatioToStable, text: `canary value ${c} is ${fmt(canary / stable, minRatio)} × stable ${fmt(stable)}, below minRatioToStable ${minRatio}` };
  }
  return undefined;
}
