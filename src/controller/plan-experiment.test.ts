/**
 * The planner's experiment branch: table tests of each phase (deploying candidates, measuring,
 * deciding, the winner becoming the desired variant, keeping stable, abort, the progress deadline),
 * and a fast-check property over event sequences (candidates getting ready, judgements, time, signals,
 * operator restarts) that stable is never shrunk, the experiment is decided once, and nothing rolls out
 * before the decision.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ExperimentJudgement } from '../analysis/experiment/judge-experiment.ts';
import { replicaSplit } from '../traffic/replicas.ts';
import { effectiveActivation } from './desired-experiment.ts';
import type { Desired, ExperimentIntent, Observed, RoleObservation, Status } from './model.ts';
import { plan } from './plan.ts';
import { candidateReplicas, experimentDue } from './plan-experiment.ts';

const T0 = Date.parse('2026-11-28T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const v = (activation: string, revision = 'r1') => ({ activation, revision });
const experiment: ExperimentIntent = {
  id: 'exp1', candidates: [{ activation: 'gelu', weight: 10 }, { activation: 'silu', weight: 10 }], durationMs: 600_000, promoteWinner: true, intervalMs: 30_000,
};
function desired(over: Partial<Desired> = {}): Desired {
  return {
    namespace: 'ml', name: 'sentiment', generation: 2, variant: v('relu'), change: 'nothing', replicas: 8,
    steps: [{ weight: 50, pauseMs: 60_000 }], progressDeadlineMs: 600_000, promotionDeadlineMs: 600_000, capacityTimeoutMs: 1_800_000,
    problems: [], analysis: { intervalMs: 30_000 }, experiment, ...over,
  };
}
const role = (activation: string, replicas: number, ready = replicas): RoleObservation => ({ variant: v(activation), replicas, ready, settled: true });
const candidatesReady = (ready = true): NonNullable<Observed['experiment']> => ({ candidates: { gelu: role('gelu', 1, ready ? 1 : 0), silu: role('silu', 1, ready ? 1 : 0) } });
const observed = (over: Partial<Observed> = {}): Observed => ({ stable: role('relu', 8), routedWeight: 0, ...over });
const healthy: Status = { phase: 'Healthy', stableActivation: 'relu', stableRevision: 'r1', canaryWeight: 0, conditions: [] };
const run = (d: Desired, o: Observed, s: Status, now = T0) => plan(d, o, s, now, replicaSplit);
const reasons = (p: ReturnType<typeof run>) => p.events.map((e) => e.reason);
const measuring = (s: Partial<NonNullable<Status['experiment']>> = {}): Status => ({
  ...healthy, phase: 'Progressing', experiment: { id: 'exp1', phase: 'Running', baseActivation: 'relu', beganAt: iso(T0 - 120_000), startedAt: iso(T0 - 60_000), ...s },
});

function judgement(decision?: ExperimentJudgement['decision']): ExperimentJudgement {
  const row = (activation: string, rank?: number) => ({
    activation, ...(rank ? { rank } : {}), verdict: 'Pass' as const, reason: 'no judged SLI worse than stable', beatsStableOn: [],
    slis: [{ name: 'accuracy', verdict: 'Pass' as const, reason: 'WithinMargin', message: '', value: 0.96, stableValue: 0.9, samples: 500, stableSamples: 4000, moreSamples: 0 }],
  });
  return { candidates: [row('gelu', 1), row('silu', 2)], ready: !!decision, moreSamples: decision ? 0 : 40, moreSeconds: 1200,
    message: decision?.message ?? 'measuring: the decision needs 40 more sample(s) per side (about 1200s at the current traffic)', ...(decision ? { decision } : {}) };
}

describe('plan: experiment', () => {
  it('starts from a steady state: candidates beside a full stable, no canary, no route change', () => {
    const p = run(desired(), observed(), healthy);
    expect(reasons(p)).toContain('ExperimentStarted');
    expect(p.stable).toEqual({ variant: v('relu'), replicas: 8 });
    expect(p.experiment).toEqual([{ variant: v('gelu'), replicas: 1 }, { variant: v('silu'), replicas: 1 }]);
    expect(p.canary).toBeNull();
    expect(p.status.experiment).toMatchObject({ id: 'exp1', phase: 'Running', baseActivation: 'relu', reason: 'DeployingCandidates' });
    expect(p.status.message).toMatch(/deploying the candidates beside stable, ready gelu 0\/1, silu 0\/1/);
  });

  it('sizes each candidate to its share beside a full stable, at least one pod', () => {
    expect(candidateReplicas(8, experiment.candidates)).toEqual({ gelu: 1, silu: 1 });
    expect(candidateReplicas(40, [{ activation: 'gelu', weight: 20 }, { activation: 'silu', weight: 5 }])).toEqual({ gelu: 11, silu: 3 });
  });

  it('warns at the start when whole pods give stable less than half of the traffic, naming the replicas that would not', () => {
    const x = { ...experiment, candidates: [{ activation: 'gelu', weight: 20 }, { activation: 'silu', weight: 20 }] };
    const p = run(desired({ replicas: 1, experiment: x }), observed({ stable: role('relu', 1) }), healthy);
    const warning = p.events.find((e) => e.reason === 'ExperimentTrafficShares');
    expect(warning).toMatchObject({ type: 'Warning', message: expect.stringMatching(/with spec.replicas 1 stable gets about 33% of the traffic.*at least 2 for stable to keep half/) });
    expect(run(desired({ experiment: x }), observed(), healthy).events.map((e) => e.reason)).not.toContain('ExperimentTrafficShares');
  });

  it('starts measuring once every candidate is ready, and is due one interval later', () => {
    const started = run(desired(), observed(), healthy).status;
    const p = run(desired(), observed({ experiment: candidatesReady() }), started, T0 + 5_000);
    expect(p.status.experiment?.startedAt).toBe(iso(T0 + 5_000));
    expect(reasons(p)).toContain('ExperimentMeasuring');
    expect(p.requeueAfterMs).toBe(30_000);
    expect(experimentDue(desired(), observed(), p.status, T0 + 34_999)).toBe(false);
    expect(experimentDue(desired(), observed(), p.status, T0 + 35_000)).toBe(true);
  });

  it('keeps stable when the candidates miss the progress deadline, and says which', () => {
    const s = measuring({ startedAt: undefined, beganAt: iso(T0 - 700_000) });
    delete s.experiment?.startedAt;
    const p = run(desired(), observed({ experiment: { candidates: { gelu: { ...role('gelu', 1, 0), problem: 'Insufficient nvidia.com/gpu' }, silu: role('silu', 1) } } }), s);
    expect(p.status.experiment).toMatchObject({ phase: 'Decided', reason: 'CandidatesNotReady' });
    expect(p.status.experiment?.message).toMatch(/gelu 0\/1.*gelu: Insufficient nvidia.com\/gpu/);
    expect(p.experiment).toBeUndefined();
  });

  it('records the ranked table and what the decision still needs while measuring', () => {
    const p = run(desired(), observed({ experiment: { ...candidatesReady(), judgement: judgement(), measuredAt: T0 } }), measuring());
    expect(p.status.experiment?.candidates?.map((c) => [c.activation, c.rank])).toEqual([['gelu', 1], ['silu', 2]]);
    expect(p.status.experiment?.candidates?.[0]?.slis?.[0]).toMatchObject({ name: 'accuracy', value: '0.96', stableValue: '0.9', verdict: 'Pass' });
    expect(p.status.experiment).toMatchObject({ phase: 'Running', reason: 'Measuring', lastRunAt: iso(T0) });
    expect(p.status.message).toMatch(/needs 40 more sample\(s\) per side/);
  });

  it('decides a winner once, removes the candidates, and then rolls the winner out as a canary while spec.activation stays relu', () => {
    const decided = run(desired(), observed({ experiment: { ...candidatesReady(), judgement: judgement({ winner: 'gelu', reason: 'WinnerFound', message: 'gelu wins' }) } }), measuring());
    expect(decided.status.experiment).toMatchObject({ phase: 'Decided', winner: 'gelu', reason: 'WinnerFound' });
    expect(reasons(decided).filter((r) => r === 'ExperimentDecided')).toHaveLength(1);
    expect(decided.experiment).toBeUndefined();
    const activation = effectiveActivation('relu', experiment, decided.status.experiment);
    expect(activation).toBe('gelu');
    const next = run(desired({ variant: v(activation) }), observed(), decided.status, T0 + 1_000);
    expect(reasons(next)).toContain('RolloutStarted');
    expect(next.status.canaryActivation).toBe('gelu');
  });

  it('only reports with promoteWinner false', () => {
    const d = desired({ experiment: { ...experiment, promoteWinner: false } });
    const p = run(d, observed({ experiment: { ...candidatesReady(), judgement: judgement({ winner: 'gelu', reason: 'WinnerFound', message: 'gelu wins' }) } }), measuring());
    expect(p.status.experiment?.message).toMatch(/reported only/);
    expect(effectiveActivation('relu', d.experiment, p.status.experiment)).toBe('relu');
    expect(p.status.phase).toBe('Healthy');
  });

  it('obeys a spec.activation the user commits after the decision', () => {
    const status = { id: 'exp1', phase: 'Decided' as const, baseActivation: 'relu', winner: 'gelu' };
    expect(effectiveActivation('gelu', experiment, status)).toBe('gelu');
    expect(effectiveActivation('mish', experiment, status)).toBe('mish');
    expect(effectiveActivation('relu', { ...experiment, id: 'exp2' }, status)).toBe('relu');
  });

  it('keeps stable with the reason when no candidate is better, and becomes Healthy', () => {
    const p = run(desired(), observed({ experiment: { ...candidatesReady(), judgement: judgement({ reason: 'NoCandidateBetter', message: 'stable kept: no candidate is significantly better' }) } }), measuring());
    expect(p.status.experiment).toMatchObject({ phase: 'Decided', reason: 'NoCandidateBetter', message: 'stable kept: no candidate is significantly better' });
    expect(p.status.experiment?.winner).toBeUndefined();
    expect(p.status.phase).toBe('Healthy');
  });

  it('ends on abort with stable kept, and ignores other signals while running', () => {
    const aborted = run(desired({ signal: 'abort@1' }), observed({ experiment: candidatesReady() }), measuring());
    expect(aborted.status.experiment).toMatchObject({ phase: 'Decided', reason: 'Aborted' });
    const paused = run(desired({ signal: 'pause@1' }), observed({ experiment: candidatesReady() }), measuring());
    expect(reasons(paused)).toContain('SignalIgnored');
    expect(paused.status.experiment?.phase).toBe('Running');
  });

  it('ends a running experiment when spec.activation changes under it (the user is obeyed), and it does not come back after that canary', () => {
    const p = run(desired({ variant: v('mish'), change: 'activation relu → mish' }), observed({ experiment: candidatesReady() }), measuring());
    expect(p.status.canaryActivation).toBe('mish');
    expect(p.experiment).toBeUndefined();
    expect(p.status.experiment).toMatchObject({ phase: 'Decided', reason: 'Cancelled', message: expect.stringMatching(/spec changed under it \(activation relu → mish\)/) });
    expect(reasons(p)).toContain('ExperimentDecided');
    // mish promoted: the same (unchanged) experiment block does not resume against the new stable with its old startedAt.
    const promoted: Status = { ...p.status, phase: 'Healthy', stableActivation: 'mish', canaryWeight: 0 };
    delete promoted.canaryActivation;
    const after = run(desired({ variant: v('mish') }), observed({ stable: role('mish', 8), experiment: candidatesReady() }), promoted, T0 + 60_000);
    expect(after.experiment).toBeUndefined();
    expect(after.status.experiment?.phase).toBe('Decided');
  });

  it('ends a running experiment whose stable was replaced directly (it never served), instead of going on against the new one', () => {
    const s = measuring({ startedAt: undefined });
    delete s.experiment?.startedAt;
    const p = run(desired({ variant: v('mish'), change: 'activation relu → mish' }), observed({ stable: role('relu', 8, 0), experiment: candidatesReady(false) }), s);
    expect(p.status.stableActivation).toBe('mish');
    expect(p.experiment).toBeUndefined();
    expect(p.status.experiment).toMatchObject({ phase: 'Decided', reason: 'Cancelled', message: expect.stringMatching(/stable is now mish, not relu/) });
  });

  it('ends a running experiment whose block was removed from the spec, saying so', () => {
    const d = desired();
    delete d.experiment;
    const p = run(d, observed({ experiment: candidatesReady() }), measuring());
    expect(p.experiment).toBeUndefined();
    expect(p.status.phase).toBe('Healthy');
    expect(p.status.experiment).toMatchObject({ phase: 'Decided', reason: 'Cancelled', message: expect.stringMatching(/removed/) });
  });
});

type Event =
  | { kind: 'ready'; ready: boolean }
  | { kind: 'judge'; outcome: 'measuring' | 'winner' | 'none' }
  | { kind: 'wait'; ms: number }
  | { kind: 'signal'; verb: 'abort' | 'pause' | 'promote' }
  | { kind: 'restart' };

describe('plan: experiment event sequences (property)', () => {
  it('never shrinks stable, decides once, and starts no canary before the decision', () => {
    const event = fc.oneof(
      fc.boolean().map((ready): Event => ({ kind: 'ready', ready })),
      fc.constantFrom('measuring', 'winner', 'none').map((outcome): Event => ({ kind: 'judge', outcome: outcome as 'measuring' })),
      fc.integer({ min: 1_000, max: 400_000 }).map((ms): Event => ({ kind: 'wait', ms })),
      fc.constantFrom('abort', 'pause', 'promote').map((verb): Event => ({ kind: 'signal', verb: verb as 'abort' })),
      fc.constant<Event>({ kind: 'restart' }),
    );
    fc.assert(fc.property(fc.array(event, { maxLength: 25 }), fc.boolean(), (events, promoteWinner) => {
      const x = { ...experiment, promoteWinner };
      let status: Status = healthy;
      let now = T0;
      let ready = false;
      let decisions = 0;
      let signal = 0;
      for (const e of events) {
        if (e.kind === 'wait') now += e.ms;
        if (e.kind === 'restart') status = JSON.parse(JSON.stringify(status)) as Status;
        if (e.kind === 'ready') ready = e.ready;
        const judged = e.kind === 'judge' && e.outcome !== 'measuring'
          ? judgement(e.outcome === 'winner' ? { winner: 'gelu', reason: 'WinnerFound', message: 'gelu wins' } : { reason: 'NoCandidateBetter', message: 'stable kept' })
          : judgement();
        const due = e.kind === 'judge' && status.experiment?.startedAt && status.experiment.phase === 'Running';
        const activation = effectiveActivation('relu', x, status.experiment);
        const d = desired({ experiment: x, variant: v(activation), ...(e.kind === 'signal' ? { signal: `${e.verb}@${++signal}` } : {}) });
        const canaryRuns = status.canaryActivation ? { canary: role(status.canaryActivation, 1) } : {};
        const p = run(d, observed({ ...canaryRuns, experiment: { ...candidatesReady(ready), ...(due ? { judgement: judged, measuredAt: now } : {}) } }), status, now);
        decisions += p.events.filter((x) => x.reason === 'ExperimentDecided').length;
        const running = p.status.experiment?.phase === 'Running';
        if (running) {
          if (p.stable?.replicas !== 8) throw new Error(`stable asked for ${p.stable?.replicas} pods during the experiment`);
          if (p.status.canaryActivation) throw new Error('a canary started before the experiment was decided');
        } else if (p.experiment?.length) {
          throw new Error('candidates kept after the decision');
        }
        if (p.status.canaryActivation && p.status.canaryActivation !== 'gelu') throw new Error(`canary ${p.status.canaryActivation} is not the winner`);
        if (p.status.canaryActivation && !promoteWinner) throw new Error('a winner rolled out with promoteWinner false');
        status = p.status;
      }
      if (decisions > 1) throw new Error(`the experiment was decided ${decisions} times`);
    }), { numRuns: 300 });
  });
});
