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
import { weightedSplit } from '../traffic/weighted.ts';
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

describe('plan: experiment with a weighted router (gatewayAPI)', () => {
  const dW = (over: Partial<Desired> = {}) => desired({ weighted: true, ...over });
  const runW = (d: Desired, o: Observed, s: Status, now = T0) => plan(d, o, s, now, (total, w) => weightedSplit(total, w));
  const gelu = 'sentiment-exp-gelu';
  const silu = 'sentiment-exp-silu';
  const shares = [{ service: gelu, weight: 10 }, { service: silu, weight: 10 }];
  const live = (experiment?: typeof shares): Observed['route'] => ({ weight: 0, ...(experiment ? { experiment } : {}) });
  const deploying: Status = { ...measuring(), experiment: { id: 'exp1', phase: 'Running', baseActivation: 'relu', beganAt: iso(T0 - 60_000), reason: 'DeployingCandidates' } };

  it('sizes each candidate as a canary of its weight and routes nothing to them before they are all ready', () => {
    const p = runW(dW(), observed({ route: live(), experiment: candidatesReady(false) }), deploying);
    expect(p.experiment).toEqual([{ variant: v('gelu'), replicas: 1 }, { variant: v('silu'), replicas: 1 }]);
    expect(p.route).toEqual({ weight: 0 });
    expect(runW(dW({ replicas: 40 }), observed({ route: live() }), deploying).experiment?.map((i) => i.replicas)).toEqual([4, 4]);
  });

  it('does not warn about stable\'s share with few replicas: the route\'s shares are exact', () => {
    const few = { replicas: 1, experiment: { ...experiment, candidates: [{ activation: 'gelu', weight: 20 }, { activation: 'silu', weight: 20 }] } };
    expect(reasons(run(desired(few), observed(), healthy))).toContain('ExperimentTrafficShares');
    expect(reasons(runW(dW(few), observed({ route: live() }), healthy))).not.toContain('ExperimentTrafficShares');
  });

  it('sets the candidates\' exact weights once all are ready, and starts measuring only when the live route reads them back', () => {
    const setting = runW(dW(), observed({ route: live(), experiment: candidatesReady() }), deploying);
    expect(setting.route).toEqual({ weight: 0, experiment: shares });
    expect(setting.status.experiment?.startedAt).toBeUndefined();
    expect(setting.status.message).toMatch(/setting the route to sentiment-exp-gelu 10%, sentiment-exp-silu 10% \(it reads no candidate\)/);
    expect(setting.requeueAfterMs).toBe(1_000);
    const started = runW(dW(), observed({ route: live(shares), experiment: candidatesReady() }), setting.status, T0 + 1_000);
    expect(started.status.experiment?.startedAt).toBe(iso(T0 + 1_000));
    expect(started.route).toEqual({ weight: 0, experiment: shares });
    expect(started.status.message).toMatch(/gelu 10% \(1 pod\(s\)\), silu 10% \(1 pod\(s\)\) of traffic beside stable relu/);
  });

  it('keeps stable when the route does not carry the candidates within the progress deadline', () => {
    const late = { ...deploying, experiment: { ...deploying.experiment!, beganAt: iso(T0 - 700_000) } };
    const p = runW(dW(), observed({ route: live(), experiment: candidatesReady() }), late);
    expect(p.status.experiment).toMatchObject({ phase: 'Decided', reason: 'CandidatesNotReady' });
    expect(p.status.experiment?.message).toMatch(/the route did not carry the candidates' weights .* it reads no candidate/);
  });

  it('gives a candidate that lost its ready pods weight 0 while measuring', () => {
    const o = observed({ route: live(shares), experiment: { candidates: { gelu: role('gelu', 1), silu: role('silu', 1, 0) } } });
    expect(runW(dW(), o, measuring()).route).toEqual({ weight: 0, experiment: [{ service: gelu, weight: 10 }, { service: silu, weight: 0 }] });
  });

  it('after the decision removes the candidates from the route first and their Deployments only once the live route has none', () => {
    const o = (route: Observed['route'], judged = true) => observed({ ...(route ? { route } : {}),
      experiment: { ...candidatesReady(), ...(judged ? { judgement: judgement({ reason: 'NoCandidateBetter', message: 'stable kept' }) } : {}) } });
    const decided = runW(dW(), o(live(shares)), measuring());
    expect(decided.status.experiment?.phase).toBe('Decided');
    expect(decided.route).toEqual({ weight: 0 });
    expect(decided.experiment).toEqual([{ variant: v('gelu'), replicas: 1 }, { variant: v('silu'), replicas: 1 }]);
    expect(decided.requeueAfterMs).toBe(1_000);
    // A route that still names one (at 0), or cannot be read, keeps that one; the other goes.
    expect(runW(dW(), o(live([{ service: silu, weight: 0 }]), false), decided.status, T0 + 1_000).experiment).toEqual([{ variant: v('silu'), replicas: 1 }]);
    expect(runW(dW(), o(undefined, false), decided.status, T0 + 1_000).experiment).toHaveLength(2);
    const gone = runW(dW(), o(live(), false), decided.status, T0 + 1_000);
    expect(gone.experiment).toBeUndefined();
    expect(gone.route).toEqual({ weight: 0 });
  });

  it('rolls the winner out through the ordinary route steps while the candidates leave the route', () => {
    const decided = runW(dW(), observed({ route: live(shares), experiment: { ...candidatesReady(), judgement: judgement({ winner: 'gelu', reason: 'WinnerFound', message: 'gelu wins' }) } }), measuring());
    const next = runW(dW({ variant: v('gelu') }), observed({ route: live(shares), experiment: candidatesReady() }), decided.status, T0 + 1_000);
    expect(next.status.canaryActivation).toBe('gelu');
    expect(next.route).toEqual({ weight: 0 });
    expect(next.experiment).toHaveLength(2);
  });
});

describe('plan: weighted experiment event sequences (property)', () => {
  it('never routes to a candidate without a ready pod, and removes a candidate only once the live route has no backend to it', () => {
    type Step = { kind: 'ready'; activation: 'gelu' | 'silu'; ready: boolean } | { kind: 'judge'; winner: boolean } | { kind: 'wait'; ms: number } | { kind: 'routeFails' };
    const step = fc.oneof(
      fc.record({ kind: fc.constant('ready' as const), activation: fc.constantFrom('gelu' as const, 'silu' as const), ready: fc.boolean() }),
      fc.record({ kind: fc.constant('judge' as const), winner: fc.boolean() }),
      fc.integer({ min: 500, max: 400_000 }).map((ms): Step => ({ kind: 'wait', ms })),
      fc.constant<Step>({ kind: 'routeFails' }),
    );
    const split = (total: number, w: number) => weightedSplit(total, w);
    fc.assert(fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
      let status: Status = healthy;
      let now = T0;
      let route: NonNullable<Observed['route']> = { weight: 0 };
      const ready: Record<string, boolean> = { gelu: false, silu: false };
      let deployed = new Set<string>();
      for (const e of steps) {
        if (e.kind === 'wait') now += e.ms;
        if (e.kind === 'ready') ready[e.activation] = e.ready;
        const due = e.kind === 'judge' && status.experiment?.startedAt && status.experiment.phase === 'Running';
        const judged = e.kind === 'judge' && e.winner ? judgement({ winner: 'gelu', reason: 'WinnerFound', message: 'gelu wins' }) : judgement({ reason: 'NoCandidateBetter', message: 'stable kept' });
        const d = desired({ weighted: true, variant: v(effectiveActivation('relu', experiment, status.experiment)) });
        const candidates = Object.fromEntries([...deployed].map((a) => [a, role(a, 1, ready[a] ? 1 : 0)]));
        const canary = status.canaryActivation ? { canary: role(status.canaryActivation, 1) } : {};
        const o = observed({ ...canary, route, experiment: { candidates, ...(due ? { judgement: judged, measuredAt: now } : {}) } });
        const p = plan(d, o, status, now, split);
        for (const c of p.route.experiment ?? []) {
          const activation = c.service.replace('sentiment-exp-', '');
          if (c.weight > 0 && !(deployed.has(activation) && ready[activation])) throw new Error(`route sends ${c.weight}% to ${c.service} without a ready pod`);
        }
        const kept = new Set((p.experiment ?? []).map((i) => i.variant.activation));
        for (const a of deployed) {
          if (!kept.has(a) && route.experiment?.some((c) => c.service === `sentiment-exp-${a}`)) throw new Error(`${a} deleted while the live route has a backend to it`);
        }
        // The reconciler writes the route before the Deployments; a refused write leaves the route as it was.
        if (e.kind !== 'routeFails') route = { weight: p.route.weight, ...(p.route.experiment ? { experiment: p.route.experiment } : {}) };
        for (const a of deployed) if (!kept.has(a)) ready[a] = false;
        deployed = kept;
        status = p.status;
      }
    }), { numRuns: 300 });
  });
});
