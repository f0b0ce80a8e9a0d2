/**
 * When `kubectl modelvariant wait` is done, pure. A status counts only once the operator has caught
 * up with the object: status.observedGeneration has reached metadata.generation and the signal
 * annotation (if any) is the one it last handled, so a CI job that changes spec.activation or sends
 * retry and waits at once is never answered from the status of the previous rollout. `promoted` means
 * Healthy with spec.activation now stable; `healthy` means Healthy; `degraded` means rolled back.
 * `decided` means status.experiment was judged (a winner or stable kept); its opposite is a spec without
 * an experiment. Each target's opposite is the other terminal outcome, which ends the wait with exit code 1.
 */
import { CONDITION_TYPE, SIGNAL_ANNOTATION, type ModelVariant } from '../../api/types.ts';
import { signalKey } from '../../controller/signals.ts';
import { formatValue } from './render-analysis.ts';
import { stepLabel } from './render-get.ts';

export const WAIT_TARGETS = ['promoted', 'degraded', 'healthy', 'decided'] as const;
export type WaitTarget = (typeof WAIT_TARGETS)[number];

export type WaitOutcome =
  | { state: 'reached'; summary: string }
  | { state: 'opposite'; summary: string }
  | { state: 'pending'; summary: string };

/** True when the status describes the current spec and signal. */
export function caughtUp(mv: ModelVariant): boolean {
  const generation = mv.metadata?.generation ?? 0;
  const observed = mv.status?.observedGeneration;
  const signal = mv.metadata?.annotations?.[SIGNAL_ANNOTATION];
  return observed !== undefined && observed >= generation && (!signal || signalKey(signal) === mv.status?.handledSignal);
}

export const isPromoted = (mv: ModelVariant) =>
  caughtUp(mv) && mv.status?.phase === 'Healthy' && !!mv.spec?.activation && mv.status.stableActivation === mv.spec.activation;
export const isHealthy = (mv: ModelVariant) => caughtUp(mv) && mv.status?.phase === 'Healthy';
export const isDegraded = (mv: ModelVariant) => caughtUp(mv) && mv.status?.phase === 'Degraded';
/** The experiment of strategy.experiment has been judged (whatever the outcome). */
export const isDecided = (mv: ModelVariant) => caughtUp(mv) && mv.status?.experiment?.phase === 'Decided';

/** Why a ModelVariant is Degraded: the Degraded condition, the status message and each failed SLI. */
export function degradedReason(mv: ModelVariant): string {
  const s = mv.status ?? {};
  const cond = s.conditions?.find((c) => c.type === CONDITION_TYPE.Degraded && c.status === 'True');
  const parts = [cond ? `${cond.reason}: ${cond.message}` : (s.message ?? 'no reason recorded')];
  if (cond && s.message && !cond.message.includes(s.message)) parts.push(s.message);
  for (const sli of s.analysis?.slis ?? []) {
    // The operator's rollback message usually names the failed SLI already; add only the ones it does not.
    if (sli.verdict === 'Failed' && !parts.some((p) => p.includes(`SLI ${sli.name} `))) parts.push(`SLI ${sli.name} failed: canary ${formatValue(sli.canaryValue)} (threshold ${sli.threshold ?? '—'}, ${sli.reason ?? 'no reason'})`);
  }
  const burn = s.analysis?.burnRate;
  if (burn?.verdict === 'Failed') parts.push(`burn rate failed: ${burn.message ?? `short ${burn.short ?? '—'}, long ${burn.long ?? '—'}, threshold ${burn.threshold ?? '—'}`}`);
  return parts.join('; ');
}

/** One line describing where a ModelVariant is, for progress output and timeouts. */
export function progressLine(mv: ModelVariant): string {
  const s = mv.status;
  if (!s?.phase) return 'no status yet (is the operator running?)';
  const step = stepLabel(mv);
  const where = step === '—' ? '' : ` step ${step} weight ${s.canaryWeight ?? 0}%`;
  const lag = caughtUp(mv) ? '' : ' (the operator has not caught up with the latest change yet)';
  return `${s.phase}${where}${s.message ? `: ${s.message}` : ''}${lag}`;
}

export function waitOutcome(mv: ModelVariant, target: WaitTarget): WaitOutcome {
  const s = mv.status ?? {};
  const promoted = `promoted: ${s.stableActivation} is stable`;
  const degraded = `rolled back (Degraded): ${degradedReason(mv)}`;
  switch (target) {
    case 'promoted':
      if (isPromoted(mv)) return { state: 'reached', summary: promoted };
      if (isDegraded(mv)) return { state: 'opposite', summary: degraded };
      break;
    case 'healthy':
      if (isHealthy(mv)) return { state: 'reached', summary: `healthy: ${s.stableActivation} is stable` };
      if (isDegraded(mv)) return { state: 'opposite', summary: degraded };
      break;
    case 'degraded':
      if (isDegraded(mv)) return { state: 'reached', summary: degraded };
      if (isPromoted(mv)) return { state: 'opposite', summary: promoted };
      break;
    case 'decided': {
      const e = s.experiment;
      if (isDecided(mv)) return { state: 'reached', summary: `experiment decided (${e?.reason}): ${e?.winner ? `winner ${e.winner}` : 'stable kept'}; ${e?.message ?? ''}` };
      if (caughtUp(mv) && !mv.spec?.strategy?.experiment) return { state: 'opposite', summary: 'no experiment: spec.strategy.experiment is not set' };
      break;
    }
  }
  return { state: 'pending', summary: progressLine(mv) };
}
