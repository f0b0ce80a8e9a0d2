import { describe, expect, it } from '@jest/globals';
import { replicaSplit } from '../traffic/replicas.ts';
import type { AnalysisOutcome, Desired, Observed, RoleObservation, Status } from './model.ts';
import { plan } from './plan.ts';

const T0 = Date.parse('2026-11-28T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const v = (activation: string, revision = 'r1') => ({ activation, revision });

function desired(over: Partial<Desired> = {}): Desired {
  return {
    namespace: 'ml', name: 'sentiment', generation: 2, variant: v('gelu'), change: 'activation relu → gelu', replicas: 4,
    steps: [{ weight: 25, pauseMs: 60_000 }, { weight: 50, pauseMs: 60_000 }], progressDeadlineMs: 600_000,
    promotionDeadlineMs: 600_000, capacityTimeoutMs: 1_800_000, problems: [], ...over,
  };
}
const role = (activation: string, replicas: number, ready = replicas, settled = true, revision = 'r1'): RoleObservation => ({ variant: v(activation, revision), replicas, ready, settled });
function observed(over: Partial<Observed> = {}): Observed {
  return { stable: role('relu', 4), routedWeight: 0, ...over };
}
const healthy: Status = { phase: 'Healthy', stableActivation: 'relu', stableRevision: 'r1', canaryWeight: 0, conditions: [] };
const run = (d: Desired, o: Observed, s: Status, now = T0) => plan(d, o, s, now, replicaSplit);
const reasons = (p: ReturnType<typeof run>) => p.events.map((e) => e.reason);
const condition = (p: ReturnType<typeof run>, type: string) => p.status.conditions?.find((c) => c.type === type);
const gpus = (fits: number) => ({ resource: 'nvidia.com/gpu', perPod: 1, fits, detail: `node-a: ${fits}/4 free` });

const atStep = (index: number, extra: Partial<Status> = {}): Status => ({
  ...healthy, phase: 'Progressing', canaryActivation: 'gelu', canaryRevision: 'r1', maxUnavailable: 0, currentStepIndex: index,
  stepStartedAt: iso(T0 - 10_000), rolloutStartedAt: iso(T0 - 10_000), ...extra,
});
const success = (at: number): AnalysisOutcome => ({
  verdict: 'Successful', action: 'continue', reason: 'AllSLIsPassed', message: 'all SLIs within bounds', metricsAvailable: true,
  status: { lastRunAt: iso(at), verdict: 'Successful', consecutiveFailures: 0, consecutiveInconclusive: 0 },
});

describe('plan: first deployment', () => {
  it('deploys only the stable variant on a new ModelVariant, with no canary and no analysis', () => {
    const p = run(desired({ variant: v('relu') }), { routedWeight: 0 }, {});
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 4 });
    expect(p.canary).toBeNull();
    expect(p.status).toMatchObject({ phase: 'Progressing', stableActivation: 'relu', stableRevision: 'r1', selector: 'activationcanary.io/model=sentiment' });
    expect(reasons(p)).toContain('StableDeploying');
  });
  it('becomes Healthy once the stable Deployment is ready at full size, and asks for no requeue', () => {
    const p = run(desired({ variant: v('relu') }), observed(), { stableActivation: 'relu', stableRevision: 'r1', phase: 'Progressing' });
    expect(p.status.phase).toBe('Healthy');
    expect(p.requeueAfterMs).toBeUndefined();
    expect(condition(p, 'Available')?.status).toBe('True');
  });
  it('takes a status written before revisions existed as stable running spec.template', () => {
    const p = run(desired({ variant: v('relu') }), observed({ stable: { replicas: 4, ready: 4, settled: true } }), { stableActivation: 'relu', phase: 'Healthy' });
    expect(p.status.stableRevision).toBe('r1');
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 4 });
  });
});

describe('plan: a variant is its activation and its pod template', () => {
  it('starts a canary for a template change alone, and stable keeps the promoted template', () => {
    const p = run(desired({ variant: v('relu', 'r2'), change: 'image m:1 → m:2' }), observed(), healthy);
    expect(reasons(p)).toContain('RolloutStarted');
    expect(p.status).toMatchObject({ canaryActivation: 'relu', canaryRevision: 'r2', change: 'image m:1 → m:2' });
    expect(p.stable).toEqual({ variant: v('relu', 'r1'), replicas: 4 });
    expect(p.canary).toEqual({ variant: v('relu', 'r2'), replicas: 1 });
  });
  it('a rollback restores the stable template exactly, not the one in spec', () => {
    const d = desired({ variant: v('gelu', 'r2'), signal: 'abort@1' });
    const p = run(d, observed({ stable: role('relu', 3), canary: role('gelu', 1, 1, true, 'r2') }), atStep(0, { canaryRevision: 'r2' }));
    expect(p.status.phase).toBe('Degraded');
    expect(p.stable).toEqual({ variant: v('relu', 'r1'), replicas: 4 });
  });
  it('repairs a stable Deployment whose template was changed by hand', () => {
    const p = run(desired({ variant: v('relu') }), observed({ stable: role('relu', 4, 4, true, 'hand-edited') }), healthy);
    expect(p.stable).toEqual({ variant: v('relu', 'r1'), replicas: 4 });
    expect(p.status.phase).toBe('Progressing');
  });
  it('replaces a stable variant that never served directly, without a canary (a first template the apiserver refused)', () => {
    const p = run(desired({ variant: v('relu', 'r2'), change: 'pod template (resources)' }), { routedWeight: 0 }, { ...healthy, phase: 'Progressing' });
    expect(reasons(p)).toContain('StableReplaced');
    expect(p.status).toMatchObject({ stableActivation: 'relu', stableRevision: 'r2' });
    expect(p.status.canaryActivation).toBeUndefined();
    expect(p.stable).toEqual({ variant: v('relu', 'r2'), replicas: 4 });
    expect(p.canary).toBeNull();
  });
  it('does not start a canary for a replica change alone', () => {
    const p = run(desired({ variant: v('relu'), replicas: 6 }), observed(), healthy);
    expect(p.canary).toBeNull();
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 6 });
    expect(reasons(p)).not.toContain('RolloutStarted');
  });
});

describe('plan: walking the steps', () => {
  it('starts a canary at step 1 with a surge: stable keeps serving all its pods', () => {
    const p = run(desired(), observed(), healthy);
    expect(reasons(p)).toContain('RolloutStarted');
    expect(p.status).toMatchObject({ phase: 'Progressing', canaryActivation: 'gelu', currentStepIndex: 0, maxUnavailable: 0 });
    expect(p.canary).toEqual({ variant: v('gelu'), replicas: 1 });
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 4 });
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
    expect(JSON.stringify(later.status)).toBe(JSON.stringify(first.status));
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
  it('waits for the next analysis, not in a 100 ms loop, when the pause is shorter than the interval', () => {
    const d = desired({ analysis: { intervalMs: 30_000 }, steps: [{ weight: 25, pauseMs: 1_000 }, { weight: 50, pauseMs: 1_000 }] });
    const s = atStep(0, { weightReachedAt: iso(T0 - 5_000) });
    const p = run(d, observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25 }), s);
    expect(p.status.message).toMatch(/waiting for a Successful analysis/);
    expect(p.requeueAfterMs).toBe(25_000);
  });
  it('clamps a pause longer than a timer can wait', () => {
    const d = desired({ steps: [{ weight: 25, pauseMs: 100_000 * 3_600_000 }] });
    const p = run(d, observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25 }), atStep(0, { weightReachedAt: iso(T0 - 1) }));
    expect(p.requeueAfterMs).toBe(2 ** 31 - 1);
  });
  it('does not advance after the pause without a Successful analysis since the weight was reached', () => {
    const d = desired({ analysis: { intervalMs: 30_000 } });
    const s = atStep(0, { weightReachedAt: iso(T0 - 61_000), analysis: { verdict: 'Successful', lastRunAt: iso(T0 - 120_000) } });
    const p = run(d, observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25 }), s);
    expect(p.status.currentStepIndex).toBe(0);
    expect(p.status.message).toMatch(/waiting for a Successful analysis/);
  });
  it('holds without a requeue while the scheduler measures a due run, and still wakes at the end of the pause', () => {
    const d = desired({ analysis: { intervalMs: 30_000 } });
    const o = observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25, analysisPending: true });
    const held = run(d, o, atStep(0, { weightReachedAt: iso(T0 - 61_000), analysis: { verdict: 'Inconclusive', lastRunAt: iso(T0 - 31_000) } }));
    expect(held.status.currentStepIndex).toBe(0);
    expect(held.requeueAfterMs).toBeUndefined(); // the verdict landing wakes it, not a 100 ms loop
    const pausing = run(d, o, atStep(0, { weightReachedAt: iso(T0 - 40_000) }));
    expect(pausing.requeueAfterMs).toBe(20_000);
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
  it('restarts from step 1 when the variant changes mid-rollout: the previous canary leaves first, never switched in place', () => {
    const s = atStep(1, { weightReachedAt: iso(T0 - 1000) });
    const p = run(desired({ variant: v('silu') }), observed({ stable: role('relu', 2), canary: role('gelu', 2) }), s);
    expect(p.status).toMatchObject({ canaryActivation: 'silu', currentStepIndex: 0 });
    expect(reasons(p)).toContain('RolloutRestarted');
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 4 });
    expect(p.canary).toEqual({ variant: v('gelu'), replicas: 2 });
    const then = run(desired({ variant: v('silu') }), observed({ stable: role('relu', 4), canary: role('gelu', 2) }), p.status);
    expect(then.canary).toBeNull();
    const next = run(desired({ variant: v('silu') }), observed({ stable: role('relu', 4) }), then.status);
    expect(next.canary).toEqual({ variant: v('silu'), replicas: 1 });
  });
  it('cancels when the variant goes back to stable: stable grows back before the canary goes', () => {
    const p = run(desired({ variant: v('relu') }), observed({ stable: role('relu', 3), canary: role('gelu', 1) }), atStep(0));
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 4 });
    expect(p.canary).toEqual({ variant: v('gelu'), replicas: 1 });
    expect(p.status.canaryActivation).toBeUndefined();
    expect(reasons(p)).toContain('RolloutCancelled');
    const then = run(desired({ variant: v('relu') }), observed({ stable: role('relu', 4), canary: role('gelu', 1) }), p.status);
    expect(then.canary).toBeNull();
  });
});

describe('plan: the replicas router with few replicas', () => {
  it('with 1 replica, adds the canary beside stable (50%) instead of cutting over, and says so', () => {
    const d = desired({ replicas: 1, steps: [{ weight: 10, pauseMs: 60_000 }] });
    const p = run(d, observed({ stable: role('relu', 1) }), healthy);
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 1 });
    expect(p.canary).toEqual({ variant: v('gelu'), replicas: 1 });
    expect(condition(p, 'TrafficSplitExact')).toMatchObject({ status: 'False', reason: 'CoarseReplicaSplit' });
    expect(condition(p, 'TrafficSplitExact')?.message).toMatch(/50% of traffic instead of 10%: set spec.replicas to a multiple of 10/);
    expect(reasons(p)).toContain('TrafficSplitInexact');
  });
  it('with 2 replicas at 75%, never sends everything to the canary', () => {
    const d = desired({ replicas: 2, steps: [{ weight: 75, pauseMs: 60_000 }] });
    const p = run(d, observed({ stable: role('relu', 2), canary: role('gelu', 1) }), atStep(0, { currentStepIndex: 0 }));
    expect(p.stable?.replicas).toBeGreaterThanOrEqual(1);
  });
});

describe('plan: promotion', () => {
  const promoting = atStep(1, { phase: 'Promoting', canaryWeight: 50, stepStartedAt: iso(T0 - 1_000) });
  it('with maxUnavailable 0, first adds one canary pod so stable can be replaced without a dip', () => {
    const p = run(desired(), observed({ stable: role('relu', 2), canary: role('gelu', 2) }), promoting);
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 2 });
    expect(p.canary).toEqual({ variant: v('gelu'), replicas: 3 });
  });
  it('then switches stable to the new variant at its current size', () => {
    const p = run(desired(), observed({ stable: role('relu', 2), canary: role('gelu', 3) }), promoting);
    expect(p.stable).toEqual({ variant: v('gelu'), replicas: 2 });
  });
  it('then grows stable to full size while the canary keeps serving', () => {
    const p = run(desired(), observed({ stable: role('gelu', 2), canary: role('gelu', 3), capacity: gpus(4) }), promoting);
    expect(p.stable).toEqual({ variant: v('gelu'), replicas: 4 });
    expect(p.canary).toEqual({ variant: v('gelu'), replicas: 3 });
  });
  it('hands the canary share over pod by pod when GPUs are too tight for both', () => {
    const p = run(desired(), observed({ stable: role('gelu', 2), canary: role('gelu', 2), capacity: gpus(0) }), { ...promoting, maxUnavailable: 1 });
    expect(p.stable).toEqual({ variant: v('gelu'), replicas: 3 });
    expect(p.canary).toEqual({ variant: v('gelu'), replicas: 1 });
  });
  it('looks again at a capacity hold during promotion as often as any hold, not only at the promotion deadline', () => {
    const p = run(desired(), observed({ stable: role('relu', 2), canary: role('gelu', 2), capacity: gpus(0) }), promoting);
    expect(p.status.capacityHoldSince).toBe(iso(T0));
    expect(p.requeueAfterMs).toBe(30_000);
    const timingOut = { ...promoting, capacityHoldSince: iso(T0 - 1_795_000), stepStartedAt: iso(T0 - 1_000) };
    expect(run(desired({ promotionDeadlineMs: 3_600_000 }), observed({ stable: role('relu', 2), canary: role('gelu', 2), capacity: gpus(0) }), timingOut).requeueAfterMs).toBe(5_000);
  });
  it('keeps the canary while stable still replaces pods in place, even when stable reports full size Ready', () => {
    const replacing = { ...role('gelu', 4, 4, false), readyAtRisk: 1 };
    const p = run(desired(), observed({ stable: replacing, canary: role('gelu', 3) }), promoting);
    expect(p.stable).toEqual({ variant: v('gelu'), replicas: 4 });
    expect(p.canary).toEqual({ variant: v('gelu'), replicas: 3 });
  });
  it('records the new stable once the canary is gone and stable is ready at full size', () => {
    const p = run(desired(), observed({ stable: role('gelu', 4) }), promoting);
    expect(p.status).toMatchObject({ phase: 'Healthy', stableActivation: 'gelu', stableRevision: 'r1', canaryWeight: 0 });
    expect(p.status.canaryActivation).toBeUndefined();
    expect(p.canary).toBeNull();
    expect(reasons(p)).toContain('Promoted');
  });
  it('keeps the promotion\'s message on the next pass: a promoted rollout costs no status write to reword it', () => {
    const done = run(desired(), observed({ stable: role('gelu', 4) }), promoting);
    const next = run(desired(), observed({ stable: role('gelu', 4) }), done.status, T0 + 100);
    expect(next.status).toEqual(done.status);
    expect(next.status.message).toBe('stable gelu serving (promoted from relu)');
    expect(reasons(next)).toEqual([]);
  });
  it('rewords a Healthy message that says something else once the steady state is back (a spec that was invalid)', () => {
    const wasInvalid: Status = { ...healthy, message: 'the operator cannot act on this spec: x', conditions: [] };
    const p = run(desired({ variant: v('relu') }), observed(), wasInvalid);
    expect(p.status.message).toBe('stable relu serving');
    expect(condition(p, 'Progressing')).toMatchObject({ status: 'True', reason: 'RolloutComplete', message: 'stable relu is serving' });
  });
  it('reports a stalled promotion past its deadline, with Kubernetes\' reason', () => {
    const stuck = { ...role('gelu', 4, 2, false), problem: 'pod x unschedulable: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu' };
    const p = run(desired(), observed({ stable: stuck, canary: role('gelu', 2) }), { ...promoting, stepStartedAt: iso(T0 - 700_000) });
    expect(condition(p, 'Progressing')).toMatchObject({ status: 'False', reason: 'PromotionStalled' });
    expect(condition(p, 'Progressing')?.message).toMatch(/Insufficient nvidia.com\/gpu/);
    expect(p.status.message).toBe(condition(p, 'Progressing')?.message);
    expect(p.status.message).toMatch(/^promotion of gelu has not finished within strategy.promotionDeadline/);
    expect(reasons(p)).toContain('PromotionStalled');
  });
});

describe('plan: rollback and signals', () => {
  const atWeight = observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25 });
  it('rolls back on a Failed analysis: stable grows back before the canary goes', () => {
    const failed: AnalysisOutcome = { ...success(T0), verdict: 'Failed', action: 'rollback', reason: 'AnalysisFailed', message: 'SLI saturation canary 0.4 > max 0.01 over 1m' };
    const p = run(desired({ analysis: { intervalMs: 30_000 } }), { ...atWeight, analysis: failed }, atStep(0, { weightReachedAt: iso(T0 - 40_000) }));
    expect(p.status.phase).toBe('Degraded');
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 4 });
    expect(p.canary).toEqual({ variant: v('gelu'), replicas: 1 });
    expect(condition(p, 'Degraded')).toMatchObject({ status: 'True', reason: 'AnalysisFailed' });
    expect(p.status.message).toMatch(/saturation canary 0.4 > max 0.01/);
    const after = run(desired(), observed({ stable: role('relu', 4), canary: role('gelu', 1) }), p.status);
    expect(after.canary).toBeNull();
  });
  it('finishes a rollback when a stable pod waits for the GPU a canary pod holds', () => {
    const degraded = { ...atStep(0), phase: 'Degraded' as const, canaryWeight: 0 };
    const o = observed({ stable: { ...role('relu', 2, 1, false), unscheduled: 1 }, canary: role('gelu', 1), capacity: gpus(0) });
    const p = run(desired({ replicas: 2 }), o, degraded);
    expect(p.canary).toBeNull();
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 2 });
  });
  describe('between steps, while the canary scales toward the next weight and still serves the last one', () => {
    // Step 2 (50 %) started 10 s ago; the canary has 1 of the 2 pods it needs, and the route still sends it 25 %.
    const scaling = observed({ stable: role('relu', 2), canary: role('gelu', 2, 1, false), routedWeight: 25 });
    const between = (extra: Partial<Status> = {}) => atStep(1, { canaryWeight: 25, analysis: { verdict: 'Successful', lastRunAt: iso(T0 - 5_000) }, ...extra });
    const d = desired({ analysis: { intervalMs: 2_000 } });
    const failed: AnalysisOutcome = { ...success(T0), verdict: 'Failed', action: 'rollback', reason: 'AnalysisFailed', message: 'SLI errors: canary value 0.5 > max 0.05',
      status: { verdict: 'Failed', lastRunAt: iso(T0), consecutiveFailures: 1, consecutiveInconclusive: 0 } };

    it('rolls back on a Failed run without waiting for the next weight', () => {
      const p = run(d, { ...scaling, analysis: failed }, between());
      expect(p.status.phase).toBe('Degraded');
      expect(condition(p, 'Degraded')).toMatchObject({ status: 'True', reason: 'AnalysisFailed' });
      expect(reasons(p)).toEqual(expect.arrayContaining(['AnalysisFailed', 'RolledBack']));
    });
    it('records a Successful run but does not let it count for the next step: that needs a run at the new weight', () => {
      const p = run(d, { ...scaling, analysis: success(T0) }, between());
      expect(p.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 1 });
      expect(p.status.analysis?.lastRunAt).toBe(iso(T0));
      const reached = run(d, observed({ stable: role('relu', 2), canary: role('gelu', 2), routedWeight: 50 }), { ...p.status, weightReachedAt: iso(T0 + 1) }, T0 + 60_001);
      expect(reached.status.message).toMatch(/waiting for a Successful analysis/);
    });
    it('rolls back on a Failed run that lands when the next weight stops fitting, instead of holding for capacity unjudged', () => {
      // Step 2 needs a second canary pod; no GPU is free (maxUnavailable 0): the move is blocked.
      const blocked = observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25, capacity: gpus(0) });
      expect(run(d, blocked, between()).status.capacityHoldSince).toBe(iso(T0));
      const p = run(d, { ...blocked, analysis: failed }, between());
      expect(p.status.phase).toBe('Degraded');
      expect(reasons(p)).toEqual(expect.arrayContaining(['AnalysisFailed', 'RolledBack']));
    });
    it('keeps judging through a capacity hold between steps: the hold wakes for the next run, not only every 30 s', () => {
      const blocked = observed({ stable: role('relu', 3), canary: role('gelu', 1), routedWeight: 25, capacity: gpus(0) });
      const held = run(d, blocked, between({ analysis: { verdict: 'Successful', lastRunAt: iso(T0 - 500) } }));
      expect(held.status).toMatchObject({ phase: 'Paused', capacityHoldSince: iso(T0) });
      expect(held.requeueAfterMs).toBe(1_500);
      const failedLater = { ...failed, status: { ...failed.status, lastRunAt: iso(T0 + 1_500) } };
      expect(run(d, { ...blocked, analysis: failedLater }, held.status, T0 + 1_500).status.phase).toBe('Degraded');
    });
    it('never advances on a run applied in the pass that reaches the weight, nor on one made at that instant', () => {
      const noPause = desired({ analysis: { intervalMs: 2_000 }, steps: [{ weight: 25, pauseMs: 0 }, { weight: 50, pauseMs: 0 }, { weight: 75, pauseMs: 0 }] });
      const atWeight = observed({ stable: role('relu', 2), canary: role('gelu', 2), routedWeight: 50 });
      // A run between steps lands in the very pass whose observation has the weight reached.
      const landing = run(noPause, { ...atWeight, analysis: success(T0) }, between());
      expect(landing.status).toMatchObject({ currentStepIndex: 1, weightReachedAt: iso(T0) });
      expect(reasons(landing)).not.toContain('StepCompleted');
      // The last step's run, made at the instant this step's weight is reached (the step changed then).
      const sameInstant = run(noPause, atWeight, between({ analysis: { verdict: 'Successful', lastRunAt: iso(T0) } }));
      expect(reasons(sameInstant)).not.toContain('StepCompleted');
      expect(sameInstant.status.message).toMatch(/waiting for a Successful analysis/);
    });
    it('wakes for the next run while scaling, not only for the progress deadline', () => {
      const p = run(d, scaling, between());
      // The last run was 5 s ago at a 2 s interval: due now (the planner's floor of 100 ms).
      expect(p.requeueAfterMs).toBe(100);
      const later = run(d, scaling, between({ analysis: { verdict: 'Successful', lastRunAt: iso(T0 - 500) } }));
      expect(later.requeueAfterMs).toBe(1_500);
    });
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
    expect(JSON.stringify(run(d, atWeight, between, T0 + 2_000).status)).toBe(JSON.stringify(between));
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
  it('acts on abort while the spec is invalid', () => {
    const p = run(desired({ signal: 'abort@1', problems: ['spec.template.spec.containers[0] has no image'] }), atWeight, atStep(0));
    expect(p.status.phase).toBe('Degraded');
    expect(reasons(p)).toEqual(expect.arrayContaining(['InvalidSpec', 'RolledBack']));
  });
  it('acts on abort during a capacity hold', () => {
    const held = atStep(0, { capacityHoldSince: iso(T0 - 60_000), phase: 'Paused' });
    const p = run(desired({ signal: 'abort@9' }), observed({ capacity: gpus(0) }), held);
    expect(p.status.phase).toBe('Degraded');
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
    const p = run(desired({ signal: 'promote@1' }), atWeight, atStep(0, { maxUnavailable: 1 }));
    expect(p.status.phase).toBe('Promoting');
    expect(p.stable?.variant).toEqual(v('gelu'));
  });
  it('answers pause, resume and promote sent during a promotion with SignalIgnored, and keeps promoting', () => {
    const promoting = atStep(0, { phase: 'Promoting', stepStartedAt: iso(T0 - 1_000), handledSignal: 'promote@1' });
    for (const signal of ['pause@2', 'resume@2', 'promote@2']) {
      const p = run(desired({ signal }), atWeight, promoting);
      expect(p.status).toMatchObject({ phase: 'Promoting', handledSignal: signal });
      expect(p.status.pausedAt).toBeUndefined();
      expect(p.events.find((e) => e.reason === 'SignalIgnored')?.message).toMatch(/being promoted; send abort to roll back/);
    }
  });
  it('rejects an unknown signal with an event that lists the valid ones', () => {
    const p = run(desired({ variant: v('relu'), signal: 'explode@1' }), observed(), healthy);
    expect(p.events.find((e) => e.reason === 'SignalRejected')?.message).toMatch(/pause, resume, promote, abort, retry/);
  });
});

describe('plan: capacity and deadlines', () => {
  it('holds with the shortfall in a condition, apart from the progress deadline', () => {
    const o = observed({ capacity: { resource: 'nvidia.com/gpu', perPod: 2, fits: 0, detail: 'gpu-node-a 1/4 free' } });
    const p = run(desired({ steps: [{ weight: 50, pauseMs: 1000 }] }), o, atStep(0));
    expect(p.status).toMatchObject({ phase: 'Paused', capacityHoldSince: iso(T0) });
    const c = condition(p, 'CapacityAvailable');
    expect(c).toMatchObject({ status: 'False', reason: 'InsufficientCapacity' });
    expect(c?.message).toMatch(/needs 2 more pod\(s\) × 2 nvidia.com\/gpu but 0 fit/);
    expect(condition(p, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'InsufficientCapacity' });
  });
  it('moves the step start forward by the time held, so a long hold is not a missed deadline', () => {
    const held = atStep(0, { stepStartedAt: iso(T0 - 3_600_000), capacityHoldSince: iso(T0 - 3_590_000), phase: 'Paused' });
    const p = run(desired(), observed({ capacity: gpus(4) }), held);
    expect(p.status.phase).toBe('Progressing');
    expect(p.status.capacityHoldSince).toBeUndefined();
    expect(p.status.stepStartedAt).toBe(iso(T0 - 10_000));
    expect(condition(p, 'CapacityAvailable')?.status).toBe('True');
  });
  it('rolls back a hold past strategy.capacityTimeout', () => {
    const held = atStep(0, { capacityHoldSince: iso(T0 - 1_900_000), phase: 'Paused' });
    const p = run(desired(), observed({ capacity: gpus(0) }), held);
    expect(condition(p, 'Degraded')?.reason).toBe('CapacityTimeout');
  });
  it('comes back exactly when a capacity hold times out, not a millisecond after', () => {
    const held = atStep(0, { capacityHoldSince: iso(T0 - 1_795_000), phase: 'Paused' });
    const p = run(desired(), observed({ capacity: gpus(0) }), held);
    expect(p.requeueAfterMs).toBe(5_000);
    expect(condition(run(desired(), observed({ capacity: gpus(0) }), p.status, T0 + 5_000), 'Degraded')?.reason).toBe('CapacityTimeout');
  });
  it('with no room and maxUnavailable 1, shrinks stable by one pod to make room', () => {
    const p = run(desired(), observed({ capacity: gpus(0) }), atStep(0, { maxUnavailable: 1 }));
    expect(p.canary).toEqual({ variant: v('gelu'), replicas: 1 });
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 3 });
  });
  it('keeps a pod waiting for a node in stable\'s own rolling update when dropping it would let the update take a ready pod below the floor', () => {
    // Stable replaces pods with a new template (maxSurge 0, maxUnavailable 1): at 4 it keeps 3 ready, at 3 only 2.
    const o = observed({ stable: { ...role('relu', 4, 3, false), rolling: true, unscheduled: 1 }, capacity: gpus(0) });
    expect(run(desired(), o, atStep(0, { maxUnavailable: 1 })).stable).toEqual({ variant: v('relu'), replicas: 4 });
    expect(run(desired(), o, atStep(0, { maxUnavailable: 2 })).stable).toEqual({ variant: v('relu'), replicas: 3 });
  });
  it('chooses maxUnavailable 1 at the start of a rollout when no surge fits, 0 when one does', () => {
    expect(run(desired(), observed({ capacity: gpus(0) }), healthy).status.maxUnavailable).toBe(1);
    expect(run(desired(), observed({ capacity: gpus(1) }), healthy).status.maxUnavailable).toBe(0);
    expect(run(desired({ maxUnavailable: 2 }), observed({ capacity: gpus(1) }), healthy).status.maxUnavailable).toBe(2);
  });
  it('rolls back a canary still not ready past the progress deadline, with Kubernetes\' reason', () => {
    const s = atStep(0, { stepStartedAt: iso(T0 - 700_000) });
    const o = observed({ stable: role('relu', 4), canary: { variant: v('gelu'), replicas: 1, ready: 0, settled: false, problem: 'FailedCreate: pods "x" is forbidden: exceeded quota: gpu-quota' } });
    const p = run(desired(), o, s);
    expect(p.status.phase).toBe('Degraded');
    expect(condition(p, 'Degraded')?.reason).toBe('ProgressDeadlineExceeded');
    expect(p.status.message).toMatch(/exceeded quota: gpu-quota/);
  });
  it('requeues while scaling only when the progress deadline is due (pods and Deployments are watched)', () => {
    const o = observed({ canary: role('gelu', 1, 0, false) });
    const p = run(desired(), o, atStep(0));
    expect(p.requeueAfterMs).toBe(590_001);
  });
  it('reports an invalid spec in a condition, changes nothing and does not requeue', () => {
    const p = run(desired({ problems: ['spec.template has no container image'] }), observed(), healthy);
    expect(condition(p, 'SpecValid')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(p.stable).toBeUndefined();
    expect(p.canary).toBeUndefined();
    expect(p.requeueAfterMs).toBeUndefined();
  });
});
