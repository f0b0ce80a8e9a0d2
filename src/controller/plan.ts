/**
 * The pure heart of the operator: `plan(desired, observed, status, now, split)` decides what the stable
 * and canary workloads should be, the traffic weight, the next status, the events, and when to come
 * back. It makes at most one step change per pass and records it in status, so a restarted operator
 * resumes from status and observation alone. Flat and early-returning, after Argo Rollouts' reconcile
 * list: signals first (they are acted on in every state), then an invalid spec, then the steady state
 * an experiment (`plan-experiment.ts`), or the canary branch (`plan-canary.ts`), promotion (`plan-promote.ts`) and exits (`plan-exit.ts`).
 */
import { LABEL } from '../api/types.ts';
import { clampTimerMs } from '../util/duration.ts';
import { CONDITION, setCondition } from './conditions.ts';
import { PHASE, sameVariant, stableVariant, type Variant, type Desired, type Observed, type Plan, type PlannedEvent, type SplitRule, type Status } from './model.ts';
import type { CandidateRoute, RouteState } from '../traffic/router.ts';
import { experimentChildName } from '../workload/names.ts';
import { canaryPhase } from './plan-canary.ts';
import { cancelExperiment, experimentPhase, experimentWanted } from './plan-experiment.ts';
import { exitToStable, rollBack } from './plan-exit.ts';
import { pendingSignal } from './signals.ts';
import { boundStatus } from './status-bounds.ts';

/** Mutable working state of one planning pass; only `plan` and its helpers see it. */
export interface Draft {
  d: Desired;
  o: Observed;
  now: number;
  nowIso: string;
  s: Status;
  events: PlannedEvent[];
  split: SplitRule;
}

/** After a step completes, go on at once (the status write wakes the informer too). */
export const REQUEUE_NEXT_STEP_MS = 100;
/** A capacity hold looks again this often (nodes and pods are watched as well). */
export const REQUEUE_CAPACITY_MS = 30_000;

/** The next plan; its status always within the bounds of status-bounds.ts (the CRD's and MAX_STATUS_BYTES). */
export function plan(d: Desired, o: Observed, previous: Status, now: number, split: SplitRule): Plan {
  const p = planUnbounded(d, o, previous, now, split);
  return { ...p, status: boundStatus(p.status) };
}

function planUnbounded(d: Desired, o: Observed, previous: Status, now: number, split: SplitRule): Plan {
  const nowIso = new Date(now).toISOString();
  const s: Status = structuredClone(previous);
  s.conditions ??= [];
  s.observedGeneration = d.generation;
  s.selector = `${LABEL.model}=${d.name}`;
  s.replicas = (o.stable?.replicas ?? 0) + (o.canary?.replicas ?? 0);
  const draft: Draft = { d, o, now, nowIso, s, events: [], split };

  const signal = pendingSignal(d.signal, s.handledSignal);
  if (signal) {
    s.handledSignal = signal.value;
    if ('invalid' in signal) event(draft, 'Warning', 'SignalRejected', signal.invalid);
  }
  const verb = signal && 'verb' in signal ? signal.verb : undefined;

  if (d.problems.length > 0) return invalidSpec(draft, verb);
  cond(draft, CONDITION.SpecValid, 'True', 'SpecAccepted', 'the spec is valid');
  trafficRouted(draft);
  bootstrap(draft);
  replaceWhatNeverServed(draft);
  const atStable = sameVariant(d.variant, stableVariant(s));
  if (atStable && experimentWanted(d, o, s)) return experimentPhase(draft, verb);
  cancelExperiment(draft);
  return atStable ? steady(draft, verb) : canaryPhase(draft, verb);
}

/** TrafficRouted from the router's answer, with an Event when a problem first appears or changes. */
function trafficRouted(draft: Draft): void {
  const { o, s } = draft;
  const problem = o.routeProblem;
  if (!problem) {
    cond(draft, CONDITION.TrafficRouted, 'True', 'RouteReady', o.route ? `the route sends ${o.route.weight}% of requests to the canary` : 'traffic follows the ready pods');
    return;
  }
  const was = s.conditions?.find((c) => c.type === CONDITION.TrafficRouted);
  if (was?.status !== 'False' || was.message !== problem.message) event(draft, 'Warning', 'TrafficRouteProblem', problem.message);
  cond(draft, CONDITION.TrafficRouted, 'False', problem.code, problem.message);
}

/** The first pass (or the first after an upgrade from a status without revisions): record the stable variant. */
function bootstrap(draft: Draft): void {
  const { d, o, s } = draft;
  if (!s.stableActivation) {
    s.stableActivation = o.stable?.variant?.activation ?? d.variant.activation;
    s.stableRevision = o.stable?.variant?.revision ?? d.variant.revision;
    event(draft, 'Normal', 'StableDeploying', `deploying stable variant ${s.stableActivation} with ${d.replicas} replicas`);
  }
  // A status written before revisions existed: the stable (and any canary) Deployment ran spec.template.
  s.stableRevision ??= d.variant.revision;
  if (s.canaryActivation) s.canaryRevision ??= d.variant.revision;
}

/**
 * Nothing to protect: when no stable pod serves (a first template the apiserver refused, an image that
 * never became Ready, every pod lost) and no rollout is in flight, a new variant replaces the recorded
 * stable one directly, as Argo Rollouts and Flagger treat a first deployment; a canary of it would be
 * judged against a stable that does not serve, and a rollback would go back to what never worked.
 */
function replaceWhatNeverServed(draft: Draft): void {
  const { d, o, s } = draft;
  const stable = stableVariant(s);
  if (sameVariant(d.variant, stable) || s.canaryActivation || o.canary) return;
  // A stable Deployment that runs something else (edited by hand) is repaired, not replaced.
  if (o.stable && !sameVariant(o.stable.variant, stable)) return;
  if (o.stable && (o.stable.readyOfVariant ?? o.stable.ready) > 0) return;
  event(draft, 'Normal', 'StableReplaced', `no pod of stable ${s.stableActivation} serves and no rollout is in flight: ` +
    `${d.change} replaces it directly, without a canary`);
  s.stableActivation = d.variant.activation;
  s.stableRevision = d.variant.revision;
}

/** No canary wanted: the stable variant at full size; a canary in flight is cancelled and removed safely. */
function steady(draft: Draft, verb: string | undefined): Plan {
  const { s } = draft;
  if (s.canaryActivation) {
    if (s.phase !== PHASE.Degraded) {
      event(draft, 'Normal', 'RolloutCancelled', `the spec is back to the stable variant ${s.stableActivation}: canary ${s.canaryActivation} is removed`);
    }
    clearRollout(s);
    s.phase = PHASE.Progressing;
    cond(draft, CONDITION.Degraded, 'False', 'NotDegraded', 'no rollback in effect');
  }
  if (verb) event(draft, 'Normal', 'SignalIgnored', `signal ${verb} ignored: no rollout is in progress`);
  cond(draft, CONDITION.TrafficSplitExact, 'True', 'NoRollout', 'all traffic goes to stable');
  return exitToStable(draft, 'steady');
}

function invalidSpec(draft: Draft, verb: string | undefined): Plan {
  const { d, o, s } = draft;
  const message = `the operator cannot act on this spec: ${d.problems.join('; ')}`;
  const previous = s.conditions?.find((c) => c.type === CONDITION.SpecValid);
  if (previous?.status !== 'False' || previous.message !== message) event(draft, 'Warning', 'InvalidSpec', message);
  cond(draft, CONDITION.SpecValid, 'False', 'InvalidSpec', message);
  const rollingOut = !!s.canaryActivation && s.phase !== PHASE.Degraded && !!stableVariant(s);
  if (verb === 'abort' && rollingOut) return rollBack(draft, 'Aborted', `rollout of ${s.canaryActivation} aborted by a signal (the spec is invalid: ${d.problems.join('; ')})`);
  if (verb) event(draft, 'Normal', 'SignalIgnored', `signal ${verb} ignored: the spec is invalid; fix it first (abort still rolls a canary back)`);
  // A rollback in progress finishes: the stable variant's template is recorded, not taken from the spec.
  if (s.phase === PHASE.Degraded && stableVariant(s)) {
    const p = exitToStable(draft, 'degraded');
    s.message = message;
    return p;
  }
  s.message = message;
  s.phase ??= PHASE.Degraded;
  // Keep whatever runs; change nothing until the spec changes (no hot loop: no requeue).
  return finish(draft, { routeWeight: o.routedWeight });
}

export function clearRollout(s: Status): void {
  delete s.canaryActivation;
  delete s.canaryRevision;
  delete s.change;
  delete s.currentStepIndex;
  delete s.stepStartedAt;
  delete s.weightReachedAt;
  delete s.rolloutStartedAt;
  delete s.pausedAt;
  delete s.capacityHoldSince;
  s.canaryWeight = 0;
}

export function event(draft: Draft, type: PlannedEvent['type'], reason: string, message: string): void {
  draft.events.push({ type, reason, message });
}

export function cond(draft: Draft, type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string): void {
  draft.s.conditions = setCondition(draft.s.conditions ?? [], { type, status, reason, message, observedGeneration: draft.d.generation }, draft.nowIso);
}

/** maxUnavailable for a rollout that starts now: the spec's, else 0 when one more pod fits, else 1. */
export function chosenMaxUnavailable(d: Desired, o: Observed): number {
  return d.maxUnavailable ?? (o.capacity && o.capacity.fits < 1 ? 1 : 0);
}

/** maxUnavailable in effect: the rollout's (chosen when it started), the spec's, else 0 when a surge fits. */
export function maxUnavailable(draft: Draft): number {
  const { d, o, s } = draft;
  return s.maxUnavailable ?? chosenMaxUnavailable(d, o);
}

/** Ready pods (both roles) that must keep receiving traffic. */
export function servingFloor(draft: Draft): number {
  return Math.max(0, draft.d.replicas - maxUnavailable(draft));
}

/**
 * Role sizes as observed, in the shape `moveToward` takes. A role whose template this pass changes in
 * place (`switching`, e.g. stable going back to its own variant after a cancelled promotion) is about
 * to lose one ready pod to its Deployment's rolling update (maxUnavailable 1): that pod is at risk.
 */
export function currentSizes(o: Observed, switching: Partial<Record<'stable' | 'canary', Variant>> = {}) {
  const now = (r: Observed['stable'], to: Variant | undefined) => {
    const ready = r?.ready ?? 0;
    const replicas = r?.replicas ?? 0;
    const inPlace = !!r && !!to && !sameVariant(r.variant, to) && ready > 0;
    const atRisk = Math.max(r?.readyAtRisk ?? 0, inPlace ? ready - Math.max(0, replicas - 1) : 0);
    return { replicas, ready, unscheduled: r?.unscheduled ?? 0, readyAtRisk: atRisk, rolling: inPlace || !!r?.rolling };
  };
  return { stable: now(o.stable, switching.stable), canary: now(o.canary, switching.canary) };
}

/** What a plan part asks of the route: the canary's weight, and while a step has them, a header route and a mirror. */
export interface RouteParts {
  routeWeight: number;
  /** An experiment's candidates and their shares (weighted routers only; the replicas provider ignores it). */
  candidates?: CandidateRoute[];
  headerRoute?: RouteState['headerRoute'];
  mirrorPercent?: number;
}

/** After the route was written, read it back this soon (route objects are not watched). */
export const REQUEUE_ROUTE_MS = 1_000;

/** Completes a plan: the Available condition from observation, the route guards, the common fields, a timer-safe requeue. */
export function finish(
  draft: Draft,
  parts: { stable?: Plan['stable']; canary?: Plan['canary']; experiment?: Plan['experiment'] } & RouteParts,
  requeueAfterMs?: number,
): Plan {
  const { d, o } = draft;
  const ready = (o.stable?.ready ?? 0) + (o.canary?.ready ?? 0);
  if (ready >= d.replicas) cond(draft, CONDITION.Available, 'True', 'MinimumReplicasAvailable', `${ready}/${d.replicas} serving replicas ready`);
  else cond(draft, CONDITION.Available, 'False', 'ReplicasUnavailable', `${ready}/${d.replicas} serving replicas ready`);
  let route: RouteState = {
    weight: parts.routeWeight,
    ...(parts.headerRoute ? { headerRoute: parts.headerRoute } : {}),
    ...(parts.mirrorPercent ? { mirrorPercent: parts.mirrorPercent } : {}),
    ...(d.weighted && parts.candidates?.length ? { experiment: parts.candidates } : {}),
  };
  let canary = parts.canary;
  let experiment = parts.experiment;
  if (d.weighted) {
    const held = guardCandidates(draft, route, experiment);
    route = held.route;
    experiment = held.experiment;
    if (held.waitForRoute) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, REQUEUE_ROUTE_MS);
    // A weighted route sends requests whatever the pod counts: never to a canary without a ready pod,
    // and the canary's last pods go only once the live route sends them nothing. Fewer pods that are
    // not none (a step that needs fewer than the one before, e.g. after a mirror, or strategy.canaryReplicas
    // above spec.replicas before a 100 % step) keep ready ones, as a ReplicaSet removes unready pods
    // first; holding them too would wait for a route that only moves once they are gone.
    if ((o.canary?.ready ?? 0) === 0) route = { weight: 0, ...(route.experiment ? { experiment: route.experiment } : {}) };
    const leaves = (canary === null || canary?.replicas === 0) && (o.canary?.replicas ?? 0) > 0;
    if (leaves && o.canary && routeSendsToCanary(o.route)) {
      canary = { variant: o.canary.variant ?? (canary?.variant as Variant), replicas: o.canary.replicas };
      requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, REQUEUE_ROUTE_MS);
    }
  }
  const requeue = requeueAfterMs === undefined || Number.isNaN(requeueAfterMs) || requeueAfterMs === Infinity
    ? undefined : clampTimerMs(Math.max(REQUEUE_NEXT_STEP_MS, requeueAfterMs));
  return {
    ...(parts.stable ? { stable: parts.stable } : {}),
    ...(canary !== undefined ? { canary } : {}),
    ...(experiment?.length ? { experiment } : {}),
    route,
    status: draft.s,
    events: draft.events,
    ...(requeue !== undefined ? { requeueAfterMs: requeue } : {}),
  };
}

/**
 * The route guards of a weighted router for an experiment's candidates, as for the canary: a candidate
 * without a ready pod gets weight 0, and a candidate Deployment the plan drops is kept as it is while
 * the live route still has a backend to its Service (or cannot be read), so its pods and Service go
 * only once the route has none (`waitForRoute`: read the route back soon).
 */
function guardCandidates(draft: Draft, route: RouteState, experiment: Plan['experiment']): { route: RouteState; experiment: Plan['experiment']; waitForRoute: boolean } {
  const { d, o } = draft;
  const observed = Object.entries(o.experiment?.candidates ?? {});
  const serviceReady = new Map(observed.map(([activation, c]) => [experimentChildName(d.name, activation), (c?.ready ?? 0) > 0]));
  const guarded = route.experiment ? { ...route, experiment: route.experiment.map((c) => (serviceReady.get(c.service) ? c : { ...c, weight: 0 })) } : route;
  const wanted = new Set((experiment ?? []).map((i) => i.variant.activation));
  const routed = new Set((o.route?.experiment ?? []).map((c) => c.service));
  const held = observed.flatMap(([activation, c]) =>
    c?.variant && c.replicas > 0 && !wanted.has(activation) && (!o.route || routed.has(experimentChildName(d.name, activation))) ? [{ variant: c.variant, replicas: c.replicas }] : []);
  return { route: guarded, experiment: held.length > 0 ? [...(experiment ?? []), ...held] : experiment, waitForRoute: held.length > 0 };
}

/** Same candidates with the same shares (within one point, and 0 only where 0): absent and empty are alike. */
export function sameCandidates(a: readonly CandidateRoute[] | undefined, b: readonly CandidateRoute[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((c) => {
    const other = y.find((o) => o.service === c.service);
    return !!other && Math.abs(other.weight - c.weight) <= 1 && (other.weight === 0) === (c.weight === 0);
  });
}

/** True unless the live route is known to send the canary nothing (an unreadable route may still send it requests). */
export function routeSendsToCanary(route: Observed['route']): boolean {
  return !route || route.weight > 0 || !!route.headerRoute || !!route.mirrorPercent;
}

/**
 * The route carries what a step asks: the weight (within one point: a route whose model rule also has
 * other weighted backends reads back rounded), the header route, the mirror and an experiment's candidates.
 */
export function routeCarries(route: Observed['route'], want: RouteState): boolean {
  return !!route && Math.abs(route.weight - want.weight) <= 1 && (route.weight === 0) === (want.weight === 0) && route.mirrorPercent === want.mirrorPercent &&
    route.headerRoute?.name === want.headerRoute?.name && route.headerRoute?.value === want.headerRoute?.value && sameCandidates(route.experiment, want.experiment);
}
