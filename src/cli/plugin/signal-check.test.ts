import { describe, expect, it } from '@jest/globals';
import { SIGNAL_ANNOTATION, type ModelVariant } from '../../api/types.ts';
import { experimentId } from '../../controller/desired-experiment.ts';
import { templateRevision } from '../../workload/revision.ts';
import { checkSignal, pendingSignal, SIGNAL_VERBS, type SignalVerb } from './signal-check.ts';
import { degraded, healthy, progressing } from './test-fixtures.ts';

const withStatus = (mv: ModelVariant, status: Partial<NonNullable<ModelVariant['status']>>): ModelVariant => ({ ...mv, status: { ...mv.status, ...status } });
const sends = (verb: SignalVerb, mv: ModelVariant) => checkSignal(verb, mv).send;
const reason = (verb: SignalVerb, mv: ModelVariant) => {
  const check = checkSignal(verb, mv);
  return check.send ? '' : check.reason;
};

describe('signals on a Healthy ModelVariant (no rollout)', () => {
  it.each(SIGNAL_VERBS)('refuses %s and says how to start a rollout', (verb) => {
    expect(reason(verb, healthy())).toBe('sentiment has no rollout in progress (phase Healthy); change spec.activation or spec.template to start one');
  });
});

describe('signals during a canary', () => {
  it('promote skips the remaining steps, abort rolls back, pause holds', () => {
    expect(checkSignal('promote', progressing())).toEqual({ send: true, effect: 'the operator will skip the remaining steps and promote gelu' });
    expect(checkSignal('abort', progressing())).toEqual({ send: true, effect: 'the operator will roll gelu back and return all traffic to stable relu' });
    expect(sends('pause', progressing())).toBe(true);
  });

  it('refuses retry and resume on a canary that is neither failed nor paused', () => {
    expect(reason('retry', progressing())).toBe('sentiment has not failed (phase Progressing); retry restarts a rolled-back canary only');
    expect(reason('resume', progressing())).toBe('sentiment is not paused (phase Progressing); resume only undoes a pause signal');
  });

  it('resumes only a rollout paused by a signal, and points a waiting step at promote', () => {
    const paused = withStatus(progressing(), { phase: 'Paused', pausedAt: '2026-11-28T13:58:00Z' });
    expect(checkSignal('resume', paused)).toEqual({ send: true, effect: 'the operator will continue the rollout of gelu from step 2' });
    expect(reason('pause', paused)).toBe('sentiment is already paused by a signal; send resume to continue');
    const waiting = withStatus(progressing(), { phase: 'Paused', message: 'step 3/3 at 50% reached; waiting for a promote signal' });
    expect(reason('resume', waiting)).toMatch(/is paused, but not by a signal \(step 3\/3 at 50% reached; waiting for a promote signal\).*promote/);
  });

  it('refuses to promote or pause a promotion, but lets it be aborted', () => {
    const promoting = withStatus(progressing(), { phase: 'Promoting' });
    expect(reason('promote', promoting)).toBe('sentiment is already promoting gelu; wait for it to finish');
    expect(reason('pause', promoting)).toMatch(/cannot be paused/);
    expect(sends('abort', promoting)).toBe(true);
  });
});

describe('signals after a rollback (Degraded)', () => {
  it('accepts retry only, and says so for the others', () => {
    expect(checkSignal('retry', degraded())).toEqual({ send: true, effect: 'the operator will start the rolled-back canary of gelu again from step 1' });
    for (const verb of ['promote', 'abort', 'pause', 'resume'] as const) {
      expect(reason(verb, degraded())).toMatch(/^the rollout of gelu in sentiment was rolled back \(phase Degraded: rolled back to relu: .*\); send retry to start it again, or set spec.activation back to relu$/);
    }
  });

  it('needs no retry once spec.activation names a new variant: the operator starts that canary itself', () => {
    const changed = { ...degraded(), spec: { ...degraded().spec, activation: 'silu' } };
    expect(reason('retry', changed)).toMatch(/needs no retry: spec.activation is silu/);
    expect(checkSignal('abort', changed)).toEqual({ send: true, effect: 'the operator will roll silu back and return all traffic to stable relu (a canary of silu is starting)' });
  });
});

describe('no status yet', () => {
  it('refuses, pointing at the operator', () => {
    const mv = healthy();
    delete mv.status;
    expect(reason('promote', mv)).toMatch(/has no status yet .* check that the operator is running/);
  });
});

describe('pendingSignal', () => {
  it('is the annotation value until the operator records it as handled', () => {
    const mv = progressing();
    mv.metadata = { ...mv.metadata, annotations: { [SIGNAL_ANNOTATION]: 'pause@1' } };
    expect(pendingSignal(mv)).toBe('pause@1');
    expect(pendingSignal(withStatus(mv, { handledSignal: 'pause@1' }))).toBeUndefined();
    expect(pendingSignal(progressing())).toBeUndefined();
  });
});

describe('signals during a rollout of a new pod template (same activation)', () => {
  it('accepts abort: the template is what changed, so a rollout is in progress', () => {
    const mv = healthy();
    mv.spec = { ...mv.spec, template: { spec: { containers: [{ name: 'server', image: 'reg/model:2' }] } } };
    mv.status = { ...mv.status, stableRevision: 'oldrevisio', canaryActivation: mv.spec.activation, canaryRevision: 'whatever00', phase: 'Progressing' };
    expect(checkSignal('abort', mv).send).toBe(true);
  });
});

describe('signals while the spec is invalid (SpecValid=False)', () => {
  const invalid = () => withStatus(progressing(), {
    conditions: [{ type: 'SpecValid', status: 'False', reason: 'InvalidSpec', message: 'the operator cannot act on this spec: steps[0].weight must be 1-100', lastTransitionTime: '2026-11-30T00:00:00Z' }],
  });
  it.each(['promote', 'pause', 'resume', 'retry'] as const)('refuses %s and says to fix the spec, as the operator ignores it', (verb) => {
    expect(reason(verb, invalid())).toBe('sentiment has an invalid spec (the operator cannot act on this spec: steps[0].weight must be 1-100); fix the spec first: only abort acts until then');
  });
  it('still sends abort, which rolls the canary back', () => {
    expect(sends('abort', invalid())).toBe(true);
  });
});

describe('signals around an activation experiment (plan-experiment.ts)', () => {
  const experiment = { candidates: [{ activation: 'gelu', weight: 10 }, { activation: 'silu', weight: 10 }], duration: '1h', minSamples: 20, confidenceLevel: 0.95, power: 0.8,
    slis: [{ name: 'accuracy', minimumEffect: { absolute: 0.01 } }], rankBy: [{ sli: 'accuracy', prefer: 'higher' as const }], promoteWinner: true };
  const withExperiment = (mv: ModelVariant): ModelVariant => ({ ...mv, spec: { ...mv.spec, activation: 'relu', strategy: { ...mv.spec.strategy, experiment } } });
  const idOf = (mv: ModelVariant) => experimentId(withExperiment(mv).spec.strategy?.experiment, templateRevision(mv.spec.template ?? {}));

  it('accepts abort while the experiment runs (it ends the experiment, stable kept) and refuses the others, saying only abort acts', () => {
    const mv = withExperiment(healthy());
    const running = withStatus(mv, { phase: 'Progressing', stableActivation: 'relu', experiment: { id: idOf(mv), phase: 'Running', baseActivation: 'relu' } });
    expect(checkSignal('abort', running)).toEqual({ send: true, effect: 'the operator will end the experiment and keep stable relu (the candidates are removed)' });
    for (const verb of ['promote', 'pause', 'resume', 'retry'] as const) expect(reason(verb, running)).toMatch(/has an experiment running: only abort acts on it/);
  });

  it('acts on the winner\'s canary while spec.activation still says the base activation, and sees no rollout once the winner is stable', () => {
    const mv = withExperiment(progressing());
    const decided = { id: idOf(mv), phase: 'Decided' as const, baseActivation: 'relu', winner: 'gelu', reason: 'WinnerFound' };
    const rolling = withStatus(mv, { experiment: decided });
    expect(checkSignal('abort', rolling)).toEqual({ send: true, effect: 'the operator will roll gelu back and return all traffic to stable relu' });
    expect(sends('promote', rolling)).toBe(true);
    const done = withStatus(mv, { phase: 'Healthy', stableActivation: 'gelu', canaryActivation: undefined, canaryWeight: 0, experiment: decided });
    expect(reason('abort', done)).toMatch(/has no rollout in progress/);
  });
});
