/**
 * Error-budget burn rate of the canary, judged with the SRE workbook's multiwindow rule scaled to a
 * rollout. With objective o the error budget is the ratio 1 − o, and a window's burn rate is
 * `errorRatio / (1 − o)`: 1 spends the budget exactly as fast as it accrues, 14.4 fourteen times as
 * fast. The canary fails only when BOTH the short and the long window burn faster than the threshold:
 * the long window proves the burn is significant, the short one that it is still going on. A burn on
 * the short window only (a spike) or the long one only (a burn that already stopped) is reported, not
 * failed. A window without traffic, without data or with a NaN ratio is Inconclusive, never a pass.
 * The error ratio is a fraction of events, so it is at most 1: errors and total must count the same
 * unit (the default counts requests: a request is bad once, whatever went wrong with it). Should a
 * custom pair, or increase() extrapolating two series differently, give more errors than events, the
 * ratio is taken as 1 (every event bad) and the message says so.
 *
 * Budget. The budget period of a canary is its planned rollout: P = max(sum of the steps' pauses, long
 * window). Burning at rate b for the long window L spends `b × L / P` of the rollout's budget, so
 * `budgetConsumed = longBurn × L / P` and `budgetRemaining = clamp(1 − budgetConsumed, 0, 1)`. This is
 * the workbook's arithmetic (14.4 × 1h / 30d = 2 %) with the rollout in place of the 30-day SLO period.
 */
import { parseDuration } from '../util/duration.ts';
import type { BurnRateMeasurement, Measured, WindowEvents } from './measurements.ts';
import { DEFAULTS, type SloSpec } from './spec.ts';
import { errorReason, fmt, REASONS, type Reason, type Verdict } from './verdict.ts';

/** errors / total as a fraction of events in [0, 1]; more errors than events count as all events bad. */
export function errorRatio(errors: number, total: number): number {
  return Math.min(1, Math.max(0, errors / total));
}

/** errorRatio / (1 − objective), in multiples of the sustainable rate; the objective lies strictly between 0 and 1. */
export function burnRate(errorRatio: number, objective: number): number {
  return errorRatio / (1 - objective);
}

/** The multiwindow rule alone: Failed only when both burn rates exceed the threshold. */
export function multiwindowVerdict(short: number, long: number, threshold: number): { verdict: Verdict; reason: Reason } {
  const s = short > threshold;
  const l = long > threshold;
  if (s && l) return { verdict: 'Failed', reason: REASONS.BurnRateExceeded };
  if (s) return { verdict: 'Successful', reason: REASONS.ShortWindowBurnOnly };
  if (l) return { verdict: 'Successful', reason: REASONS.LongWindowBurnOnly };
  return { verdict: 'Successful', reason: REASONS.WithinBudget };
}

/** The rollout's budget period: the sum of the steps' pauses (steps waiting for a signal add nothing). */
export function plannedRolloutMs(steps: readonly { pause?: string }[]): number {
  return steps.reduce((sum, step) => sum + (step.pause ? parseDuration(step.pause) ?? 0 : 0), 0);
}

/** The fraction of the rollout's budget the long window spent: longBurn × L / max(P, L). */
export function budgetConsumed(longBurn: number, longWindowMs: number, plannedMs: number): number {
  return (longBurn * longWindowMs) / Math.max(plannedMs, longWindowMs);
}

export interface BurnRateResult {
  verdict: Verdict;
  reason: Reason;
  message: string;
  shortWindow: string;
  longWindow: string;
  /** Burn rates; absent when the window could not be measured. */
  short?: number;
  long?: number;
  threshold: number;
  objective: number;
  /** The budget period used, in ms (see the module comment). */
  budgetPeriodMs: number;
  budgetConsumed?: number;
  budgetRemaining?: number;
}

type WindowOutcome =
  | { kind: 'burn'; burn: number; ratio: number; errors: number; total: number }
  | { kind: 'inconclusive' | 'error'; verdict: Verdict; reason: Reason; message: string };

function measureWindow(events: WindowEvents, window: string, objective: number, custom: boolean): WindowOutcome {
  const problem = (verdict: Verdict, reason: Reason, message: string): WindowOutcome =>
    ({ kind: verdict === 'Error' ? 'error' : 'inconclusive', verdict, reason, message });
  const of = (m: Measured, what: string, hint: string): number | WindowOutcome => {
    if (m.kind === 'error') return problem('Error', errorReason(m.error), `burn rate: the ${what} query over ${window} failed: ${m.error.message}`);
    if (m.kind === 'noData') return problem('Inconclusive', REASONS.NoData, `burn rate: the ${what} query returned no data over ${window}${hint}`);
    if (Number.isNaN(m.value)) return problem('Inconclusive', REASONS.NaNValue, `burn rate: the ${what} query returned NaN over ${window}`);
    return m.value;
  };
  const total = of(events.total, 'total events', ' (no canary traffic recorded yet)');
  if (typeof total !== 'number') return total;
  const errors = of(events.errors, 'error events', custom ? '; if no errors should count as 0, end slo.errorQuery with `or vector(0)`' : '');
  if (typeof errors !== 'number') return errors;
  if (!(total > 0) || !Number.isFinite(total)) {
    return problem('Inconclusive', REASONS.NoTraffic, `burn rate: ${fmt(total)} canary requests over ${window}, so no error ratio to judge`);
  }
  const ratio = errorRatio(errors, total);
  return { kind: 'burn', burn: burnRate(ratio, objective), ratio, errors, total };
}

type WindowProblem = Exclude<WindowOutcome, { kind: 'burn' }>;

/** An Error outranks Inconclusive: it is what a user must fix first. */
function worst(short: WindowOutcome, long: WindowOutcome): WindowProblem {
  const problems = [short, long].filter((w): w is WindowProblem => w.kind !== 'burn');
  return problems.find((w) => w.kind === 'error') ?? (problems[0] as WindowProblem);
}

/** Judges the canary's burn rate from its measured events; pure. */
export function judgeBurnRate(slo: SloSpec, m: BurnRateMeasurement, plannedMs = 0): BurnRateResult {
  const objective = slo.objective ?? DEFAULTS.objective;
  const threshold = slo.burnRateThreshold ?? DEFAULTS.burnRateThreshold;
  const longMs = parseDuration(m.longWindow) ?? 0;
  const budgetPeriodMs = Math.max(plannedMs, longMs);
  const base = { shortWindow: m.shortWindow, longWindow: m.longWindow, threshold, objective, budgetPeriodMs };
  const short = measureWindow(m.short, m.shortWindow, objective, m.customQueries);
  const long = measureWindow(m.long, m.longWindow, objective, m.customQueries);
  const burns = {
    ...(short.kind === 'burn' ? { short: short.burn } : {}),
    ...(long.kind === 'burn' ? { long: long.burn } : {}),
  };
  const budget = long.kind === 'burn' && longMs > 0 ? budgetConsumed(long.burn, longMs, plannedMs) : undefined;
  const budgetFields = budget === undefined ? {} : { budgetConsumed: budget, budgetRemaining: Math.min(1, Math.max(0, 1 - budget)) };

  if (short.kind !== 'burn' || long.kind !== 'burn') {
    const problem = worst(short, long);
    return { ...base, ...burns, ...budgetFields, verdict: problem.verdict, reason: problem.reason, message: problem.message };
  }

  const { verdict, reason } = multiwindowVerdict(short.burn, long.burn, threshold);
  const s = `${fmt(short.burn, threshold)} over ${m.shortWindow}`;
  const l = `${fmt(long.burn, threshold)} over ${m.longWindow}`;
  const budgetText = budget === undefined ? '' : `; ${fmt(Math.min(1, budget) * 100)}% of the rollout's error budget spent in the long window`;
  const over = (w: { errors: number; total: number }, window: string) => (w.errors > w.total ? [`${fmt(w.errors)} errors > ${fmt(w.total)} events over ${window}`] : []);
  const excess = [...over(short, m.shortWindow), ...over(long, m.longWindow)];
  const capped = excess.length > 0 ? `; ${excess.join(' and ')}, taken as every event bad: errorQuery and totalQuery must count the same unit` : '';
  const context = `(objective ${objective}, error ratio ${fmt(short.ratio)} and ${fmt(long.ratio)}${capped})`;
  const messages: Record<string, string> = {
    [REASONS.BurnRateExceeded]: `burn rate ${s} and ${l} both exceed ${threshold} ${context}: the canary spends its error budget too fast${budgetText}`,
    [REASONS.ShortWindowBurnOnly]: `burn rate ${s} exceeds ${threshold} but ${l} does not ${context}: a short spike, not a failure${budgetText}`,
    [REASONS.LongWindowBurnOnly]: `burn rate ${l} exceeds ${threshold} but ${s} does not ${context}: the burn has stopped, not a failure${budgetText}`,
    [REASONS.WithinBudget]: `burn rate ${s} and ${l} are within ${threshold} ${context}${budgetText}`,
  };
  return { ...base, ...burns, ...budgetFields, verdict, reason, message: messages[reason] ?? '' };
}
