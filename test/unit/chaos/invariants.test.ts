import { describe, expect, it } from '@jest/globals';
import { checkFloor, checkOutcome, checkRollout, checkSettled, checkStepsOnce, faultsDuring, type FaultWindow, type RecordedEvent, type RolloutRecord, type Status } from '../../chaos/invariants.ts';
import { rolloutPlan, type RolloutPlan } from '../../chaos/schedule.ts';

const T = Date.parse('2026-11-30T10:00:00Z');
const plan = (p: Partial<RolloutPlan> = {}): RolloutPlan => ({
  index: 0, name: 'chaos-000', kind: 'healthy', faulty: false, breach: 'errorRate', replicas: 2,
  steps: [{ setWeight: 25, pause: '5s' }, { setWeight: 50, pause: '5s' }], ...p,
});
const ev = (reason: string, message = '', count = 1): RecordedEvent => ({ name: `e${reason}${message}`, reason, message, count });
const cond = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message = '') => ({ type, status, reason, message, lastTransitionTime: '2026-11-30T10:00:00Z' });
const PROMOTED: Status = {
  phase: 'Healthy', stableActivation: 'gelu', observedGeneration: 2,
  conditions: [cond('Available', 'True', 'MinimumReplicasAvailable'), cond('Progressing', 'True', 'RolloutComplete'), cond('Degraded', 'False', 'RolloutComplete'), cond('TrafficSplitExact', 'True', 'NoRollout')],
};
const rolledBack = (reason: string): Status => ({
  phase: 'Degraded', stableActivation: 'relu', canaryActivation: 'gelu', observedGeneration: 2,
  conditions: [cond('Available', 'True', 'MinimumReplicasAvailable'), cond('Progressing', 'False', reason), cond('Degraded', 'True', reason)],
});
const promotionEvents = [
  ev('RolloutStarted', 'canary gelu started from stable relu'),
  ev('StepWeightReached', 'canary gelu receives 33% of traffic at step 1/2 (25%)'), ev('StepCompleted', 'step 1/2 (25%) completed'),
  ev('StepWeightReached', 'canary gelu receives 50% of traffic at step 2/2 (50%)'), ev('PromotionStarted', 'all 2 step(s) passed: promoting gelu'),
  ev('Promoted', 'gelu promoted to stable'),
];
const floorOk = [0, 250, 500].map((ms) => ({ at: T + ms, ready: 2, floor: 2, pods: ['a', 'b'] }));

/** A healthy rollout promoted by analysis with nothing wrong; each case below spoils one thing. */
const good = (r: Partial<RolloutRecord> = {}): RolloutRecord => ({
  plan: plan(), changedAt: T, endedAt: T + 30_000, recordedUntil: T + 32_000, generation: 2, status: PROMOTED, events: promotionEvents,
  children: { canaryDeployment: false, stable: { replicas: 2, readyReplicas: 2, activation: 'gelu' } },
  floor: floorOk, faults: [], ...r,
});
const aborted = (r: Partial<RolloutRecord> = {}) => good({
  plan: plan({ kind: 'abort', signalAfterMs: 3000 }), status: { ...rolledBack('Aborted'), handledSignal: 'abort@x' },
  signal: { verb: 'abort', value: 'abort@x', sentAt: T + 3000 },
  events: [ev('RolloutStarted'), ev('StepWeightReached', 'canary gelu receives 33% of traffic at step 1/2 (25%)'), ev('RolledBack', 'canary gelu rolled back (Aborted)')],
  children: { canaryDeployment: false, stable: { replicas: 2, readyReplicas: 2, activation: 'relu' } }, ...r,
});

describe('the chaos invariants pass a rollout that went right', () => {
  it.each([
    ['a healthy canary promoted by analysis', good()],
    ['an abort acted on', aborted()],
    ['a faulty canary rolled back by analysis', good({
      plan: plan({ kind: 'faulty', faulty: true }), status: rolledBack('FailureLimitReached'),
      events: [ev('RolloutStarted'), ev('RolledBack', 'canary gelu rolled back (FailureLimitReached)')],
      children: { canaryDeployment: false, stable: { replicas: 2, readyReplicas: 2, activation: 'relu' } },
    })],
    ['an abort sent after a faulty canary was rolled back, ignored', aborted({
      plan: plan({ kind: 'abort', faulty: true, signalAfterMs: 20_000 }), status: { ...rolledBack('FailureLimitReached'), handledSignal: 'abort@x' },
      events: [ev('RolloutStarted'), ev('RolledBack'), ev('SignalIgnored', 'signal abort ignored: the rollout of gelu was rolled back')],
    })],
    ['a promote of a faulty canary acted on', good({
      plan: plan({ kind: 'promote', faulty: true, signalAfterMs: 100 }), status: { ...PROMOTED, handledSignal: 'promote@y' },
      signal: { verb: 'promote', value: 'promote@y', sentAt: T + 100 }, events: [ev('RolloutStarted'), ev('PromotionRequested'), ev('Promoted')],
    })],
  ])('%s', (_, record) => {
    expect(checkRollout(record)).toEqual([]);
  });
});

describe('the chaos invariants catch each breach', () => {
  it.each<[string, RolloutRecord, string, RegExp]>([
    ['a healthy canary rolled back', good({ status: rolledBack('InconclusiveLimitReached'), children: { canaryDeployment: false, stable: { replicas: 2, readyReplicas: 2, activation: 'relu' } } }),
      'outcome', /expected promoted, got rolled back \(InconclusiveLimitReached\)/],
    ['a faulty canary promoted', good({ plan: plan({ kind: 'faulty', faulty: true }) }), 'outcome', /expected rolled back \(FailureLimitReached\), got promoted/],
    ['an abort that promoted', aborted({ status: { ...PROMOTED, handledSignal: 'abort@x' } }), 'outcome', /expected rolled back \(Aborted\), got promoted/],
    ['a signal never recorded', aborted({ status: rolledBack('Aborted') }), 'outcome', /signal abort@x never recorded as handled/],
    ['no end state in time', good({ timedOut: 'the end state not reached within 360 s', status: { ...PROMOTED, phase: 'Progressing' } }), 'outcome', /no end state: .*last phase Progressing/],
    ['a step completed twice', good({ events: [...promotionEvents, ev('StepCompleted', 'step 1/2 (25%) completed')] }), 'stepsOnce', /StepCompleted step 1\/2 recorded 2 times/],
    ['an Event repeated by its count', good({ events: promotionEvents.map((e) => (e.reason === 'Promoted' ? { ...e, count: 2 } : e)) }), 'stepsOnce', /Promoted recorded 2 times/],
    ['no RolloutStarted Event', good({ events: promotionEvents.slice(1) }), 'stepsOnce', /no RolloutStarted Event/],
    ['a step skipped by a promotion by analysis', good({ events: promotionEvents.filter((e) => e.reason !== 'StepCompleted') }), 'stepsOnce', /no StepCompleted step 1\/2 Event/],
    ['the floor broken', good({ floor: [...floorOk, { at: T + 750, ready: 1, floor: 2, pods: ['a'] }] }), 'floor', /1 serving < floor 2 for 1 sample\(s\) from \+750 ms/],
    ['the floor never sampled', good({ floor: [] }), 'floor', /never sampled/],
    ['status for an older generation', good({ status: { ...PROMOTED, observedGeneration: 1 } }), 'settled', /observedGeneration 1 ≠ generation 2/],
    ['a weight left at rest', good({ status: { ...PROMOTED, canaryWeight: 50 } }), 'settled', /canaryWeight 50 at rest/],
    ['Progressing still at a step', good({ status: { ...PROMOTED, conditions: [cond('Available', 'True', 'x'), cond('Progressing', 'True', 'StepPausing')] } }), 'settled', /Progressing True \(StepPausing\)/],
    ['Degraded True on a promotion', good({ status: { ...PROMOTED, conditions: [...(PROMOTED.conditions ?? []).filter((c) => c.type !== 'Degraded'), cond('Degraded', 'True', 'Aborted')] } }), 'settled', /condition Degraded True in phase Healthy/],
    ['a step\'s inexact split left after a rollback', aborted({ status: { ...rolledBack('Aborted'), handledSignal: 'abort@x', conditions: [...(rolledBack('Aborted').conditions ?? []), cond('TrafficSplitExact', 'False', 'CoarseReplicaSplit', 'step 1/3 (20%): 33% of traffic instead of 20%')] } }),
      'settled', /TrafficSplitExact False \(CoarseReplicaSplit: step 1\/3/],
    ['a condition for an older generation', good({ status: { ...PROMOTED, conditions: [...(PROMOTED.conditions ?? []), { ...cond('TrafficSplitExact', 'True', 'NoRollout'), observedGeneration: 1 }] } }), 'settled', /condition TrafficSplitExact for generation 1, not 2/],
    ['the canary Deployment left', good({ children: { canaryDeployment: true, stable: { replicas: 2, readyReplicas: 2, activation: 'gelu' } } }), 'settled', /canary Deployment still exists/],
    ['stable on the old variant after a promotion', good({ children: { canaryDeployment: false, stable: { replicas: 2, readyReplicas: 2, activation: 'relu' } } }), 'settled', /serves relu, not gelu/],
    ['stable short of pods', good({ children: { canaryDeployment: false, stable: { replicas: 2, readyReplicas: 1, activation: 'gelu' } } }), 'settled', /stable Deployment 1\/2 ready/],
    ['a step Event after the end', good({ events: [...promotionEvents, ev('StepWeightReached', 'canary gelu receives 50% of traffic at step 2/2 (50%)')] }), 'settled', /Events after the end: StepWeightReached/],
  ])('%s', (_, record, invariant, detail) => {
    const findings = checkRollout(record).filter((f) => !f.excusedBy);
    expect(findings.map((f) => f.invariant)).toContain(invariant);
    expect(findings.find((f) => f.invariant === invariant)?.detail).toMatch(detail);
  });
});

describe('what a fault excuses, and only that', () => {
  const restart: FaultWindow = { kind: 'apiserver-restart', from: T + 1000, to: T + 5000, target: 'kube-apiserver' };
  it('excuses a missing Event when a fault that can lose an Event write overlapped, not a duplicate', () => {
    const missing = good({ events: promotionEvents.filter((e) => e.reason !== 'Promoted'), faults: [restart] });
    expect(checkStepsOnce(missing)).toEqual([{ invariant: 'stepsOnce', rollout: 'chaos-000', detail: 'no Promoted Event', excusedBy: 'apiserver-restart' }]);
    const twice = good({ events: [...promotionEvents, ev('Promoted')], faults: [restart] });
    expect(checkStepsOnce(twice).filter((f) => !f.excusedBy).map((f) => f.detail)).toEqual(['Promoted recorded 2 times']);
    expect(checkStepsOnce(good({ events: promotionEvents.filter((e) => e.reason !== 'Promoted'), faults: [{ ...restart, kind: 'node-cordon' }] }))[0]?.excusedBy).toBeUndefined();
  });

  it('excuses a floor dip just after its own child was deleted or edited, or a node deleted, not after another fault or later', () => {
    const dip = [...floorOk, { at: T + 2000, ready: 1, floor: 2, pods: ['a'] }, { at: T + 2250, ready: 1, floor: 2, pods: ['a'] }, { at: T + 2500, ready: 2, floor: 2, pods: ['a', 'c'] }];
    const at = (f: Partial<FaultWindow>) => checkFloor(good({ floor: dip, faults: [{ kind: 'child-delete', from: T + 1500, to: T + 1600, target: 'chaos-000', ...f }] }), 2);
    expect(at({})).toEqual([expect.objectContaining({ excusedBy: 'child-delete', detail: expect.stringMatching(/for 2 sample/) as unknown })]);
    expect(at({ kind: 'child-edit' })[0]?.excusedBy).toBe('child-edit');
    expect(at({ kind: 'node-delete', target: 'gpu-node-a' })[0]?.excusedBy).toBe('node-delete');
    expect(at({ target: 'chaos-001' })[0]?.excusedBy).toBeUndefined();
    expect(at({ kind: 'etcd-pause' })[0]?.excusedBy).toBeUndefined();
    expect(at({ from: T - 60_000, to: T - 59_000 })[0]?.excusedBy).toBeUndefined();
  });

  it('finds the faults that overlap a rollout', () => {
    const w = (from: number, to: number): FaultWindow => ({ kind: 'etcd-pause', from, to });
    expect(faultsDuring([w(0, 5), w(5, 10), w(11, 12), w(20, 30), w(31, 40)], 10, 20)).toEqual([w(5, 10), w(11, 12), w(20, 30)]);
  });
});

it('checks the plans the schedule draws (the checkers and the schedule agree on names and steps)', () => {
  const p = rolloutPlan(3, 5);
  const r = good({ plan: { ...p, kind: 'healthy', faulty: false }, events: [], children: { canaryDeployment: false, stable: { replicas: p.replicas, readyReplicas: p.replicas, activation: 'gelu' } } });
  expect(checkStepsOnce(r).map((f) => f.detail)).toContain(`no StepWeightReached step ${p.steps.length}/${p.steps.length} Event`);
  expect(checkOutcome(r)).toEqual([]);
  expect(checkSettled(r)).toEqual([]);
});
