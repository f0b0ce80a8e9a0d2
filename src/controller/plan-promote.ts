/**
 * Promotion without dropping traffic, derived from observation alone (no extra status): first the
 * stable Deployment takes the canary's activation at its current size; then it grows to full size
 * while the canary keeps serving (or, when GPUs are too tight for both, the canary hands its share
 * over in one move); finally the canary goes away and the variant is recorded as stable.
 */
import { CONDITION } from './conditions.ts';
import { PHASE, type Plan } from './model.ts';
import { REQUEUE_WAITING_MS, clearRollout, cond, event, finish, type Draft } from './plan.ts';

export function promote(draft: Draft): Plan {
  const { d, o, s } = draft;
  const variant = s.canaryActivation as string;
  const stable = o.stable;
  const canary = { activation: variant, replicas: o.canary?.activation === variant ? o.canary.replicas : 0 };
  s.phase = PHASE.Promoting;
  cond(draft, CONDITION.Progressing, 'True', 'Promoting', `promoting ${variant} to stable`);

  const stableSwitched = !!stable && stable.activation === variant && stable.settled;
  if (!stableSwitched) {
    s.message = `promoting ${variant}: stable pods taking the new activation (${stable?.ready ?? 0}/${stable?.replicas ?? 0} ready)`;
    return finish(draft, { stable: { activation: variant, replicas: stable?.replicas ?? 0 }, canary, routeWeight: s.canaryWeight ?? 0 }, REQUEUE_WAITING_MS);
  }

  const full = stable.replicas === d.replicas && stable.ready >= d.replicas;
  if (!full) {
    const growth = d.replicas - stable.replicas;
    const tight = !!o.capacity && growth > o.capacity.fits;
    s.message = tight
      ? `promoting ${variant}: not enough ${o.capacity?.resource} to run both roles at once, handing the canary's share to stable in one move`
      : `promoting ${variant}: stable scaling to ${d.replicas} (${stable.ready} ready) while the canary keeps serving`;
    return finish(draft, { stable: { activation: variant, replicas: d.replicas }, canary: tight ? null : canary, routeWeight: s.canaryWeight ?? 0 },
      REQUEUE_WAITING_MS);
  }

  const from = s.stableActivation;
  s.stableActivation = variant;
  clearRollout(s);
  s.phase = PHASE.Healthy;
  s.message = `stable ${variant} serving (promoted from ${from})`;
  cond(draft, CONDITION.Progressing, 'True', 'RolloutComplete', s.message);
  cond(draft, CONDITION.Degraded, 'False', 'NotDegraded', 'no rollback in effect');
  event(draft, 'Normal', 'Promoted', `${variant} promoted to stable (was ${from}); canary removed`);
  return finish(draft, { stable: { activation: variant, replicas: d.replicas }, canary: null, routeWeight: 0 });
}
