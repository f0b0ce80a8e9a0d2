/**
 * Exits, pure: every way back to "stable alone at full size" (a rollback, an abort, a missed deadline,
 * a cancelled rollout, the steady state repairing itself) goes through `exitToStable`, which brings
 * stable up and Ready before the canary's pods go, pod by pod when GPUs are tight (`moveToward`).
 * The recorded stable variant is what stable runs: a rollback restores exactly what served before.
 */
import { CONDITION } from './conditions.ts';
import { PHASE, canaryVariant, stableVariant, type Plan, type Variant } from './model.ts';
import { cond, currentSizes, event, finish, servingFloor, type Draft } from './plan.ts';
import { endCapacityHold } from './plan-hold.ts';
import { moveToward, type Move } from './sizing.ts';

/** Sends all traffic back to stable, starts removing the canary, and records why (phase Degraded). */
export function rollBack(draft: Draft, reason: string, message: string): Plan {
  const { s } = draft;
  const failed = s.canaryActivation;
  s.phase = PHASE.Degraded;
  s.canaryWeight = 0;
  delete s.stepStartedAt;
  delete s.weightReachedAt;
  delete s.pausedAt;
  delete s.capacityHoldSince;
  s.message = `rolled back to ${s.stableActivation}: ${message}`;
  cond(draft, CONDITION.Degraded, 'True', reason, s.message);
  cond(draft, CONDITION.Progressing, 'False', reason, s.message);
  // The rolled-back step's split no longer applies: all traffic goes back to stable (found by make chaos).
  cond(draft, CONDITION.TrafficSplitExact, 'True', 'NoRollout', 'all traffic goes to stable');
  event(draft, 'Warning', 'RolledBack', `canary ${failed} rolled back (${reason}): ${message}`);
  return exitToStable(draft, 'degraded');
}

/**
 * The next pod counts on the way to stable alone at spec.replicas. With no canary there is nothing to
 * trade GPUs with: stable asks for all its pods, and those that do not fit wait with the scheduler's
 * message. With no room for even one more stable pod, an exit goes one pod below the floor rather than
 * never finishing (unless `belowFloorWhenBlocked` is false: a restart holds for capacity instead).
 */
export function towardStable(draft: Draft, belowFloorWhenBlocked = true): Move {
  const { d, o, s } = draft;
  const fits = o.canary ? o.capacity?.fits : undefined;
  const floor = servingFloor(draft);
  const current = currentSizes(o, { stable: stableVariant(s) as Variant });
  const move = moveToward({ current, target: { stable: d.replicas, canary: 0 }, fits, floor, first: 'stable' });
  if (!move.blocked || floor === 0 || !belowFloorWhenBlocked) return move;
  return moveToward({ current, target: { stable: d.replicas, canary: 0 }, fits, floor: floor - 1, first: 'stable' });
}

/**
 * Moves toward stable at spec.replicas and no canary. `steady`: phase Healthy once there; `degraded`:
 * the phase stays Degraded (a rollback is in effect until retry or a new variant).
 */
export function exitToStable(draft: Draft, mode: 'steady' | 'degraded'): Plan {
  const { d, o, s } = draft;
  const stable = stableVariant(s) as Variant;
  const move = towardStable(draft);
  endCapacityHold(draft);
  const canaryRuns = o.canary?.variant ?? canaryVariant(s) ?? d.variant;
  const plan = (requeue?: number) => finish(draft, {
    stable: { variant: stable, replicas: move.sizes.stable },
    canary: move.sizes.canary > 0 ? { variant: canaryRuns, replicas: move.sizes.canary } : null,
    routeWeight: 0,
  }, requeue);

  const st = o.stable;
  const done = !o.canary && !!st && st.variant?.activation === stable.activation && st.variant.revision === stable.revision &&
    st.settled && st.replicas === d.replicas && st.ready >= d.replicas;
  if (mode === 'degraded') {
    s.phase = PHASE.Degraded;
    return plan();
  }
  if (done) {
    if (s.phase !== PHASE.Healthy) event(draft, 'Normal', 'Healthy', `stable ${s.stableActivation} serves with ${d.replicas}/${d.replicas} replicas ready`);
    s.phase = PHASE.Healthy;
    // A message that already says so is kept: the promotion's names what stable replaced, and rewriting
    // it on the next pass cost every rollout a status write that said nothing new.
    const serving = `stable ${s.stableActivation} serving`;
    if (!s.message?.startsWith(serving)) s.message = serving;
    delete s.maxUnavailable;
    cond(draft, CONDITION.Progressing, 'True', 'RolloutComplete', `stable ${s.stableActivation} is serving`);
    cond(draft, CONDITION.Degraded, 'False', 'NotDegraded', 'no rollback in effect');
    return plan();
  }
  s.phase = PHASE.Progressing;
  const problem = st?.problem ?? o.canary?.problem;
  s.message = o.canary
    ? `removing the canary: stable ${st?.ready ?? 0}/${d.replicas} ready, canary ${o.canary.ready} ready${problem ? ` (${problem})` : ''}`
    : `deploying stable ${s.stableActivation}: ${st?.ready ?? 0}/${d.replicas} ready${problem ? ` (${problem})` : ''}`;
  cond(draft, CONDITION.Progressing, 'True', o.canary ? 'RemovingCanary' : 'DeployingStable', s.message);
  return plan();
}
