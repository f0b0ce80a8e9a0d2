import { describe, expect, it } from '@jest/globals';
import type { AnalysisStatus, Status } from './model.ts';
import { ANALYSIS_STATUS_REFRESH_MS, isRoutineAnalysisRefresh } from './status-refresh.ts';

const T0 = Date.parse('2026-11-30T12:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

type Sli = NonNullable<AnalysisStatus['slis']>[number];
type Run = AnalysisStatus & { slis: [Sli] };
function run(ms: number, over: Partial<AnalysisStatus> = {}): Run {
  return {
    lastRunAt: at(ms), verdict: 'Successful', consecutiveFailures: 0, consecutiveInconclusive: 0,
    slis: [{ name: 'errors', canaryValue: String(0.001 + ms / 1e9), threshold: '0.05', verdict: 'Successful', reason: 'WithinBounds', message: `errors ${ms}`, window: '1m', measuredAt: at(ms) }],
    ...over,
  } as Run;
}

const status = (analysis: AnalysisStatus | undefined, over: Partial<Status> = {}): Status =>
  ({ phase: 'Progressing', currentStepIndex: 0, canaryWeight: 20, message: 'step 1/2: pausing', ...(analysis ? { analysis } : {}), ...over });

describe('isRoutineAnalysisRefresh: which status changes may wait for the next write', () => {
  it.each([
    ['a newer Successful run with other values, 5 s later', status(run(0)), status(run(5_000)), true],
    ['the same, just inside the refresh bound', status(run(0)), status(run(ANALYSIS_STATUS_REFRESH_MS - 1)), true],
    ['the same, at the refresh bound: written', status(run(0)), status(run(ANALYSIS_STATUS_REFRESH_MS)), false],
    ['a run older than the persisted one (a clock step): written', status(run(5_000)), status(run(0)), false],
    ['the first run (none persisted)', status(undefined), status(run(0)), false],
    ['a verdict that changes to Failed', status(run(0)), status(run(5_000, { verdict: 'Failed', consecutiveFailures: 1 })), false],
    ['a verdict that changes back to Successful', status(run(0, { verdict: 'Inconclusive', consecutiveInconclusive: 1 })), status(run(5_000)), false],
    ['Inconclusive twice (its count drives the limit)', status(run(0, { verdict: 'Inconclusive', consecutiveInconclusive: 1 })), status(run(5_000, { verdict: 'Inconclusive', consecutiveInconclusive: 2 })), false],
    ['an SLI whose reason changes', status(run(0)), status(run(5_000, { slis: [{ ...run(0).slis[0], reason: 'NoTraffic' }] })), false],
    ['an SLI added by a spec change', status(run(0)), status(run(5_000, { slis: [...run(5_000).slis, { ...run(5_000).slis[0], name: 'p95' }] })), false],
    ['a burn rate that appears', status(run(0)), status(run(5_000, { burnRate: { shortWindow: '5m', longWindow: '1h', threshold: 14.4, verdict: 'Successful', reason: 'WithinBudget', message: 'm' } })), false],
    ['anything else in status that changes (the step)', status(run(0)), status(run(5_000), { currentStepIndex: 1 }), false],
    ['a message that changes', status(run(0)), status(run(5_000), { message: 'step 1/2: waiting for a Successful analysis' }), false],
  ])('%s', (_what, persisted, next, routine) => {
    expect(isRoutineAnalysisRefresh(persisted, next)).toBe(routine);
  });
});
