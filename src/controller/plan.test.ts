import { describe, expect, it } from '@jest/globals';
import { replicaSplit } from '../traffic/replicas.ts';
import type { AnalysisOutcome, Desired, Observed, RoleObservation, Status } from './model.ts';
import { plan } from './plan.ts';

const T0 = Date.parse('2026-11-28T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function desired(over: Partial<Desired> = {}): Desired {
  return {
    namespace: 'ml', name: 'sentiment', generation: 2, activation: 'gelu', replicas: 4,
    steps: [{ weight: 25, pauseMs: 60_000 }, { weight: 50, pauseMs: 60_000 }], progressDeadlineMs: 600_000, problems: [], ...over,
  };
}
const role = (activation: string, replicas: number, ready = replicas, settled = true): RoleObservation => ({ activation, replicas, ready, settled });
function observed(over: Partial<Observed> = {}): Observed {
  return { stable: role('relu', 4), routedWeight: 0, ...over };
}
const healthy: Status = { phase: 'Healthy', stableActivation: 'relu', canaryWeight: 0, conditions: [] };
const run = (d: Desired, o: Observed, s: Status, now = T0) => plan(d, o, s, now, replicaSplit);
const reasons = (p: ReturnType<typeof run>) => p.events.map((e) => e.reason);
const condition = (p: ReturnType<typeof run>, type: string) => p.status.conditions?.find((c) => c.type === type);

const atStep = (index: number, extra: Partial<Status> = {}): Status => ({
  ...healthy, phase: 'Progressing', canaryActivation: 'gelu', currentStepIndex: index, stepStartedAt: iso(T0 - 10_000), rolloutStartedAt: iso(T0 - 10_000), ...extra,
});
const success = (at: number): AnalysisOutcome => ({
  verdict: 'Successful', action: 'continue', reason: 'AllSLIsPassed', message: 'all SLIs within bounds', metricsAvailable: true,
  status: { lastRunAt: iso(at), verdict: 'Successful', consecutiveFailures: 0, consecutiveInconclusive: 0 },
});

describe('plan: first deployment', () => {
  it('deploys only the stable variant on a new ModelVariant, with no canary and no analysis', () => {
    const p = run(desired({ activation: 'relu' }), { routedWeight: 0 }, {});
    expect(p.stable).toEqual({ activation: 'relu', replicas: 4 });
    expect(p.canary).toBeNull();
    expect(p.status.phase).toBe('Progressing');
    expect(p.status.stableActivation).toBe('relu');
    expect(reasons(p)).toContain('StableDeploying');
  });
  it('becomes Healthy once the stable Deployment is ready at full size', () => {
    const p = run(desired({ activation: 'relu' }), observed(), { stableActivation: 'relu', phase: 'Progressing' });
    expect(p.status.phase).toBe('Healthy');
    expect(p.requeueAfterMs).toBeUndefined();
    expect(condition(p, 'Available')?.status).toBe('True');
  });
});

describe('plan: walking the steps', () => {
  it('starts a canary at step 1 when spec.activation changes', () => {
    const p = run(desired(), observed(), healthy);
    expect(reasons(p)).toContain('RolloutStarted');
    expect(p.status).toMatchObject({ phase: 'Progressing', canaryActivation: 'gelu', currentStepIndex: 0 });
    expect(p.canary).toEqual({ activation: 'gelu', replicas: 1 });
    expect(p.stable).toEqual({ activation: 'relu', replicas: 4 });
  });
  it('records when the weight is reached and pauses for the step', () => {
    const p = run(desired(), observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25 }), atStep(0));
    expect(p.status.weightReachedAt).toBe(iso(T0));
    expect(p.status.canaryWeight).toBe(25);
    expect(reasons(p)).toContain('StepWeightReached');
    expect(p.requeueAfterMs).toBe(60_000);
  });
  it('leaves status unchanged between reconciles of a pause, so pausing costs no status writes', () => {
    const s = atStep(0, { weightReachedAt: iso(T0 - 10_000), canaryWeight: 25 });
    const o = observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25 });
    const first = run(desired(), o, s, T0);
    const later = run(desired(), o, first.status, T0 + 7_000);
    expect(later.status).toEqual(first.status);
    expect(later.events).toEqual([]);
    expect(first.status.message).toBe('step 1/2 (25%): pausing 1m at this weight, until 2026-11-28T12:00:50Z');
  });
  it('advances to the next step once the pause has elapsed', () => {
    const s = atStep(0, { weightReachedAt: iso(T0 - 61_000) });
    const p = run(desired(), observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25 }), s);
    expect(p.status.currentStepIndex).toBe(1);
    expect(p.status.weightReachedAt).toBeUndefined();
    expect(reasons(p)).toEqual(['StepCompleted']);
  });
  it('does not advance after the pause without a Successful analysis since the weight was reached', () => {
    const d = desired({ analysis: { intervalMs: 30_000 } });
    const s = atStep(0, { weightReachedAt: iso(T0 - 61_000), analysis: { verdict: 'Successful', lastRunAt: iso(T0 - 120_000) } });
    const p = run(d, observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25 }), s);
    expect(p.status.currentStepIndex).toBe(0);
    expect(p.status.message).toMatch(/waiting for a Successful analysis/);
  });
  it('advances with a Successful analysis measured at this weight', () => {
    const d = desired({ analysis: { intervalMs: 30_000 } });
    const s = atStep(0, { weightReachedAt: iso(T0 - 61_000) });
    const p = run(d, observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25, analysis: success(T0) }), s);
    expect(p.status.currentStepIndex).toBe(1);
  });
  it('starts promotion after the last step', () => {
    const s = atStep(1, { weightReachedAt: iso(T0 - 61_000) });
    const p = run(desired(), observed({ stable: role('relu', 2), canary: role('gelu', 2), routedWeight: 50 }), s);
    expect(p.status.phase).toBe('Promoting');
    expect(reasons(p)).toContain('PromotionStarted');
  });
  it('waits at a step without pause until a promote signal', () => {
    const d = desired({ steps: [{ weight: 50 }] });
    const s = atStep(0, { weightReachedAt: iso(T0 - 1_000_000) });
    const p = run(d, observed({ stable: role('relu', 2), canary: role('gelu', 2), routedWeight: 50 }), s);
    expect(p.status.phase).toBe('Paused');
    expect(condition(p, 'Progressing')?.reason).toBe('WaitingForPromotion');
  });
  it('restarts from step 1 when spec.activation changes mid-rollout', () => {
    const s = atStep(1, { weightReachedAt: iso(T0 - 1000) });
    const p = run(desired({ activation: 'silu' }), observed({ stable: role('relu', 2), canary: role('gelu', 2) }), s);
    expect(p.status).toMatchObject({ canaryActivation: 'silu', currentStepIndex: 0 });
    expect(p.canary).toEqual({ activation: 'silu', replicas: 1 });
    expect(reasons(p)).toContain('RolloutRestarted');
  });
  it('cancels the canary when spec.activation goes back to the stable variant', () => {
    const p = run(desired({ activation: 'relu' }), observed({ stable: role('relu', 3), canary: role('gelu', 1) }), atStep(0));
    expect(p.canary).toBeNull();
    expect(p.stable).toEqual({ activation: 'relu', replicas: 4 });
    expect(p.status.canaryActivation).toBeUndefined();
    expect(reasons(p)).toContain('RolloutCancelled');
  });
});

describe('plan: promotion', () => {
  const promoting = atStep(1, { phase: 'Promoting', canaryWeight: 50 });
  it('first switches the stable Deployment to the new activation at its current size', () => {
    const p = run(desired(), observed({ stable: role('relu', 2), canary: role('gelu', 2) }), promoting);
    expect(p.stable).toEqual({ activation: 'gelu', replicas: 2 });
    expect(p.canary).toEqual({ activation: 'gelu', replicas: 2 });
  });
  it('then grows stable to full size while the canary keeps serving', () => {
    const p = run(desired(), observed({ stable: role('gelu', 2), canary: role('gelu', 2), capacity: { resource: 'nvidia.com/gpu', perPod: 1, fits: 4, detail: '' } }), promoting);
    expect(p.stable).toEqual({ activation: 'gelu', replicas: 4 });
    expect(p.canary).toEqual({ activation: 'gelu', replicas: 2 });
  });
  it('hands the canary share over in one move when GPUs are too tight for both', () => {
    const p = run(desired(), observed({ stable: role('gelu', 2), canary: role('gelu', 2), capacity: { resource: 'nvidia.com/gpu', perPod: 1, fits: 0, detail: '' } }), promoting);
    expect(p.stable).toEqual({ activation: 'gelu', replicas: 4 });
    expect(p.canary).toBeNull();
  });
  it('records the new stable and removes the canary once stable is ready at full size', () => {
    const p = run(desired(), observed({ stable: role('gelu', 4), canary: role('gelu', 2) }), promoting);
    expect(p.status).toMatchObject({ phase: 'Healthy', stableActivation: 'gelu', canaryWeight: 0 });
    expect(p.status.canaryActivation).toBeUndefined();
    expect(p.canary).toBeNull();
    expect(reasons(p)).toContain('Promoted');
  });
});

describe('plan: rollback and signals', () => {
  const atWeight = observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25 });
  it('rolls back on a Failed analysis and names the reason', () => {
    const failed: AnalysisOutcome = { ...success(T0), verdict: 'Failed', action: 'rollback', reason: 'AnalysisFailed', message: 'SLI saturation canary 0.4 > max 0.01 over 1m' };
    const p = run(desired({ analysis: { intervalMs: 30_000 } }), { ...atWeight, analysis: failed }, atStep(0, { weightReachedAt: iso(T0 - 40_000) }));
    expect(p.status.phase).toBe('Degraded');
    expect(p.canary).toBeNull();
    expect(p.stable).toEqual({ activation: 'relu', replicas: 4 });
    expect(condition(p, 'Degraded')).toMatchObject({ status: 'True', reason: 'AnalysisFailed' });
    expect(p.status.message).toMatch(/saturation canary 0.4 > max 0.01/);
  });
  it('holds on an Inconclusive analysis and never advances', () => {
    const inconclusive: AnalysisOutcome = { ...success(T0), verdict: 'Inconclusive', action: 'hold', reason: 'NoData', message: 'no data', metricsAvailable: false,
      status: { verdict: 'Inconclusive', lastRunAt: iso(T0) } };
    const p = run(desired({ analysis: { intervalMs: 30_000 } }), { ...atWeight, analysis: inconclusive }, atStep(0, { weightReachedAt: iso(T0 - 1_000_000) }));
    expect(p.status.phase).toBe('Paused');
    expect(p.status.currentStepIndex).toBe(0);
    expect(condition(p, 'MetricsAvailable')?.status).toBe('False');
  });
  it('keeps the hold message as it is between analysis runs, so a held step writes no status', () => {
    const d = desired({ analysis: { intervalMs: 30_000 } });
    const inconclusive: AnalysisOutcome = { ...success(T0), verdict: 'Inconclusive', action: 'hold', reason: 'AnalysisInconclusive', message: 'SLI accuracy: no data',
      status: { verdict: 'Inconclusive', lastRunAt: iso(T0) } };
    const held = run(d, { ...atWeight, analysis: inconclusive }, atStep(0, { weightReachedAt: iso(T0 - 1_000_000) })).status;
    expect(held.message).toBe('step 1/2 (25%): analysis is Inconclusive, not advancing: SLI accuracy: no data');
    const between = run(d, atWeight, held, T0 + 1_000).status;
    expect(run(d, atWeight, between, T0 + 2_000).status).toEqual(between);
    expect(between.message).toBe(held.message);
  });
  it('aborts on an abort signal, once', () => {
    const d = desired({ signal: 'abort@1' });
    const p = run(d, atWeight, atStep(0));
    expect(p.status).toMatchObject({ phase: 'Degraded', handledSignal: 'abort@1' });
    const again = run(d, observed(), p.status);
    expect(reasons(again)).not.toContain('RolledBack');
    expect(again.status.phase).toBe('Degraded');
  });
  it('stays rolled back until retry, then restarts from step 1', () => {
    const degraded = { ...atStep(0), phase: 'Degraded' as const, handledSignal: 'abort@1' };
    expect(run(desired(), observed(), degraded).canary).toBeNull();
    const p = run(desired({ signal: 'retry@2' }), observed(), degraded);
    expect(p.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 0, canaryActivation: 'gelu' });
    expect(reasons(p)).toContain('RolloutRetried');
  });
  it('pauses and resumes keeping the remaining pause time', () => {
    const s = atStep(0, { weightReachedAt: iso(T0 - 20_000) });
    const paused = run(desired({ signal: 'pause@1' }), atWeight, s, T0);
    expect(paused.status.phase).toBe('Paused');
    const resumed = run(desired({ signal: 'resume@2' }), atWeight, paused.status, T0 + 300_000);
    expect(resumed.status.phase).toBe('Progressing');
    expect(resumed.requeueAfterMs).toBe(40_000);
  });
  it('promotes at once on a promote signal, skipping the remaining steps', () => {
    const p = run(desired({ signal: 'promote@1' }), atWeight, atStep(0));
    expect(p.status.phase).toBe('Promoting');
    expect(p.stable?.activation).toBe('gelu');
  });
  it('rejects an unknown signal with an event that lists the valid ones', () => {
    const p = run(desired({ activation: 'relu', signal: 'explode@1' }), observed(), healthy);
    expect(p.events.find((e) => e.reason === 'SignalRejected')?.message).toMatch(/pause, resume, promote, abort, retry/);
  });
});

describe('plan: capacity and deadlines', () => {
  it('holds the canary with the shortfall in a condition when GPUs do not fit', () => {
    const o = observed({ stable: role('relu', 4, 1, false), capacity: { resource: 'nvidia.com/gpu', perPod: 2, fits: 0, detail: 'gpu-node-a 1/4 free' } });
    const p = run(desired({ steps: [{ weight: 50, pauseMs: 1000 }] }), o, atStep(0));
    expect(p.status.phase).toBe('Paused');
    expect(p.canary).toEqual({ activation: 'gelu', replicas: 0 });
    const c = condition(p, 'CapacityAvailable');
    expect(c).toMatchObject({ status: 'False', reason: 'InsufficientGPU' });
    expect(c?.message).toMatch(/needs 2 more pod\(s\) × 2 nvidia.com\/gpu .* only 0 fit/);
  });
  it('shrinks stable first and counts the GPUs its running pods free when capacity is tight', () => {
    const o = observed({ stable: role('relu', 4), capacity: { resource: 'nvidia.com/gpu', perPod: 1, fits: 0, detail: '' } });
    const p = run(desired(), o, atStep(0));
    expect(p.canary).toEqual({ activation: 'gelu', replicas: 1 });
    expect(p.stable).toEqual({ activation: 'relu', replicas: 3 });
  });
  it('surges the canary first when GPUs fit, and shrinks stable once the canary is ready', () => {
    const capacity = { resource: 'nvidia.com/gpu', perPod: 1, fits: 4, detail: '' };
    const first = run(desired(), observed({ capacity }), atStep(0));
    expect(first.canary).toEqual({ activation: 'gelu', replicas: 1 });
    expect(first.stable).toEqual({ activation: 'relu', replicas: 4 });
    const then = run(desired(), observed({ capacity, canary: role('gelu', 1) }), atStep(0));
    expect(then.stable).toEqual({ activation: 'relu', replicas: 3 });
  });
  it('rolls back a canary still not ready past the progress deadline', () => {
    const s = atStep(0, { stepStartedAt: iso(T0 - 700_000) });
    const o = observed({ stable: role('relu', 3), canary: { activation: 'gelu', replicas: 1, ready: 0, settled: false, unschedulable: '0/2 nodes are available: 2 Insufficient nvidia.com/gpu' } });
    const p = run(desired(), o, s);
    expect(p.status.phase).toBe('Degraded');
    expect(condition(p, 'Degraded')?.reason).toBe('ProgressDeadlineExceeded');
    expect(p.status.message).toMatch(/Insufficient nvidia.com\/gpu/);
  });
  it('reports an invalid spec in a condition, changes nothing and does not requeue', () => {
    const p = run(desired({ problems: ['spec.template has no container image'] }), observed(), healthy);
    expect(condition(p, 'SpecValid')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(p.stable).toEqual({ activation: 'relu', replicas: 4 });
    expect(p.requeueAfterMs).toBeUndefined();
  });
});
