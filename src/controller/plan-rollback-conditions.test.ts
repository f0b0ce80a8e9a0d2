/**
 * The planner's conditions after a rollback, from breaches `make chaos` found (docs/reliability.md): a
 * rollback left TrafficSplitExact describing the rolled-back step's split.
 */
import { describe, expect, it } from '@jest/globals';
import type { Desired, Observed, Status } from './model.ts';
import { plan } from './plan.ts';
import { replicaSplit } from '../traffic/replicas.ts';

const T0 = Date.parse('2026-11-30T09:46:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const v = (activation: string) => ({ activation, revision: 'r1' });
const desired = (over: Partial<Desired> = {}): Desired => ({
  namespace: 'ml', name: 'chaos-009', generation: 2, variant: v('gelu'), change: 'activation relu → gelu', replicas: 2,
  steps: [{ weight: 20, pauseMs: 5_000 }, { weight: 40, pauseMs: 5_000 }, { weight: 60, pauseMs: 5_000 }], progressDeadlineMs: 600_000,
  promotionDeadlineMs: 600_000, capacityTimeoutMs: 1_800_000, problems: [], ...over,
});
const role = (activation: string, replicas: number) => ({ variant: v(activation), replicas, ready: replicas, settled: true });
const coarse = 'step 1/3 (20%): the 2 replicas split as 2 stable + 1 canary pod(s), 33% of traffic instead of 20%';
/** chaos-009 of `node bench/chaos.ts --seed 7 --rollouts 10`: at step 1 of 3, the replicas router's split inexact. */
const atStep1: Status = {
  phase: 'Progressing', stableActivation: 'relu', stableRevision: 'r1', canaryActivation: 'gelu', canaryRevision: 'r1', canaryWeight: 33,
  maxUnavailable: 0, currentStepIndex: 0, stepStartedAt: iso(T0 - 4000), rolloutStartedAt: iso(T0 - 4000), observedGeneration: 2,
  conditions: [{ type: 'TrafficSplitExact', status: 'False', reason: 'CoarseReplicaSplit', message: coarse, observedGeneration: 2, lastTransitionTime: iso(T0 - 4000) }],
};
const observed: Observed = { stable: role('relu', 2), canary: role('gelu', 1), routedWeight: 33 };

describe('a rollback sets TrafficSplitExact back to all traffic on stable (found by make chaos, seed 7)', () => {
  // rollBack sets TrafficSplitExact True NoRollout, as promotion and the steady state do, which also keeps
  // the condition's observedGeneration current when a rollout starts and is aborted in one pass (chaos-004).
  it('after an abort, TrafficSplitExact says all traffic goes to stable', () => {
    const p = plan(desired({ signal: 'abort@chaos' }), observed, atStep1, T0, replicaSplit);
    expect(p.status.conditions?.find((c) => c.type === 'TrafficSplitExact')).toMatchObject({ status: 'True', reason: 'NoRollout', observedGeneration: 2 });
  });

  it('a rollout started and aborted in one pass leaves no condition of the previous generation', () => {
    const healthy: Status = {
      phase: 'Healthy', stableActivation: 'relu', stableRevision: 'r1', canaryWeight: 0, observedGeneration: 1,
      conditions: [{ type: 'TrafficSplitExact', status: 'True', reason: 'NoRollout', message: 'all traffic goes to stable', observedGeneration: 1, lastTransitionTime: iso(T0 - 60_000) }],
    };
    const p = plan(desired({ signal: 'abort@chaos' }), { stable: role('relu', 2), routedWeight: 0 }, healthy, T0, replicaSplit);
    expect(p.status.phase).toBe('Degraded');
    expect(p.status.conditions?.filter((c) => c.observedGeneration !== 2)).toEqual([]);
  });
});
