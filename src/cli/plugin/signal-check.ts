/**
 * What a signal would do to a ModelVariant in its current state, decided before it is sent, pure.
 * The rules mirror the operator's planner (src/controller/plan.ts, plan-canary.ts): with the variant
 * of the spec (activation and pod-template revision) equal to the stable one there is no rollout and
 * every signal is ignored; `retry`
 * acts only on a rolled-back (Degraded) canary, which ignores everything else; `resume` only undoes a
 * pause signal; `pause` and `promote` do nothing to a canary already being promoted; with an invalid
 * spec (`SpecValid=False`) only abort acts; while an experiment runs (plan-experiment.ts) only abort acts
 * (it ends the experiment), and after it picked a winner the variant rolled out is the winner, not
 * spec.activation (desired-experiment.ts effectiveActivation). A refusal says
 * why and what to do instead, so the plugin never sends a signal the operator would drop. A newer
 * signal replaces one the operator has not acted on yet (it only ever reads the latest value).
 */
import { SIGNAL_ANNOTATION, withDefaults, type ModelVariant } from '../../api/types.ts';
import { effectiveActivation, experimentId } from '../../controller/desired-experiment.ts';
import { canaryVariant, sameVariant, type ExperimentIntent, type SignalVerb, type Variant } from '../../controller/model.ts';
import { signalKey } from '../../controller/signals.ts';
import { templateRevision } from '../../workload/revision.ts';

export { SIGNAL_VERBS, type SignalVerb } from '../../controller/model.ts';

export type SignalCheck = { send: true; effect: string } | { send: false; reason: string };

/** The signal value on the object that the operator has not acted on yet, if any. */
export function pendingSignal(mv: ModelVariant): string | undefined {
  const value = mv.metadata?.annotations?.[SIGNAL_ANNOTATION];
  return value && signalKey(value) !== mv.status?.handledSignal ? value : undefined;
}

const refuse = (reason: string): SignalCheck => ({ send: false, reason });
const accept = (effect: string): SignalCheck => ({ send: true, effect });

export function checkSignal(verb: SignalVerb, mv: ModelVariant): SignalCheck {
  const name = mv.metadata?.name ?? 'the ModelVariant';
  const s = mv.status ?? {};
  const phase = s.phase ?? 'unknown';

  if (!s.stableActivation) {
    return refuse(`${name} has no status yet (phase ${phase}): the operator has not reconciled it; check that the operator is running`);
  }
  const revision = templateRevision(mv.spec?.template ?? {});
  const experiment = experimentOf(mv, revision);
  // After an experiment picked a winner, the winner is rolled out while spec.activation still says the base.
  const desired = mv.spec?.activation === undefined ? undefined : effectiveActivation(mv.spec.activation, experiment, s.experiment);
  const want: Variant = { activation: desired ?? '', revision };
  // A status written before revisions existed: stable ran spec.template.
  if (sameVariant(want, { activation: s.stableActivation, revision: s.stableRevision ?? want.revision })) {
    if (experiment && s.experiment?.id === experiment.id && s.experiment.phase === 'Running' && !s.canaryActivation) {
      if (verb === 'abort') return accept(`the operator will end the experiment and keep stable ${s.stableActivation} (the candidates are removed)`);
      return refuse(`${name} has an experiment running: only abort acts on it (it ends the experiment, stable kept); wait for the decision (kubectl modelvariant wait ${name} --for=decided)`);
    }
    return refuse(`${name} has no rollout in progress (phase ${phase}); change spec.activation or spec.template to start one`);
  }
  // The operator acts on nothing but abort while the spec is invalid (plan.ts invalidSpec).
  const invalid = s.conditions?.find((c) => c.type === 'SpecValid' && c.status === 'False');
  if (invalid && verb !== 'abort') {
    return refuse(`${name} has an invalid spec (${invalid.message ?? 'see get'}); fix the spec first: only abort acts until then`);
  }
  const starting = !sameVariant(canaryVariant(s) ?? (s.canaryActivation ? { activation: s.canaryActivation, revision: want.revision } : undefined), want);
  const canary = desired ?? s.canaryActivation ?? 'the canary';

  if (verb === 'retry') {
    if (starting) return refuse(`${name} needs no retry: spec.activation is ${desired} and the operator starts a canary of it on its own`);
    if (phase === 'Degraded') return accept(`the operator will start the rolled-back canary of ${canary} again from step 1`);
    return refuse(`${name} has not failed (phase ${phase}); retry restarts a rolled-back canary only`);
  }
  if (phase === 'Degraded' && !starting) {
    return refuse(`the rollout of ${canary} in ${name} was rolled back (phase Degraded${s.message ? `: ${s.message}` : ''}); ` +
      `send retry to start it again, or set spec.activation back to ${s.stableActivation}`);
  }
  const note = starting ? ` (a canary of ${canary} is starting)` : '';
  switch (verb) {
    case 'abort':
      return accept(`the operator will roll ${canary} back and return all traffic to stable ${s.stableActivation}${note}`);
    case 'promote':
      if (phase === 'Promoting' && !starting) return refuse(`${name} is already promoting ${canary}; wait for it to finish`);
      return accept(`the operator will skip the remaining steps and promote ${canary}${note}`);
    case 'pause':
      if (phase === 'Promoting' && !starting) return refuse(`${name} is promoting ${canary}; a promotion cannot be paused (send abort to roll back)`);
      if (s.pausedAt && !starting) return refuse(`${name} is already paused by a signal; send resume to continue`);
      return accept(`the operator will hold ${canary} at its current step until resume${note}`);
    case 'resume':
      if (s.pausedAt && !starting) return accept(`the operator will continue the rollout of ${canary} from step ${(s.currentStepIndex ?? 0) + 1}`);
      if (phase === 'Paused') return refuse(`${name} is paused, but not by a signal (${s.message ?? 'see get'}); resume only undoes a pause signal (a step without pause goes on with promote)`);
      return refuse(`${name} is not paused (phase ${phase}); resume only undoes a pause signal`);
  }
}

/** The spec's experiment as effectiveActivation needs it (its id and promoteWinner), or undefined. */
function experimentOf(mv: ModelVariant, revision: string): Pick<ExperimentIntent, 'id' | 'promoteWinner'> | undefined {
  const experiment = mv.spec?.strategy?.experiment ? withDefaults(mv.spec).strategy.experiment : undefined;
  return experiment ? { id: experimentId(experiment, revision), promoteWinner: experiment.promoteWinner } : undefined;
}
