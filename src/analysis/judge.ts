/**
 * judge(): the pure half of an analysis run. From the spec, the measurements and the counters of the
 * previous runs it returns every SLI's verdict, the burn-rate verdict, the overall verdict, the new
 * counters, the decision for the controller (continue, hold, rollback) and the status to write.
 * Overall: Failed if any SLI failed or the burn rate exceeded its threshold on both windows; else Error
 * if anything could not be queried; else Inconclusive if anything lacked data; else Successful. Only
 * Successful lets a step promote. Counters count runs since the last Successful one: a Failed run adds
 * to consecutiveFailures, an Inconclusive or Error run to consecutiveInconclusive, and a Successful run
 * resets both (so alternating Failed and Inconclusive runs cannot dodge either limit). Reaching
 * failureLimit or inconclusiveLimit rolls back; below them a non-successful run holds the step.
 */
import { judgeBurnRate, type BurnRateResult } from './burn-rate.ts';
import type { Measurements } from './measurements.ts';
import { judgeSli, type SliResult } from './sli-verdict.ts';
import { DEFAULTS, type AnalysisSpec } from './spec.ts';
import { burnRateStatus, sliStatus, type AnalysisStatus } from './status.ts';
import { REASONS, type Reason, type Verdict } from './verdict.ts';

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
  /** False when some query could not reach Prometheus (for the MetricsAvailable condition). */
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

  const consecutiveFailures = verdict === 'Successful' ? 0 : previous.consecutiveFailures + (verdict === 'Failed' ? 1 : 0);
  const consecutiveInconclusive = verdict === 'Successful' ? 0 : previous.consecutiveInconclusive + (verdict === 'Failed' ? 0 : 1);
  const decision = decide(spec, verdict, reason, message, consecutiveFailures, consecutiveInconclusive);
  const status: AnalysisStatus = {
    lastRunAt: measurements.measuredAt.toISOString(), verdict, consecutiveFailures, consecutiveInconclusive,
    slis: slis.map((s) => sliStatus(s, measurements.measuredAt)),
    ...(burnRate ? { burnRate: burnRateStatus(burnRate) } : {}),
  };
  return {
    verdict, reason, message, slis, ...(burnRate ? { burnRate } : {}), consecutiveFailures, consecutiveInconclusive, decision,
    metricsAvailable: !all.some((r) => r.reason === REASONS.PrometheusUnavailable), measuredAt: measurements.measuredAt, status,
  };
}

function overall(all: Judged[], sliCount: number, burnRate: BurnRateResult | undefined): Judged {
  const messages = (verdict: Verdict) => all.filter((r) => r.verdict === verdict).map((r) => r.message).join('; ');
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
  if (failures >= failureLimit) {
    return { action: 'rollback', reason: REASONS.FailureLimitReached,
      message: `${failures} failed analysis run${failures === 1 ? '' : 's'} without a successful one (failureLimit ${failureLimit}): ${message}` };
  }
  if (inconclusive >= inconclusiveLimit) {
    return { action: 'rollback', reason: REASONS.InconclusiveLimitReached,
      message: `${inconclusive} inconclusive or error analysis runs without a successful one (inconclusiveLimit ${inconclusiveLimit}): ${message}` };
  }
  if (verdict === 'Successful') return { action: 'continue', reason, message };
  const count = verdict === 'Failed' ? `failure ${failures} of failureLimit ${failureLimit}` : `${inconclusive} of inconclusiveLimit ${inconclusiveLimit}`;
  return { action: 'hold', reason, message: `holding the step (${count}): ${message}` };
}
