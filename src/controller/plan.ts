/**
 * The pure heart of the operator: `plan(desired, observed, now)` decides what the stable and canary
 * workloads should be, the traffic weight, the next status, the events, and when to come back. It
 * makes at most one step change per pass and records it in status, so a restarted operator resumes
 * from status and observation alone. Flat and early-returning, after Argo Rollouts' reconcile list.
 */
import { CONDITION, setCondition } from './conditions.ts';
import { canaryPhase } from './plan-canary.ts';
import { PHASE, type Desired, type Observed, type Plan, type PlannedEvent, type Status } from './model.ts';
import { pendingSignal } from './signals.ts';

export type Split = (total: number, canaryWeight: number) => { stable: number; canary: number };

/** Mutable working state of one planning pass; only `plan` and its helpers see it. */
export interface Draft {
  d: Desired;
  o: Observed;
  now: number;
  nowIso: string;
  s: Status;
  events: PlannedEvent[];
  split: Split;
}

export const REQUEUE_WAITING_MS = 5_000;
export const REQUEUE_CAPACITY_MS = 15_000;
export const REQUEUE_NEXT_STEP_MS = 100;

export function plan(d: Desired, o: Observed, previous: Status, now: number, split: Split): Plan {
  const nowIso = new Date(now).toISOString();
  const s: Status = structuredClone(previous);
  s.conditions ??= [];
  s.observedGeneration = d.generation;
  const draft: Draft = { d, o, now, nowIso, s, events: [], split };

  if (d.problems.length > 0) return invalidSpec(draft);
  cond(draft, CONDITION.SpecValid, 'True', 'SpecAccepted', 'the spec is valid');

  if (!s.stableActivation) {
    s.stableActivation = o.stable?.activation ?? d.activation;
    event(draft, 'Normal', 'StableDeploying', `deploying stable variant ${s.stableActivation} with ${d.replicas} replicas`);
  }

  const signal = pendingSignal(d.signal, s.handledSignal);
  if (signal) {
    s.handledSignal = signal.value;
    if ('invalid' in signal) event(draft, 'Warning', 'SignalRejected', signal.invalid);
  }
  const verb = signal && 'verb' in signal ? signal.verb : undefined;

  if (d.activation === s.stableActivation) return steady(draft, verb);
  return canaryPhase(draft, verb);
}

/** No canary wanted: the stable variant at full size; a canary in flight is cancelled. */
function steady(draft: Draft, verb: string | undefined): Plan {
  const { d, o, s } = draft;
  if (s.canaryActivation) {
    if (s.phase !== PHASE.Degraded) {
      event(draft, 'Normal', 'RolloutCancelled', `spec.activation is back to the stable ${s.stableActivation}: canary ${s.canaryActivation} removed`);
    }
    clearRollout(s);
  }
  if (verb) event(draft, 'Normal', 'SignalIgnored', `signal ${verb} ignored: no rollout is in progress`);
  const stable = o.stable;
  const ready = !!stable && stable.activation === s.stableActivation && stable.settled && stable.ready >= d.replicas && stable.replicas === d.replicas;
  if (ready) {
    if (s.phase !== PHASE.Healthy) event(draft, 'Normal', 'Healthy', `stable ${s.stableActivation} serves with ${d.replicas}/${d.replicas} replicas ready`);
    s.phase = PHASE.Healthy;
    s.message = `stable ${s.stableActivation} serving`;
    cond(draft, CONDITION.Progressing, 'True', 'RolloutComplete', `stable ${s.stableActivation} is serving`);
  } else {
    s.phase = PHASE.Progressing;
    s.message = `deploying stable ${s.stableActivation}: ${stable?.ready ?? 0}/${d.replicas} ready${stable?.unschedulable ? ` (${stable.unschedulable})` : ''}`;
    cond(draft, CONDITION.Progressing, 'True', 'DeployingStable', s.message);
  }
  cond(draft, CONDITION.Degraded, 'False', 'NotDegraded', 'no rollback in effect');
  return finish(draft, { stable: { activation: s.stableActivation as string, replicas: d.replicas }, canary: null, routeWeight: 0 },
    ready ? undefined : REQUEUE_WAITING_MS);
}

function invalidSpec(draft: Draft): Plan {
  const { d, o, s } = draft;
  const message = `the operator cannot act on this spec: ${d.problems.join('; ')}`;
  const previous = s.conditions?.find((c) => c.type === CONDITION.SpecValid);
  if (previous?.status !== 'False' || previous.message !== message) event(draft, 'Warning', 'InvalidSpec', message);
  cond(draft, CONDITION.SpecValid, 'False', 'InvalidSpec', message);
  s.message = message;
  s.phase ??= PHASE.Degraded;
  // Keep whatever runs; change nothing until the spec changes (no hot loop: no requeue).
  const keep = (r: typeof o.stable) => (r?.activation ? { activation: r.activation, replicas: r.replicas } : undefined);
  const canary = keep(o.canary);
  return finish(draft, { stable: keep(o.stable), canary: canary ?? null, routeWeight: o.routedWeight });
}

export function clearRollout(s: Status): void {
  delete s.canaryActivation;
  delete s.currentStepIndex;
  delete s.stepStartedAt;
  delete s.weightReachedAt;
  delete s.rolloutStartedAt;
  delete s.pausedAt;
  s.canaryWeight = 0;
}

export function event(draft: Draft, type: PlannedEvent['type'], reason: string, message: string): void {
  draft.events.push({ type, reason, message });
}

export function cond(draft: Draft, type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string): void {
  draft.s.conditions = setCondition(draft.s.conditions ?? [], { type, status, reason, message, observedGeneration: draft.d.generation }, draft.nowIso);
}

/** Completes a plan: the Available condition from observation, and the common fields. */
export function finish(
  draft: Draft,
  parts: { stable: Plan['stable']; canary: Plan['canary']; routeWeight: number },
  requeueAfterMs?: number,
): Plan {
  const { d, o } = draft;
  const ready = (o.stable?.ready ?? 0) + (o.canary?.ready ?? 0);
  if (ready >= d.replicas) cond(draft, CONDITION.Available, 'True', 'MinimumReplicasAvailable', `${ready}/${d.replicas} serving replicas ready`);
  else cond(draft, CONDITION.Available, 'False', 'ReplicasUnavailable', `${ready}/${d.replicas} serving replicas ready`);
  return {
    stable: parts.stable,
    canary: parts.canary,
    routeWeight: parts.routeWeight,
    status: draft.s,
    events: draft.events,
    ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
  };
}
