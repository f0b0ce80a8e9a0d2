/**
 * Analysis drives the rollout (issue 4), end to end, for what is not a plain bound: the error budget's
 * burn rate on two windows (a short spike is reported and survived, a sustained burn rolls back), and
 * the values that must never pass — no data at all, NaN samples (0/0 of counters that do not grow, and
 * a NaN the exporter writes) and +Inf. The operator process runs against the real control plane and the
 * cluster's real Prometheus, which scrapes exporters this test controls; the scenarios run side by side.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SLI, SLO } from '../../src/api/types.ts';
import { clusterState, createTestNamespace, deleteTestNamespace } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import {
  CANARY, condition, eventWith, eventsOf, ownGpuNodes, promoted, rolledBack, scenarios, sliStatus, startRollout,
  type MvStatus, type Rollout, type RolloutOptions,
} from './support/analysis-rollouts.ts';
import { HEALTHY } from './support/model-telemetry.ts';
import { telemetryTargets, type TelemetryTargets } from './support/telemetry-targets.ts';

/** Budget 10 %: 100 % errors for 6 s burn 10 on the 5 s window but only ~2 on the 30 s one. */
const SLO_5S_30S: SLO = { objective: 0.9, shortWindow: '5s', longWindow: '30s', burnRateThreshold: 5 };
const SATURATION: SLI = { name: 'saturation', builtin: 'activationSaturation', max: 0.05, window: '10s' };
/** What a user writes for a custom SLI: the role's matchers, here reading the exporter's test gauge. */
const SCORE: SLI = { name: 'score', query: 'max(analysis_test_value{namespace="{{namespace}}",model="{{name}}",role="{{role}}",variant="{{variant}}"})', max: 1 };

let ns: string;
let operator: RunningOperator | undefined;
let telemetry: TelemetryTargets | undefined;
let nodes: Awaited<ReturnType<typeof ownGpuNodes>> | undefined;
const outcomes = scenarios<{ final: MvStatus; rollout: Rollout }>('analysis-rollout-budget');

type Options = Pick<RolloutOptions, 'analysis' | 'canary' | 'steps' | 'canaryGauge'>;
const start = (name: string, o: Options) => startRollout({
  namespace: ns, name, resource: nodes?.resource ?? '', telemetry: telemetry as TelemetryTargets, prometheusUrl: clusterState().prometheusUrl, ...o,
});
const outcome = (s: MvStatus) => promoted(s) || rolledBack(s);

beforeAll(async () => {
  ns = await createTestNamespace('analysis-budget');
  nodes = await ownGpuNodes('analysis-budget');
  telemetry = telemetryTargets({ targetsDir: clusterState().prometheusTargetsDir });
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();

  outcomes.start('spike', async () => {
    const t0 = Date.now();
    const rollout = await start('spike', { canary: HEALTHY, analysis: { slo: SLO_5S_30S, slis: [SATURATION] }, steps: [{ setWeight: 50, pause: '45s' }] });
    await rollout.until('canary at its weight', (s) => !!s.weightReachedAt);
    // The long window must hold 30 s of history, or the spike would weigh more in it than it does.
    await rollout.followUntil(t0 + 33_000);
    rollout.canary.serve({ ...HEALTHY, errorFraction: 1 });
    await rollout.followUntil(Date.now() + 6_000);
    rollout.canary.serve(HEALTHY);
    return { final: await rollout.until('promoted or rolled back', outcome, 90_000), rollout };
  });
  outcomes.start('burning', async () => {
    const rollout = await start('burning', { canary: { ...HEALTHY, errorFraction: 0.8 }, analysis: { slo: SLO_5S_30S, slis: [SATURATION] } });
    return { final: await rollout.until('promoted or rolled back', outcome), rollout };
  });
  // A 2 s pause: without analysis these would be promoted within seconds.
  const inconclusive = { inconclusiveLimit: 3 };
  outcomes.start('silent', async () => {
    const rollout = await start('silent', { canary: 'silent', analysis: { ...inconclusive, slis: [SATURATION, { name: 'accuracy', builtin: 'accuracy', min: 0.9, window: '10s' }] },
      steps: [{ setWeight: 50, pause: '2s' }] });
    return { final: await rollout.until('promoted or rolled back', outcome), rollout };
  });
  outcomes.start('nan', async () => {
    const rollout = await start('nan', { canary: 'idle', canaryGauge: NaN, analysis: { ...inconclusive, slis: [SCORE, { ...SATURATION, minSamples: 0 }] },
      steps: [{ setWeight: 50, pause: '2s' }] });
    return { final: await rollout.until('promoted or rolled back', outcome), rollout };
  });
  outcomes.start('infinite', async () => {
    const rollout = await start('infinite', { canary: HEALTHY, canaryGauge: Infinity, analysis: { slis: [SCORE, SATURATION] } });
    return { final: await rollout.until('promoted or rolled back', outcome), rollout };
  });
});

afterAll(async () => {
  await outcomes.settled();
  await operator?.stop();
  await telemetry?.close();
  await deleteTestNamespace(ns);
  await nodes?.remove();
});

describe('the error budget burn rate, judged on a 5s and a 30s window', () => {
  it('does not roll back a short spike that burns only the short window, reports it, and promotes', async () => {
    const { final, rollout } = await outcomes.get('spike');
    const spiking = rollout.trail.filter((s) => s.analysis?.burnRate?.reason === 'ShortWindowBurnOnly');
    expect(spiking.length).toBeGreaterThan(0);
    const burn = spiking[0]?.analysis?.burnRate;
    expect(burn).toMatchObject({ verdict: 'Successful', shortWindow: '5s', longWindow: '30s', threshold: 5 });
    expect(Number(burn?.short)).toBeGreaterThan(5);
    expect(Number(burn?.long)).toBeLessThan(5);
    expect(burn?.message).toContain('a short spike, not a failure');
    expect(rollout.trail.some((s) => s.analysis?.verdict === 'Failed' || s.phase === 'Degraded')).toBe(false);
    expect(final).toMatchObject({ phase: 'Healthy', stableActivation: CANARY });
  });

  it('rolls back a sustained burn on both windows, naming the burn rate in status and events', async () => {
    const { final } = await outcomes.get('burning');
    expect(final).toMatchObject({ phase: 'Degraded', stableActivation: 'relu', analysis: { verdict: 'Failed' } });
    const burn = final.analysis?.burnRate;
    expect(burn).toMatchObject({ verdict: 'Failed', reason: 'BurnRateExceeded', budgetRemaining: '0' });
    expect(Number(burn?.short)).toBeCloseTo(8, 1);
    expect(Number(burn?.long)).toBeCloseTo(8, 1);
    expect(sliStatus(final, 'saturation')?.verdict).toBe('Successful');
    expect(condition(final, 'Degraded')).toMatchObject({ status: 'True', reason: 'FailureLimitReached', message: expect.stringMatching(/burn rate 8 over 5s and 8 over 30s both exceed 5/) });
    expect((await eventWith(ns, 'burning', 'RolledBack')).message).toMatch(/burn rate 8 over 5s and 8 over 30s both exceed 5/);
  });
});

describe('values that never pass', () => {
  it('holds a canary without data as Inconclusive (Paused), then rolls it back at inconclusiveLimit, never promoting it', async () => {
    const { final, rollout } = await outcomes.get('silent');
    const paused = rollout.trail.find((s) => s.phase === 'Paused' && s.analysis?.verdict === 'Inconclusive');
    expect(paused?.message).toMatch(/analysis is Inconclusive, not advancing/);
    // Between runs the held message stays as it was: it once grew by its own prefix on every reconcile.
    expect(rollout.trail.every((s) => (s.message?.match(/not advancing/g) ?? []).length <= 1)).toBe(true);
    expect(sliStatus(paused as MvStatus, 'accuracy')).toMatchObject({ verdict: 'Inconclusive', reason: 'NoData' });
    expect(sliStatus(paused as MvStatus, 'accuracy')?.canaryValue).toBeUndefined();
    // Prometheus answered, but with no number to judge: the metrics are not available, and the condition says why.
    expect(condition(paused as MvStatus, 'MetricsAvailable')).toMatchObject({ status: 'False', reason: 'AnalysisInconclusive',
      message: expect.stringContaining('no data for the canary') });
    expect(rollout.trail.some((s) => s.stableActivation === CANARY || s.phase === 'Promoting')).toBe(false);
    expect(final).toMatchObject({ phase: 'Degraded', stableActivation: 'relu', analysis: { verdict: 'Inconclusive', consecutiveInconclusive: 3 } });
    expect(condition(final, 'Degraded')).toMatchObject({ reason: 'InconclusiveLimitReached', message: expect.stringContaining('(inconclusiveLimit 3)') });
    const events = await eventsOf(ns, 'silent');
    expect(events.find((e) => e.reason === 'AnalysisInconclusive')).toMatchObject({ type: 'Warning' });
    expect((await eventWith(ns, 'silent', 'RolledBack')).message).toMatch(/InconclusiveLimitReached.*SLI saturation: no data for the canary over 10s/);
  });

  it('treats NaN as Inconclusive, never a pass: a NaN sample and 0/0 of idle counters hold, then roll back', async () => {
    const { final, rollout } = await outcomes.get('nan');
    // Every held run is Inconclusive for want of a number: NaN once the samples are in (a run made before
    // the first scrape of the window reads NoData, which CI once saw first); and NaN is reported as NaN.
    const heldRuns = rollout.trail.filter((s) => s.phase === 'Paused' && s.analysis?.verdict === 'Inconclusive');
    for (const s of heldRuns) for (const name of ['score', 'saturation']) expect(['NaNValue', 'NoData']).toContain(sliStatus(s, name)?.reason);
    const held = heldRuns.find((s) => sliStatus(s, 'score')?.reason === 'NaNValue' && sliStatus(s, 'saturation')?.reason === 'NaNValue');
    for (const name of ['score', 'saturation']) {
      expect(sliStatus(held as MvStatus, name)).toMatchObject({ verdict: 'Inconclusive', reason: 'NaNValue', canaryValue: 'NaN' });
    }
    expect(condition(held as MvStatus, 'MetricsAvailable')).toMatchObject({ status: 'False', reason: 'AnalysisInconclusive' });
    expect(rollout.trail.some((s) => s.analysis?.verdict === 'Successful' || s.stableActivation === CANARY)).toBe(false);
    expect(final).toMatchObject({ phase: 'Degraded', stableActivation: 'relu' });
    expect(condition(final, 'Degraded')?.reason).toBe('InconclusiveLimitReached');
    expect((await eventWith(ns, 'nan', 'RolledBack')).message).toContain('SLI score: the canary\'s value over 1m is NaN');
  });

  it('fails +Inf above a max as InfiniteValue and rolls back, showing +Inf', async () => {
    const { final } = await outcomes.get('infinite');
    expect(final).toMatchObject({ phase: 'Degraded', stableActivation: 'relu' });
    expect(sliStatus(final, 'score')).toMatchObject({ verdict: 'Failed', reason: 'InfiniteValue', canaryValue: '+Inf', threshold: '<= 1' });
    expect(condition(final, 'Degraded')?.message).toContain('SLI score: canary value +Inf is above max 1');
    expect((await eventWith(ns, 'infinite', 'AnalysisFailed')).type).toBe('Warning');
    expect((await eventWith(ns, 'infinite', 'RolledBack')).message).toContain('SLI score: canary value +Inf is above max 1');
  });
});
