/**
 * `kubectl modelvariant get NAME` as text, pure: a header in `kubectl describe` style (activation,
 * stable, canary, phase, weight, the steps with a marker on the current one, the message, a pending
 * signal), then the analysis, the conditions and the recent events. Everything is computed from the
 * object, its events, an injected `now` and a painter, so tests pin the output exactly.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import { SIGNAL_ANNOTATION, withDefaults, type ModelVariant, type Step } from '../../api/types.ts';
import { signalKey } from '../../controller/signals.ts';
import { phaseColour, type Paint } from './colour.ts';
import { renderAnalysis } from './render-analysis.ts';
import { renderExperiment } from './render-experiment.ts';
import { renderConditions } from './render-conditions.ts';
import { renderEvents } from './render-events.ts';
import { field, formatTable, LABEL_WIDTH } from './table.ts';
import { ABSENT, formatAge } from './time.ts';

export interface RenderOptions {
  now: number;
  paint: Paint;
}


/** The steps of the spec, with the CRD's default when the spec has none. */
export function stepsOf(mv: ModelVariant): Step[] {
  return mv.spec ? withDefaults(mv.spec).strategy.steps : [];
}

/** True while a canary exists (status.canaryActivation set). */
export function hasCanary(mv: ModelVariant): boolean {
  return !!mv.status?.canaryActivation;
}

/** "2/3" while a canary runs, '—' otherwise. */
export function stepLabel(mv: ModelVariant): string {
  const steps = stepsOf(mv);
  if (!hasCanary(mv) || steps.length === 0) return ABSENT;
  return `${(mv.status?.currentStepIndex ?? 0) + 1}/${steps.length}`;
}

/** The canary's traffic share; 0% once the operator has written a status without one (no canary). */
export function weightLabel(mv: ModelVariant): string {
  const s = mv.status;
  if (s?.canaryWeight !== undefined) return `${s.canaryWeight}%`;
  return s?.phase ? '0%' : ABSENT;
}

/** What a step routes, in a few words: "25%", "header x-activation-variant: canary", "mirror 20%". */
export function stepRouteLabel(step: ReturnType<typeof stepsOf>[number]): string {
  if (step.setHeaderRoute) return `header ${step.setHeaderRoute.name}: ${step.setHeaderRoute.value}`;
  if (step.setMirror) return `mirror ${step.setMirror.percent}%`;
  return `${step.setWeight ?? 0}%`;
}

/** "gatewayAPI, HTTPRoute sentiment (yours)", "istio, VirtualService translation (managed)", "replicas (ready-pod ratio)". */
export function trafficLabel(mv: ModelVariant): string {
  const t = mv.spec?.traffic;
  if (t?.provider === 'gatewayAPI') return `gatewayAPI, HTTPRoute ${t.gatewayAPI?.httpRoute ?? `${mv.metadata?.name} (managed by the operator)`}`;
  if (t?.provider === 'istio') return `istio, VirtualService ${t.istio?.virtualService ?? `${mv.metadata?.name} (managed by the operator)`}`;
  return 'replicas (the ratio of ready pods)';
}

/** One line per step: an arrow on the current step of a running canary, number, what it routes, pause. */
export function renderSteps(mv: ModelVariant, paint: Paint): string[] {
  const current = hasCanary(mv) ? (mv.status?.currentStepIndex ?? 0) : -1;
  const rows = stepsOf(mv).map((step, i) => [String(i + 1), stepRouteLabel(step), step.pause ? `pause ${step.pause}` : 'wait for promote']);
  if (rows.length === 0) return [];
  return formatTable(['', '', ''], rows).slice(1).map((line, i) =>
    i === current ? `${' '.repeat(LABEL_WIDTH)}${paint('bold', `→ ${line}`)}` : `${' '.repeat(LABEL_WIDTH + 2)}${line}`);
}

/** The signal line: the annotation's value and whether the operator has acted on it yet. */
export function signalLine(mv: ModelVariant): string | undefined {
  const value = mv.metadata?.annotations?.[SIGNAL_ANNOTATION];
  if (!value) return undefined;
  return signalKey(value) === mv.status?.handledSignal ? `${value} (handled)` : `${value} (pending: the operator has not acted on it yet)`;
}

/** "gelu (revision 3f2a9c01d4)", or the activation alone when no revision is recorded. */
function withRevision(activation: string | undefined, revision: string | undefined): string {
  if (!activation) return ABSENT;
  return revision ? `${activation} (revision ${revision})` : activation;
}

export function renderHeader(mv: ModelVariant, { now, paint }: RenderOptions): string[] {
  const s = mv.status;
  const generation = mv.metadata?.generation;
  const observed = s?.observedGeneration;
  const behind = generation !== undefined && (observed ?? 0) < generation
    ? `   (status describes generation ${observed ?? 'none'} of ${generation}: the operator has not caught up)` : '';
  const lines = [
    field('Name', mv.metadata?.name ?? ABSENT),
    field('Namespace', mv.metadata?.namespace ?? ABSENT),
    field('Activation', `${mv.spec?.activation ?? ABSENT}${behind}`),
    field('Stable', withRevision(s?.stableActivation, s?.stableRevision)),
    field('Canary', withRevision(s?.canaryActivation, s?.canaryRevision)),
  ];
  if (s?.change) lines.push(field('Change', s.change));
  if (!s?.phase) {
    lines.push(field('Phase', `${ABSENT}   (no status yet: the operator has not reconciled this ModelVariant; is it running?)`));
  } else {
    lines.push(field('Phase', paint(phaseColour(s.phase), paint('bold', s.phase))));
  }
  lines.push(field('Traffic', trafficLabel(mv)));
  lines.push(field('Weight', weightLabel(mv)));
  lines.push(field('Step', stepLabel(mv)), ...renderSteps(mv, paint));
  if (hasCanary(mv) && s?.rolloutStartedAt) {
    const times = [['started', s.rolloutStartedAt], ['step started', s.stepStartedAt], ['weight reached', s.weightReachedAt]] as const;
    lines.push(field('Rollout', times.filter(([, at]) => at).map(([what, at]) => `${what} ${formatAge(at, now)} ago`).join(', ')));
  }
  if (s?.pausedAt) lines.push(field('Paused', `by a signal ${formatAge(s.pausedAt, now)} ago (send resume to continue)`));
  const signal = signalLine(mv);
  if (signal) lines.push(field('Signal', signal));
  lines.push(field('Message', s?.message || ABSENT));
  return lines;
}

/** The whole `get` view. */
export function renderModelVariant(mv: ModelVariant, events: readonly CoreV1Event[], opts: RenderOptions): string[] {
  return [
    ...renderHeader(mv, opts),
    '',
    ...(mv.status?.experiment ? [...renderExperiment(mv.status.experiment, opts.now, opts.paint), ''] : []),
    ...renderAnalysis(mv.status?.analysis, opts.now, opts.paint),
    '',
    ...renderConditions(mv.status?.conditions, opts.now, opts.paint),
    '',
    ...renderEvents(events, opts.now, opts.paint),
  ];
}
