/**
 * Promotion without dropping below the serving floor, derived from observation (no extra status):
 * 1. the stable Deployment takes the canary's variant in place, one pod at a time (its rolling update
 *    never surges), but only when one pod fewer still keeps the floor; otherwise the canary first gets
 *    one more pod;
 * 2. stable grows to spec.replicas while the canary keeps serving, and the canary's pods go as stable's
 *    come up (pod by pod when GPUs are tight);
 * 3. with the canary gone and stable Ready at full size, the variant is recorded as stable.
 * Promotion has a deadline: past it the operator says why in `Progressing` (reason PromotionStalled),
 * `status.message` and an Event, and keeps trying; an abort still rolls back to the recorded stable variant.
 */
import { formatDuration } from '../util/duration.ts';
import { CONDITION } from './conditions.ts';
import { PHASE, canaryVariant, sameVariant, stableVariant, type Plan, type Variant } from './model.ts';
import { REQUEUE_ROUTE_MS, clearRollout, cond, currentSizes, event, finish, routeSendsToCanary, servingFloor, type Draft } from './plan.ts';
import { rollBack } from './plan-exit.ts';
import { endCapacityHold, holdForCapacity } from './plan-hold.ts';
import { moveToward } from './sizing.ts';

export function promote(draft: Draft): Plan {
  const { d, o, s, now } = draft;
  const variant = canaryVariant(s) as Variant;
  const from = stableVariant(s) as Variant;
  const st = o.stable;
  const cn = o.canary;
  const floor = servingFloor(draft);
  s.phase = PHASE.Promoting;
  const canaryIntent = (replicas: number) => (replicas > 0 ? { variant: cn?.variant ?? variant, replicas } : null);
  const deadline = Date.parse(s.stepStartedAt ?? draft.nowIso) + d.promotionDeadlineMs;
  // The canary's share while stable's pods are replaced: the last step's weight, or, when no step gave it
  // one (a weighted rollout of header routes and mirrors only), its share of the pods.
  const promotionWeight = s.canaryWeight || (d.weighted ? Math.max(1, Math.round((100 * (cn?.replicas ?? 0)) / (d.replicas + (cn?.replicas ?? 0)))) : 0);

  /** `holdMs`: when a capacity hold is to be looked at again (it times out apart from the promotion deadline). */
  const progress = (message: string, parts: Pick<Plan, 'stable' | 'canary'>, routeWeight: number, holdMs?: number): Plan => {
    s.message = message;
    const problem = st?.problem ?? cn?.problem;
    if (now > deadline) {
      const stalled = `promotion of ${variant.activation} has not finished within strategy.promotionDeadline ${formatDuration(d.promotionDeadlineMs)}: ` +
        `${message}${problem ? `; ${problem}` : ''}; still trying (send abort to roll back)`;
      const was = s.conditions?.find((c) => c.type === CONDITION.Progressing);
      if (was?.reason !== 'PromotionStalled') event(draft, 'Warning', 'PromotionStalled', stalled);
      cond(draft, CONDITION.Progressing, 'False', 'PromotionStalled', stalled);
      // What `kubectl get` shows says it too, not only the condition.
      s.message = stalled;
      return finish(draft, { ...parts, routeWeight }, holdMs);
    }
    cond(draft, CONDITION.Progressing, 'True', 'Promoting', `promoting ${variant.activation} to stable`);
    return finish(draft, { ...parts, routeWeight }, Math.min(deadline - now + 1, holdMs ?? Infinity));
  };

  // 1. Stable takes the new variant in place.
  if (!sameVariant(st?.variant, variant)) {
    const stableReplicas = st?.replicas ?? 0;
    // A weighted route that sends the canary nothing (its steps were header routes and mirrors only)
    // must send it its share first: until then its ready pods serve nobody and count for nothing.
    const canaryServing = d.weighted && (o.route?.weight ?? 0) === 0 ? 0 : cn?.ready ?? 0;
    if (d.weighted && canaryServing === 0 && (cn?.ready ?? 0) > 0 && stableReplicas > 0) {
      return progress(`promoting ${variant.activation}: sending the canary ${promotionWeight}% of requests before stable's pods are replaced`,
        { stable: { variant: from, replicas: stableReplicas }, canary: canaryIntent(cn?.replicas ?? 0) }, promotionWeight, REQUEUE_ROUTE_MS);
    }
    // Stable will shrink to spec.replicas too, and its rolling update keeps one pod fewer than that.
    const spare = stableReplicas === 0 || Math.min(stableReplicas, d.replicas) - 1 + canaryServing >= floor;
    if (!spare) {
      const extra = (cn?.replicas ?? 0) + 1;
      if ((cn?.ready ?? 0) < (cn?.replicas ?? 0)) {
        return progress(`promoting ${variant.activation}: waiting for the canary's extra pod before stable's pods are replaced`,
          { stable: { variant: from, replicas: stableReplicas }, canary: canaryIntent(cn?.replicas ?? 0) }, promotionWeight);
      }
      if (o.capacity && o.capacity.fits < 1) {
        const hold = holdForCapacity(draft, `promotion of ${variant.activation} (one extra canary pod keeps the floor while stable's pods are replaced)`, '1');
        if (hold.timeoutInMs <= 0) return rollBack(draft, 'CapacityTimeout', `${hold.message}; the hold passed strategy.capacityTimeout`);
        return progress(hold.message, { stable: { variant: from, replicas: stableReplicas }, canary: canaryIntent(cn?.replicas ?? 0) }, promotionWeight, hold.requeueMs);
      }
      endCapacityHold(draft);
      return progress(`promoting ${variant.activation}: one more canary pod first, so stable's pods can be replaced without going below ${floor} ready`,
        { stable: { variant: from, replicas: stableReplicas }, canary: canaryIntent(extra) }, promotionWeight);
    }
    endCapacityHold(draft);
    return progress(`promoting ${variant.activation}: stable pods taking the new variant (${st?.ready ?? 0}/${stableReplicas} ready)`,
      { stable: { variant, replicas: stableReplicas }, canary: canaryIntent(cn?.replicas ?? 0) }, promotionWeight);
  }
  // 2. Stable grows to full size; the canary's pods go as stable's come up.
  const move = moveToward({ current: currentSizes(o), target: { stable: d.replicas, canary: 0 }, fits: o.capacity?.fits, floor, first: 'stable' });
  if (move.blocked) {
    const hold = holdForCapacity(draft, `promotion of ${variant.activation}`, String(d.replicas - (st?.replicas ?? 0)));
    if (hold.timeoutInMs <= 0) return rollBack(draft, 'CapacityTimeout', `${hold.message}; the hold passed strategy.capacityTimeout`);
    return progress(hold.message, { stable: { variant, replicas: move.sizes.stable }, canary: canaryIntent(move.sizes.canary) }, promotionWeight, hold.requeueMs);
  }
  endCapacityHold(draft);
  const full = !cn && !!st && st.settled && st.replicas === d.replicas && st.ready >= d.replicas;
  if (!full) {
    // A weighted route leaves the canary once, when stable serves at full size (not while its rolling
    // update moves ready pods around the floor, which would flap the weight); the replicas router's share
    // follows the pods anyway.
    // When the canary must go to make room for stable's last pods (GPUs are tight), it goes once stable
    // keeps the floor. Once the live route sends it nothing it never gets requests back.
    const canaryMustGo = (st?.unscheduled ?? 0) > 0 && move.sizes.canary < (cn?.replicas ?? 0) && (st?.ready ?? 0) >= floor;
    const stableServes = d.weighted
      ? (!!st && st.settled && st.ready >= d.replicas) || (!!o.route && !routeSendsToCanary(o.route)) || canaryMustGo
      : (st?.ready ?? 0) >= floor;
    const weight = stableServes ? 0 : promotionWeight;
    return progress(`promoting ${variant.activation}: stable ${st?.ready ?? 0}/${d.replicas} ready, canary ${cn?.ready ?? 0} ready and leaving`,
      { stable: { variant, replicas: move.sizes.stable }, canary: canaryIntent(move.sizes.canary) }, weight);
  }

  // 3. Done.
  s.stableActivation = variant.activation;
  s.stableRevision = variant.revision;
  const change = s.change;
  clearRollout(s);
  delete s.maxUnavailable;
  s.phase = PHASE.Healthy;
  s.message = `stable ${variant.activation} serving (promoted from ${from.activation})`;
  // The steady state's words (plan-exit.ts), so the pass after this one has nothing to rewrite.
  cond(draft, CONDITION.Progressing, 'True', 'RolloutComplete', `stable ${variant.activation} is serving`);
  cond(draft, CONDITION.Degraded, 'False', 'NotDegraded', 'no rollback in effect');
  cond(draft, CONDITION.TrafficSplitExact, 'True', 'NoRollout', 'all traffic goes to stable');
  event(draft, 'Normal', 'Promoted', `${variant.activation} promoted to stable (${change ?? `was ${from.activation}`}); canary removed`);
  return finish(draft, { stable: { variant, replicas: d.replicas }, canary: null, routeWeight: 0 });
}
