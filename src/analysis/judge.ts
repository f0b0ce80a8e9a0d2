/**
 * judge(): the pure half of an analysis run. From the spec, the measurements and the counters of the
 * previous runs it returns every SLI's verdict, the burn-rate verdict, the overall verdict, the new
 * counters, the decision for the controller (continue, hold, rollback) and the status to write.
 * Overall: Failed if any SLI failed or the burn rate exceeded its threshold on both windows; else Error
 * if anything could not be queried; else Inconclusive if anything lacked data; else Successful. Only
 * Successful lets a step promote. Counters count runs since the last Successful one: a Failed run adds
 * to consecutiveFailures, an Inconclusive or Error run to consecutiveInconclusive, and a Successful run
 * resets both (so alternating Failed and Inconclusive runs cannot dodge either limit). Reaching
 * failureLimit or inconclusiveLimit rolls back; below them a non-successful run holds the step. A run
 * refused before measuring (judgeRunError: a credentials Secret, the address allow-list) is an Error
 * run like any other: it counts toward inconclusiveLimit and rolls back once the limit is reached.
 * `metricsAvailable` is true only when every check had a usable number (see NO_USABLE_NUMBER).
 */
import { judgeBurnRate, type BurnRateResult } from './burn-rate.ts';
import type { RunError } from './errors.ts';
import type { Measurements } from './measurements.ts';
import { clip, MAX_RUN_MESSAGE } from './sanitize.ts';
import { judgeSli, type SliResult } from './sli-verdict.ts';
import { DEFAULTS, type AnalysisSpec } from './spec.ts';
import { burnRateStatus, sliStatus, type AnalysisStatus } from './status.ts';
import { NO_USABLE_NUMBER, REASONS, type Reason, type Verdict } from './verdict.ts';

export interface PreviousRuns {
  consecutiveFailures: number;
  consecutiveInconclusive: number;
}

export interface JudgeOptions {
  /** The rollout's planned duration (plannedRolloutMs(steps)), the burn-rate budget period; default 0 → the long window. */
  plannedRolloutMs?: number;
}

export interface Decision {
  action: 'continue' | 'hold' | 'rollback';
  reason: Reason;
  message: string;
}

export interface AnalysisResult {
  verdict: Verdict;
  reason: Reason;
  message: string;
  slis: SliResult[];
  burnRate?: BurnRateResult;
  consecutiveFailures: number;
  consecutiveInconclusive: number;
  decision: Decision;
  /**
   * False when some check had no usable number: no data, NaN, no traffic, a query that failed or could
   * not be made, or nothing to check at all (for the MetricsAvailable condition).
   */
  metricsAvailable: boolean;
  measuredAt: Date;
  status: AnalysisStatus;
}

type Judged = Pick<SliResult, 'verdict' | 'reason' | 'message'>;

export function judge(spec: AnalysisSpec, measurements: Measurements, previous: PreviousRuns, options: JudgeOptions = {}): AnalysisResult {
  const slis = (spec.slis ?? []).map((sli): SliResult => {
    const m = measurements.slis.find((s) => s.name === sli.name);
    if (m) return judgeSli(sli, m);
    return { name: sli.name, verdict: 'Error', reason: REASONS.SpecInvalid, window: '', threshold: '',
      message: `SLI ${sli.name}: was not measured (the spec changed during the run); it is measured next time` };
  });
  const burnRate = spec.slo && measurements.burnRate ? judgeBurnRate(spec.slo, measurements.burnRate, options.plannedRolloutMs ?? 0) : undefined;
  const all: Judged[] = [...slis, ...(burnRate ? [burnRate] : [])];
  const { verdict, reason, message } = overall(all, slis.length, burnRate);
  const { consecutiveFailures, consecutiveInconclusive } = count(verdict, previous);
  const decision = decide(spec, verdict, reason, message, consecutiveFailures, consecutiveInconclusive);
  const status: AnalysisStatus = {
    lastRunAt: measurements.measuredAt.toISOString(), verdict, consecutiveFailures, consecutiveInconclusive,
    slis: slis.map((s) => sliStatus(s, measurements.measuredAt)),
    ...(burnRate ? { burnRate: burnRateStatus(burnRate) } : {}),
  };
  return {
    verdict, reason, message, slis, ...(burnRate ? { burnRate } : {}), consecutiveFailures, consecutiveInconclusive, decision,
    metricsAvailable: hasUsableNumbers(all), measuredAt: measurements.measuredAt, status,
  };
}

/**
 * Judges a run that was refused before any query (a credentials Secret missing, forbidden or not
 * marked; the address not allowed; or the runner failing unexpectedly): an Error run with no numbers,
 * counted toward inconclusiveLimit like an outage, so a problem nobody fixes rolls the canary back.
 * The status has no SLIs: nothing was measured.
 */
export function judgeRunError(spec: AnalysisSpec, error: Pick<RunError, 'message'>, previous: PreviousRuns, measuredAt: Date): AnalysisResult {
  const verdict: Verdict = 'Error';
  const message = clip(error.message, MAX_RUN_MESSAGE);
  const { consecutiveFailures, consecutiveInconclusive } = count(verdict, previous);
  const decision = decide(spec, verdict, REASONS.AnalysisError, message, consecutiveFailures, consecutiveInconclusive);
  return {
    verdict, reason: REASONS.AnalysisError, message, slis: [], consecutiveFailures, consecutiveInconclusive, decision,
    metricsAvailable: false, measuredAt,
    status: { lastRunAt: measuredAt.toISOString(), verdict, consecutiveFailures, consecutiveInconclusive, slis: [] },
  };
}

/** True when there was something to check and every check had a number to judge. */
export function hasUsableNumbers(checks: readonly Judged[]): boolean {
  return checks.length > 0 && !checks.some((c) => c.verdict === 'Error' || NO_USABLE_NUMBER.has(c.reason));
}

/** The counters after a run with `verdict`: runs since the last Successful one. */
function count(verdict: Verdict, previous: PreviousRuns): PreviousRuns {
  if (verdict === 'Successful') return { consecutiveFailures: 0, consecutiveInconclusive: 0 };
  return verdict === 'Failed'
    ? { consecutiveFailures: previous.consecutiveFailures + 1, consecutiveInconclusive: previous.consecutiveInconclusive }
    : { consecutiveFailures: previous.consecutiveFailures, consecutiveInconclusive: previous.consecutiveInconclusive + 1 };
}

function overall(all: Judged[], sliCount: number, burnRate: BurnRateResult | undefined): Judged {
  const messages = (verdict: Verdict) => clip(all.filter((r) => r.verdict === verdict).map((r) => r.message).join('; '), MAX_RUN_MESSAGE);
  if (all.some((r) => r.verdict === 'Failed')) return { verdict: 'Failed', reason: REASONS.AnalysisFailed, message: messages('Failed') };
  if (all.some((r) => r.verdict === 'Error')) return { verdict: 'Error', reason: REASONS.AnalysisError, message: messages('Error') };
  if (all.some((r) => r.verdict === 'Inconclusive')) return { verdict: 'Inconclusive', reason: REASONS.AnalysisInconclusive, message: messages('Inconclusive') };
  if (all.length === 0) {
    return { verdict: 'Inconclusive', reason: REASONS.NoChecksConfigured,
      message: 'analysis has no SLIs and no slo, so nothing can show the canary is healthy: add slis or an slo (slo: {} uses the defaults)' };
  }
  const checked = [sliCount > 0 ? `${sliCount} SLI${sliCount === 1 ? '' : 's'} within bounds` : '', burnRate ? 'burn rate within budget' : '']
    .filter(Boolean).join(' and ');
  const note = burnRate && burnRate.reason !== REASONS.WithinBudget ? ` (${burnRate.message})` : '';
  return { verdict: 'Successful', reason: REASONS.AnalysisSuccessful, message: `${checked}${note}` };
}

function decide(spec: AnalysisSpec, verdict: Verdict, reason: Reason, message: string, failures: number, inconclusive: number): Decision {
  const failureLimit = spec.failureLimit ?? DEFAULTS.failureLimit;
  const inconclusiveLimit = spec.inconclusiveLimit ?? DEFAULTS.inconclusiveLimit;
  const decision = (action: Decision['action'], why: Reason, text: string): Decision => ({ action, reason: why, message: clip(text, MAX_RUN_MESSAGE) });
  if (failures >= failureLimit) {
    return decision('rollback', REASONS.FailureLimitReached,
      `${failures} failed analysis run${failures === 1 ? '' : 's'} without a successful one (failureLimit ${failureLimit}): ${message}`);
  }
  if (inconclusive >= inconclusiveLimit) {
    return decision('rollback', REASONS.InconclusiveLimitReached,
      `${inconclusive} inconclusive or error analysis run${inconclusive === 1 ? '' : 's'} without a successful one (inconclusiveLimit ${inconclusiveLimit}): ${message}`);
  }
  if (verdict === 'Successful') return decision('continue', reason, message);
  const counted = verdict === 'Failed' ? `failure ${failures} of failureLimit ${failureLimit}` : `${inconclusive} of inconclusiveLimit ${inconclusiveLimit}`;
  return decision('hold', reason, `holding the step (${counted}): ${message}`);
}
