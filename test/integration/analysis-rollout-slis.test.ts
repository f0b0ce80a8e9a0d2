/**
 * Analysis drives the rollout (issue 4), end to end: the operator process, the real control plane and
 * the cluster's real Prometheus, scraping exporters this test controls (one stable and one canary
 * "pod" per ModelVariant, labelled through file_sd target files). Every ModelVariant judges all six
 * built-in SLIs; side by side in one namespace, a healthy canary is promoted with every SLI shown as
 * Successful, and a canary breaching one SLI (each built-in in turn, and latency relative to stable)
 * is rolled back with that SLI and its value named in status, the Degraded condition and the Events.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SLI } from '../../src/api/types.ts';
import { clusterState, createTestNamespace, deleteTestNamespace } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import {
  CANARY, condition, eventsOf, eventWith, ownGpuNodes, promoted, rolledBack, scenarios, sliStatus, startRollout, type MvStatus, type Rollout,
} from './support/analysis-rollouts.ts';
import { HEALTHY, type TrafficProfile } from './support/model-telemetry.ts';
import { telemetryTargets, type TelemetryTargets } from './support/telemetry-targets.ts';

const W = '10s';
const SLIS: SLI[] = [
  { name: 'saturation', builtin: 'activationSaturation', max: 0.05, window: W },
  { name: 'deadUnits', builtin: 'deadUnits', max: 0.1, window: W },
  { name: 'nonFinite', builtin: 'nonFinite', max: 0.01, window: W },
  { name: 'latencyP95', builtin: 'latencyP95', max: 0.25, maxRatioToStable: 1.5, window: W },
  { name: 'errorRate', builtin: 'errorRate', max: 0.02, window: W },
  { name: 'accuracy', builtin: 'accuracy', min: 0.9, window: W },
];

interface Breach {
  model: string;
  canary: Partial<TrafficProfile>;
  sli: string;
  reason: string;
  /** The canary value Prometheus computes from the profile (latency: interpolated in its histogram bucket). */
  value: number;
}

const BREACHES: Breach[] = [
  { model: 'saturated', canary: { saturatedFraction: 0.2 }, sli: 'saturation', reason: 'AboveMax', value: 0.2 },
  { model: 'dead', canary: { zeroFraction: 0.5 }, sli: 'deadUnits', reason: 'AboveMax', value: 0.5 },
  { model: 'nonfinite', canary: { nonFiniteFraction: 0.2 }, sli: 'nonFinite', reason: 'AboveMax', value: 0.2 },
  { model: 'slow', canary: { latencySeconds: 0.4 }, sli: 'latencyP95', reason: 'AboveMax', value: 0.4875 },
  { model: 'errors', canary: { errorFraction: 0.3 }, sli: 'errorRate', reason: 'AboveMax', value: 0.3 },
  { model: 'inaccurate', canary: { accuracy: 0.5 }, sli: 'accuracy', reason: 'BelowMin', value: 0.5 },
  // 0.2 s lands at 0.245 in the (0.15, 0.25] bucket: under max 0.25, but 2.5 × stable's 0.0975.
  { model: 'relatively-slow', canary: { latencySeconds: 0.2 }, sli: 'latencyP95', reason: 'AboveMaxRatioToStable', value: 0.245 },
];

let ns: string;
let operator: RunningOperator | undefined;
let telemetry: TelemetryTargets | undefined;
let nodes: Awaited<ReturnType<typeof ownGpuNodes>> | undefined;
const outcomes = scenarios<{ final: MvStatus; rollout: Rollout }>('analysis-rollout-slis');

function run(model: string, canary: TrafficProfile, replicas: number, steps: { setWeight: number; pause: string }[]) {
  outcomes.start(model, async () => {
    const rollout = await startRollout({
      namespace: ns, name: model, resource: nodes?.resource ?? '', telemetry: telemetry as TelemetryTargets,
      prometheusUrl: clusterState().prometheusUrl, analysis: { slis: SLIS }, canary, replicas, steps,
    });
    return { final: await rollout.until('promoted or rolled back', (s) => promoted(s) || rolledBack(s), 120_000), rollout };
  });
}
const outcome = (model: string) => outcomes.get(model);

/** The number a message gives as the canary's value of `sli`. */
const valueNamed = (message: string | undefined, sli: string) => Number(new RegExp(`SLI ${sli}: canary value ([-+.0-9eInfNa]+)`).exec(message ?? '')?.[1]);

beforeAll(async () => {
  ns = await createTestNamespace('analysis-slis');
  nodes = await ownGpuNodes('analysis-slis');
  telemetry = telemetryTargets({ targetsDir: clusterState().prometheusTargetsDir });
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
  run('healthy', HEALTHY, 4, [{ setWeight: 25, pause: '3s' }, { setWeight: 50, pause: '3s' }]);
  for (const b of BREACHES) run(b.model, { ...HEALTHY, ...b.canary }, 2, [{ setWeight: 50, pause: '30s' }]);
});

afterAll(async () => {
  await outcomes.settled();
  await operator?.stop();
  await telemetry?.close();
  await deleteTestNamespace(ns);
  await nodes?.remove();
});

describe('analysis judging every built-in SLI, against the real Prometheus', () => {
  it('promotes a healthy canary, showing every SLI with its canary value, threshold and verdict Successful', async () => {
    const { final, rollout } = await outcome('healthy');
    expect(final).toMatchObject({ phase: 'Healthy', stableActivation: CANARY });
    expect(rollout.trail.some((s) => s.phase === 'Degraded')).toBe(false);
    expect(final.analysis).toMatchObject({ verdict: 'Successful', consecutiveFailures: 0, consecutiveInconclusive: 0 });
    expect(final.analysis?.slis?.map((s) => [s.name, s.verdict, s.reason, s.threshold])).toEqual([
      ['saturation', 'Successful', 'WithinBounds', '<= 0.05'],
      ['deadUnits', 'Successful', 'WithinBounds', '<= 0.1'],
      ['nonFinite', 'Successful', 'WithinBounds', '<= 0.01'],
      ['latencyP95', 'Successful', 'WithinBounds', '<= 0.25 and <= 1.5 × stable'],
      ['errorRate', 'Successful', 'WithinBounds', '<= 0.02'],
      ['accuracy', 'Successful', 'WithinBounds', '>= 0.9'],
    ]);
    const value = (name: string) => Number(sliStatus(final, name)?.canaryValue);
    expect(value('saturation')).toBeCloseTo(0.01, 6);
    expect(value('deadUnits')).toBeCloseTo(0.02, 6);
    expect(value('nonFinite')).toBe(0);
    expect(value('latencyP95')).toBeCloseTo(0.0975, 4);
    expect(Number(sliStatus(final, 'latencyP95')?.stableValue)).toBeCloseTo(0.0975, 4);
    expect(value('errorRate')).toBe(0);
    expect(value('accuracy')).toBeCloseTo(0.95, 6);
    for (const s of final.analysis?.slis ?? []) expect(s.samples).toBeGreaterThan(0);

    await eventWith(ns, 'healthy', 'Promoted'); // events are recorded after the status they explain
    const events = await eventsOf(ns, 'healthy');
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['AnalysisSuccessful', 'StepCompleted', 'Promoted']));
    expect(events.filter((e) => e.reason === 'StepWeightReached')).toHaveLength(2);
    expect(events.some((e) => e.reason === 'AnalysisFailed' || e.reason === 'RolledBack')).toBe(false);
  });

  it.each(BREACHES)('rolls back a canary breaching $sli ($model, $reason) and names the SLI and its value', async (b) => {
    const { final, rollout } = await outcome(b.model);
    expect(final).toMatchObject({ phase: 'Degraded', stableActivation: 'relu', canaryWeight: 0 });
    expect(rollout.trail.some((s) => s.stableActivation === CANARY)).toBe(false);

    const failed = sliStatus(final, b.sli);
    expect(failed).toMatchObject({ verdict: 'Failed', reason: b.reason, window: W });
    expect(Number(failed?.canaryValue)).toBeCloseTo(b.value, 3);
    expect(final.analysis?.slis?.filter((s) => s.verdict !== 'Successful').map((s) => s.name)).toEqual([b.sli]);
    expect(final.analysis).toMatchObject({ verdict: 'Failed', consecutiveFailures: 1 });

    const degraded = condition(final, 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: 'FailureLimitReached' });
    expect(valueNamed(degraded?.message, b.sli)).toBeCloseTo(b.value, 3);
    expect(final.message).toContain(`SLI ${b.sli}: canary value`);

    const analysisFailed = await eventWith(ns, b.model, 'AnalysisFailed');
    expect(analysisFailed).toMatchObject({ type: 'Warning', message: expect.stringContaining(`is Failed (was `) });
    const rolled = await eventWith(ns, b.model, 'RolledBack');
    expect(rolled.type).toBe('Warning');
    expect(rolled.message).toContain(`canary ${CANARY} rolled back (FailureLimitReached)`);
    expect(valueNamed(rolled.message, b.sli)).toBeCloseTo(b.value, 3);
  });

  it('names the stable value beside the canary value when the ratio to stable fails', async () => {
    const { final } = await outcome('relatively-slow');
    const latency = sliStatus(final, 'latencyP95');
    expect(Number(latency?.stableValue)).toBeCloseTo(0.0975, 4);
    expect(latency?.message).toMatch(/canary value 0\.245 is 2\.513 × stable 0\.0975, above maxRatioToStable 1\.5 over 10s/);
  });
});
