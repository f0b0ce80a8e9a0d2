import { describe, expect, it } from '@jest/globals';
import { judge, type PreviousRuns } from './judge.ts';
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

  it('flags metrics as unavailable when Prometheus could not be reached', () => {
    expect(judge(spec, measured([sat(down), lat(v(0.2))]), fresh).metricsAvailable).toBe(false);
    expect(judge(spec, measured([sat(none), lat(v(0.2))]), fresh).metricsAvailable).toBe(true);
  });

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
