import { describe, expect, it } from '@jest/globals';
import { judge, judgeRunError, type PreviousRuns } from './judge.ts';
import type { BurnRateMeasurement, Measured, Measurements, SliMeasurement } from './measurements.ts';
import type { AnalysisSpec } from './spec.ts';

const v = (value: number): Measured => ({ kind: 'value', value });
const none: Measured = { kind: 'noData' };
const down: Measured = { kind: 'error', error: { code: 'Unreachable', address: 'http://prom', message: 'cannot reach Prometheus at http://prom (ECONNREFUSED)' } };
const at = new Date('2026-11-28T14:00:00Z');
const fresh: PreviousRuns = { consecutiveFailures: 0, consecutiveInconclusive: 0 };
const prometheus = { address: 'http://prom' };

const spec: AnalysisSpec = {
  prometheus, failureLimit: 2, inconclusiveLimit: 3,
  slis: [{ name: 'saturation', builtin: 'activationSaturation', max: 0.01 }, { name: 'latencyP95', builtin: 'latencyP95', max: 0.25, maxRatioToStable: 1.2 }],
};
const withSlo: AnalysisSpec = { ...spec, slo: { objective: 0.99, burnRateThreshold: 10 } };
const sat = (canary: Measured, samples: Measured = v(5000)): SliMeasurement =>
  ({ name: 'saturation', window: '1m', minSamples: 1000, samplesUnit: 'units observed', canary, canarySamples: samples });
const lat = (canary: Measured, stable: Measured = v(0.2)): SliMeasurement =>
  ({ name: 'latencyP95', window: '1m', minSamples: 50, samplesUnit: 'requests', canary, stable, canarySamples: v(400), stableSamples: v(4000) });
/** Burn rates 10× the given error ratios' budget: errors per 100 requests on the short and long window. */
const burn = (shortErrors: number, longErrors: number): BurnRateMeasurement => ({
  shortWindow: '1m', longWindow: '5m', customQueries: false,
  short: { errors: v(shortErrors), total: v(100) }, long: { errors: v(longErrors), total: v(100) },
});
const measured = (slis: SliMeasurement[], burnRate?: BurnRateMeasurement): Measurements => ({ measuredAt: at, slis, ...(burnRate ? { burnRate } : {}) });
const healthy = [sat(v(0.004)), lat(v(0.21))];

describe('judge: the overall verdict', () => {
  it.each<[string, AnalysisSpec, Measurements, string]>([
    ['is Successful when every SLI is within bounds', spec, measured(healthy), 'Successful'],
    ['is Failed when any SLI fails', spec, measured([sat(v(0.02)), lat(v(0.21))]), 'Failed'],
    ['is Failed when an SLI fails even while another has no data', spec, measured([sat(none), lat(v(0.3))]), 'Failed'],
    ['is Inconclusive when an SLI has no data and none fails', spec, measured([sat(none), lat(v(0.21))]), 'Inconclusive'],
    ['is Inconclusive, never a pass, when an SLI is NaN', spec, measured([sat(v(Number.NaN)), lat(v(0.21))]), 'Inconclusive'],
    ['is Error when Prometheus is unreachable', spec, measured([sat(down), lat(down, down)]), 'Error'],
    ['reports Error ahead of Inconclusive', spec, measured([sat(down), lat(none)]), 'Error'],
    ['is Failed when the burn rate exceeds the threshold on both windows', withSlo, measured(healthy, burn(20, 20)), 'Failed'],
    ['does not fail on a burn of the short window only', withSlo, measured(healthy, burn(20, 5)), 'Successful'],
    ['is Inconclusive when the burn rate has no traffic', withSlo, measured(healthy, { ...burn(0, 0), short: { errors: v(0), total: v(0) } }), 'Inconclusive'],
    ['is Inconclusive when there is nothing to judge', { prometheus }, measured([]), 'Inconclusive'],
  ])('%s', (_title, s, m, verdict) => expect(judge(s, m, fresh).verdict).toBe(verdict));

  it('names the failing SLI, its value, the threshold and the window', () => {
    const r = judge(spec, measured([sat(v(0.0234)), lat(v(0.21))]), fresh);
    expect(r.message).toBe('SLI saturation: canary value 0.0234 is above max 0.01 over 1m, 5000 units observed');
    expect(r.slis.map((s) => [s.name, s.verdict, s.reason])).toEqual([['saturation', 'Failed', 'AboveMax'], ['latencyP95', 'Successful', 'WithinBounds']]);
  });

  it('reports a short-window burn on a Successful run', () => {
    const r = judge(withSlo, measured(healthy, burn(20, 5)), fresh);
    expect(r.burnRate).toMatchObject({ verdict: 'Successful', reason: 'ShortWindowBurnOnly' });
    expect(r.message).toContain('2 SLIs within bounds and burn rate within budget (burn rate 20 over 1m exceeds 10');
  });

  it('says there is nothing to judge when analysis has no SLIs and no slo', () =>
    expect(judge({ prometheus }, measured([]), fresh)).toMatchObject({ reason: 'NoChecksConfigured', decision: { action: 'hold' } }));

  const badQuery: Measured = { kind: 'error', error: { code: 'BadQuery', status: 400, errorType: 'bad_data', query: 'x{', message: 'parse error' } };
  it.each<[string, AnalysisSpec, Measurements, boolean]>([
    ['has metrics when every check had a number', withSlo, measured(healthy, burn(1, 1)), true],
    ['has metrics when an SLI failed on a number', spec, measured([sat(v(0.02)), lat(v(0.21))]), true],
    ['has metrics when a value is +Inf (judged, not missing)', spec, measured([sat(v(Infinity)), lat(v(0.21))]), true],
    ['has metrics when there are too few samples (a number, just thin)', spec, measured([sat(v(0.004), v(3)), lat(v(0.21))]), true],
    ['has no metrics when Prometheus could not be reached', spec, measured([sat(down), lat(v(0.2))]), false],
    ['has no metrics when a query was rejected', spec, measured([sat(badQuery), lat(v(0.2))]), false],
    ['has no metrics when an SLI had no data', spec, measured([sat(none), lat(v(0.2))]), false],
    ['has no metrics when an SLI was NaN', spec, measured([sat(v(Number.NaN)), lat(v(0.2))]), false],
    ['has no metrics when stable had no data for a ratio', spec, measured([sat(v(0.004)), lat(v(0.21), none)]), false],
    ['has no metrics when stable was NaN for a ratio', spec, measured([sat(v(0.004)), lat(v(0.21), v(Number.NaN))]), false],
    ['has no metrics when the burn rate had no data', withSlo, measured(healthy, { ...burn(0, 0), long: { errors: v(0), total: none } }), false],
    ['has no metrics when the burn rate had no traffic (0/0)', withSlo, measured(healthy, { ...burn(0, 0), short: { errors: v(0), total: v(0) } }), false],
    ['has no metrics when the burn rate\'s error count was NaN', withSlo, measured(healthy, { ...burn(0, 0), short: { errors: v(Number.NaN), total: v(100) } }), false],
    ['has no metrics when a failure sits next to missing data', spec, measured([sat(v(0.02)), lat(none)]), false],
    ['has no metrics when there was nothing to check', { prometheus }, measured([]), false],
  ])('%s', (_title, s, m, available) => expect(judge(s, m, fresh).metricsAvailable).toBe(available));

  it('reports an SLI the measurements lack as an Error, not a pass', () =>
    expect(judge(spec, measured([sat(v(0.004))]), fresh).slis[1]).toMatchObject({ verdict: 'Error', reason: 'SpecInvalid' }));
});

describe('judge: counters and the decision', () => {
  const failing = measured([sat(v(0.02)), lat(v(0.21))]);
  const thin = measured([sat(none), lat(v(0.21))]);
  const outage = measured([sat(down), lat(v(0.21))]);
  it.each<[string, Measurements, PreviousRuns, number, number, string, string]>([
    ['continues on a Successful run and resets both counters', measured(healthy), { consecutiveFailures: 1, consecutiveInconclusive: 2 }, 0, 0, 'continue', 'AnalysisSuccessful'],
    ['holds on a first failure below failureLimit', failing, fresh, 1, 0, 'hold', 'AnalysisFailed'],
    ['rolls back when failures reach failureLimit', failing, { consecutiveFailures: 1, consecutiveInconclusive: 0 }, 2, 0, 'rollback', 'FailureLimitReached'],
    ['holds, never promotes, on an Inconclusive run', thin, fresh, 0, 1, 'hold', 'AnalysisInconclusive'],
    ['holds on an Error run and counts it like an inconclusive one', outage, { consecutiveFailures: 0, consecutiveInconclusive: 1 }, 0, 2, 'hold', 'AnalysisError'],
    ['rolls back when inconclusive runs reach inconclusiveLimit', thin, { consecutiveFailures: 0, consecutiveInconclusive: 2 }, 0, 3, 'rollback', 'InconclusiveLimitReached'],
    ['rolls back when errors reach inconclusiveLimit (a long outage)', outage, { consecutiveFailures: 0, consecutiveInconclusive: 2 }, 0, 3, 'rollback', 'InconclusiveLimitReached'],
    ['does not let an inconclusive run reset the failures', thin, { consecutiveFailures: 1, consecutiveInconclusive: 0 }, 1, 1, 'hold', 'AnalysisInconclusive'],
    ['does not let a failed run reset the inconclusive count', failing, { consecutiveFailures: 0, consecutiveInconclusive: 2 }, 1, 2, 'hold', 'AnalysisFailed'],
  ])('%s', (_title, m, previous, failures, inconclusive, action, reason) => {
    const r = judge(spec, m, previous);
    expect(r).toMatchObject({ consecutiveFailures: failures, consecutiveInconclusive: inconclusive, decision: { action, reason } });
  });

  it('rolls back on the first failure with the default failureLimit of 1', () =>
    expect(judge({ ...spec, failureLimit: undefined }, failing, fresh).decision.action).toBe('rollback'));

  it('holds through 9 inconclusive runs and rolls back on the 10th with the default inconclusiveLimit', () => {
    const s = { ...spec, inconclusiveLimit: undefined };
    expect(judge(s, thin, { consecutiveFailures: 0, consecutiveInconclusive: 8 }).decision.action).toBe('hold');
    expect(judge(s, thin, { consecutiveFailures: 0, consecutiveInconclusive: 9 }).decision.action).toBe('rollback');
  });

  it('explains a rollback with the count, the limit and the failing SLI', () =>
    expect(judge(spec, failing, { consecutiveFailures: 1, consecutiveInconclusive: 0 }).decision.message)
      .toBe('2 failed analysis runs without a successful one (failureLimit 2): SLI saturation: canary value 0.02 is above max 0.01 over 1m, 5000 units observed'));

  it('explains a hold with the count and the limit', () =>
    expect(judge(spec, thin, fresh).decision.message).toMatch(/^holding the step \(1 of inconclusiveLimit 3\): SLI saturation: no data for the canary over 1m/));
});

describe('judge: status', () => {
  it('writes values as Prometheus strings and leaves out absent ones', () => {
    const r = judge(withSlo, measured([sat(v(Infinity), v(1234.7)), lat(none, v(0.2))], burn(1, 0.5)), { consecutiveFailures: 0, consecutiveInconclusive: 0 }, { plannedRolloutMs: 1_200_000 });
    const measuredAt = '2026-11-28T14:00:00.000Z';
    expect(r.status).toEqual({
      lastRunAt: measuredAt, verdict: 'Failed', consecutiveFailures: 1, consecutiveInconclusive: 0,
      slis: [
        { name: 'saturation', canaryValue: '+Inf', threshold: '<= 0.01', verdict: 'Failed', reason: 'InfiniteValue', window: '1m', measuredAt, samples: 1234.7,
          message: expect.stringMatching(/^SLI saturation: canary value \+Inf is above max 0\.01 over 1m, 1235 units observed \(an infinite value/) },
        { name: 'latencyP95', stableValue: '0.2', threshold: '<= 0.25 and <= 1.2 × stable', verdict: 'Inconclusive', reason: 'NoData', window: '1m', measuredAt,
          samples: 400, stableSamples: 4000, message: expect.stringContaining('no data for the canary over 1m') },
      ],
      burnRate: { shortWindow: '1m', longWindow: '5m', short: '1', long: '0.5', threshold: 10, budgetRemaining: '0.875', verdict: 'Successful',
        reason: 'WithinBudget', message: expect.stringContaining('burn rate 1 over 1m and 0.5 over 5m are within 10') },
    });
  });

  it('writes NaN as "NaN"', () =>
    expect(judge(spec, measured([sat(v(Number.NaN)), lat(v(0.2))]), fresh).status.slis[0]?.canaryValue).toBe('NaN'));
});

describe('judgeRunError: a run refused before any query', () => {
  const refusal = { message: 'prometheus.bearerTokenSecretRef: Secret ml/t is not marked as Prometheus credentials' };
  it.each<[string, PreviousRuns, number, string, string]>([
    ['holds below inconclusiveLimit, counting the run', fresh, 1, 'hold', 'AnalysisError'],
    ['holds one run short of the limit', { consecutiveFailures: 0, consecutiveInconclusive: 1 }, 2, 'hold', 'AnalysisError'],
    ['rolls back when the run reaches inconclusiveLimit', { consecutiveFailures: 0, consecutiveInconclusive: 2 }, 3, 'rollback', 'InconclusiveLimitReached'],
    ['rolls back past the limit too (a limit lowered meanwhile)', { consecutiveFailures: 0, consecutiveInconclusive: 7 }, 8, 'rollback', 'InconclusiveLimitReached'],
  ])('%s', (_title, previous, inconclusive, action, reason) => {
    const r = judgeRunError(spec, refusal, previous, at);
    expect(r).toMatchObject({ verdict: 'Error', reason: 'AnalysisError', metricsAvailable: false, consecutiveInconclusive: inconclusive, decision: { action, reason } });
    expect(r.decision.message).toContain(refusal.message);
  });

  it('keeps the failures counted so far and writes an Error status without SLIs', () =>
    expect(judgeRunError(spec, refusal, { consecutiveFailures: 1, consecutiveInconclusive: 0 }, at).status).toEqual({
      lastRunAt: '2026-11-28T14:00:00.000Z', verdict: 'Error', consecutiveFailures: 1, consecutiveInconclusive: 1, slis: [],
    }));

  it('says how many runs and which limit in the rollback message', () =>
    expect(judgeRunError(spec, refusal, { consecutiveFailures: 0, consecutiveInconclusive: 2 }, at).decision.message)
      .toBe(`3 inconclusive or error analysis runs without a successful one (inconclusiveLimit 3): ${refusal.message}`));

  it('uses the default inconclusiveLimit of 10', () => {
    const s = { ...spec, inconclusiveLimit: undefined };
    expect(judgeRunError(s, refusal, { consecutiveFailures: 0, consecutiveInconclusive: 8 }, at).decision.action).toBe('hold');
    expect(judgeRunError(s, refusal, { consecutiveFailures: 0, consecutiveInconclusive: 9 }, at).decision.action).toBe('rollback');
  });

  it('is reset by the next Successful run like any Error run', () =>
    expect(judge(spec, measured(healthy), { consecutiveFailures: 0, consecutiveInconclusive: judgeRunError(spec, refusal, fresh, at).consecutiveInconclusive }))
      .toMatchObject({ consecutiveInconclusive: 0, decision: { action: 'continue' } }));
});

describe('judge: message sizes', () => {
  it('keeps every message within the CRD\'s limits, however long the SLI messages', () => {
    const longName = `s${'x'.repeat(60)}`;
    const many: AnalysisSpec = { prometheus, slis: Array.from({ length: 20 }, (_, i) => ({ name: `${longName}${i}`, query: `q${i}`, max: 1 })) };
    const huge: Measured = { kind: 'error', error: { code: 'BadQuery', status: 400, errorType: 'bad_data', query: 'q', message: 'm'.repeat(5000) } };
    const r = judge(many, measured(many.slis?.map((s) => ({ name: s.name, window: '1m', minSamples: 0, samplesUnit: 'samples', canary: huge })) ?? []), fresh);
    expect(r.status.slis).toHaveLength(20);
    expect(r.status.slis.map((s) => s.message.length <= 1024)).toEqual(r.status.slis.map(() => true));
    expect(r.message.length).toBeGreaterThan(1024);
    expect(r.message.length).toBeLessThanOrEqual(4096);
    expect(r.decision.message.length).toBeLessThanOrEqual(4096);
  });
});
