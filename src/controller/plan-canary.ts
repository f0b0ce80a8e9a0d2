/**
 * The planner's canary branch: start or restart a canary, act on signals, walk the steps (weight →
 * ready → pause → Successful analysis → next step), hold for capacity, promote without dropping
 * traffic, and roll back on a Failed verdict, an abort, a missed progress deadline or a capacity
 * hold past its timeout. Pod counts move through `moveToward`, so the serving floor holds throughout.
 */
import { formatDuration } from '../util/duration.ts';
import { CONDITION } from './conditions.ts';
import { PHASE, canaryVariant, sameVariant, stableVariant, variantLabel, type Plan, type Variant } from './model.ts';
import { REQUEUE_NEXT_STEP_MS, REQUEUE_ROUTE_MS, chosenMaxUnavailable, clearRollout, cond, currentSizes, event, finish, routeCarries, servingFloor, type Draft, type RouteParts } from './plan.ts';
import { analysisDueAt } from './analysis-schedule.ts';
import { exitToStable, rollBack, towardStable } from './plan-exit.ts';
import { endCapacityHold, holdForCapacity } from './plan-hold.ts';
import { promote } from './plan-promote.ts';
import { moveToward } from './sizing.ts';

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

export function canaryPhase(draft: Draft, verb: string | undefined): Plan {
  const { d, o, s } = draft;
  const starting = !sameVariant(canaryVariant(s), d.variant) || (verb === 'retry' && s.phase === PHASE.Degraded);
  if (starting && o.routeProblem && (!s.canaryActivation || s.phase === PHASE.Degraded) && !o.canary) return waitForRoute(draft, verb);
  if (!sameVariant(canaryVariant(s), d.variant)) {
    startCanary(draft, s.canaryActivation && s.phase !== PHASE.Degraded ? 'RolloutRestarted' : 'RolloutStarted');
    if (verb === 'retry') {
      // The new spec starts a rollout of its own from step 1: what retry asks for, so it is moot.
      event(draft, 'Normal', 'SignalIgnored', `signal retry ignored: the spec changed, and a new rollout of ${s.canaryActivation} starts from step 1`);
      verb = undefined;
    }
  } else if (verb === 'retry') {
    if (s.phase === PHASE.Degraded) startCanary(draft, 'RolloutRetried');
    else event(draft, 'Normal', 'SignalIgnored', 'signal retry ignored: the rollout has not failed');
    verb = undefined;
  }

  if (s.phase === PHASE.Degraded) {
    if (verb) event(draft, 'Normal', 'SignalIgnored', `signal ${verb} ignored: the rollout of ${s.canaryActivation} was rolled back; send retry to start it again`);
    return exitToStable(draft, 'degraded');
  }
  if (verb === 'abort') return rollBack(draft, 'Aborted', `rollout of ${s.canaryActivation} aborted by a signal`);
  // Promotion takes the observed canary for the one it promotes: while the canary of a previous variant
  // still runs (a restarted rollout, or a new variant and promote in one pass), it would send that
  // variant's pods the new one's requests and switch stable in place to a variant that never served.
  if (verb === 'promote' && s.phase !== PHASE.Promoting) {
    const leaving = previousCanary(draft);
    if (leaving) {
      event(draft, 'Normal', 'SignalIgnored', `signal promote ignored: the canary of ${variantLabel(leaving)} is still leaving, and canary ` +
        `${variantLabel(canaryVariant(s))} has not started; send promote again once it runs`);
    } else {
      s.phase = PHASE.Promoting;
      s.stepStartedAt = draft.nowIso;
      delete s.pausedAt;
      event(draft, 'Normal', 'PromotionRequested', `promotion of ${s.canaryActivation} requested by a signal: remaining steps skipped`);
    }
    verb = undefined;
  }
  if (s.phase === PHASE.Promoting) {
    // A promotion is not paused or resumed, and is already under way: say so, so no signal goes unanswered.
    if (verb) event(draft, 'Normal', 'SignalIgnored', `signal ${verb} ignored: ${s.canaryActivation} is being promoted; send abort to roll back`);
    return promote(draft);
  }
  if (verb === 'pause' && !s.pausedAt) {
    s.pausedAt = draft.nowIso;
    event(draft, 'Normal', 'RolloutPaused', `rollout of ${s.canaryActivation} paused by a signal at step ${(s.currentStepIndex ?? 0) + 1}`);
  } else if (verb === 'resume') {
    if (s.pausedAt) {
      const paused = draft.now - ms(s.pausedAt);
      if (s.weightReachedAt) s.weightReachedAt = new Date(ms(s.weightReachedAt) + paused).toISOString();
      if (s.stepStartedAt) s.stepStartedAt = new Date(ms(s.stepStartedAt) + paused).toISOString();
      delete s.pausedAt;
      event(draft, 'Normal', 'RolloutResumed', `rollout of ${s.canaryActivation} resumed`);
    } else {
      event(draft, 'Normal', 'SignalIgnored', 'signal resume ignored: the rollout is not paused by a user');
    }
  } else if (verb === 'pause') {
    event(draft, 'Normal', 'SignalIgnored', 'signal pause ignored: the rollout is already paused');
  }
  return walkStep(draft);
}

/**
 * A rollout does not start on a route the operator cannot use: stable keeps serving as it is, and the
 * rollout starts once TrafficRouted turns True (a fixed route, an installed CRD).
 */
function waitForRoute(draft: Draft, verb: string | undefined): Plan {
  const { d, o, s } = draft;
  if (verb) event(draft, 'Normal', 'SignalIgnored', `signal ${verb} ignored: the rollout has not started (${o.routeProblem?.message})`);
  if (s.phase === PHASE.Degraded) return exitToStable(draft, 'degraded');
  // Stable alone at full size, as in the steady state, without its phase bookkeeping.
  const p = exitToStable(draft, 'degraded');
  s.phase = PHASE.Paused;
  s.message = `${d.change} waits for the traffic route: ${o.routeProblem?.message}`;
  cond(draft, CONDITION.Progressing, 'Unknown', 'WaitingForRoute', s.message);
  return p;
}

function startCanary(draft: Draft, reason: string): void {
  const { d, o, s } = draft;
  clearRollout(s);
  delete s.analysis;
  s.canaryActivation = d.variant.activation;
  s.canaryRevision = d.variant.revision;
  s.change = d.change;
  s.maxUnavailable = chosenMaxUnavailable(d, o);
  s.currentStepIndex = 0;
  s.stepStartedAt = draft.nowIso;
  s.rolloutStartedAt = draft.nowIso;
  s.phase = PHASE.Progressing;
  cond(draft, CONDITION.Degraded, 'False', 'NotDegraded', 'no rollback in effect');
  event(draft, 'Normal', reason, `canary ${d.variant.activation} started from stable ${s.stableActivation} (${d.change}): ` +
    `${d.steps.length} step(s), weights ${d.steps.map((x) => x.weight).join(', ')}`);
}

/** Intents that keep both roles as they are (a user's pause): no size and no template changes. */
function keep(draft: Draft): Pick<Plan, 'stable' | 'canary'> {
  const { o, s } = draft;
  const stable = stableVariant(s) as Variant;
  return {
    stable: { variant: stable, replicas: o.stable?.replicas ?? draft.d.replicas },
    canary: o.canary ? { variant: o.canary.variant ?? (canaryVariant(s) as Variant), replicas: o.canary.replicas } : null,
  };
}

/**
 * Pod counts for a step. With a weighted router a header route or a mirror needs canary pods too: the
 * mirror's copies add to the weighted share, and a header route alone runs the smallest canary.
 */
function stepSplit(draft: Draft, step: Draft['d']['steps'][number]) {
  const { d } = draft;
  if (!d.weighted) return draft.split(d.replicas, step.weight);
  const load = Math.min(100, step.weight + (step.mirrorPercent ?? 0));
  const sized = draft.split(d.replicas, load > 0 ? load : step.headerRoute ? 1 : 0);
  return { ...sized, weight: step.weight };
}

/** "5%", "0% + header x-activation-variant: canary", "5% + 20% mirrored": what a step routes, for messages. */
function stepWords(step: Draft['d']['steps'][number]): string {
  return [`${step.weight}%`, step.headerRoute ? `header ${step.headerRoute.name}: ${step.headerRoute.value}` : '',
    step.mirrorPercent ? `${step.mirrorPercent}% mirrored` : ''].filter(Boolean).join(' + ');
}

/** The route as it stands (a user's pause, a capacity hold): the last weight reached, the live header route and mirror. */
function heldRoute(draft: Draft): RouteParts {
  const { o, s } = draft;
  return {
    routeWeight: s.canaryWeight ?? 0,
    ...(o.route?.headerRoute ? { headerRoute: o.route.headerRoute } : {}),
    ...(o.route?.mirrorPercent ? { mirrorPercent: o.route.mirrorPercent } : {}),
  };
}

/** Smallest replica count whose split by the `replicas` router gives `weight` percent exactly. */
function replicasForExactSplit(weight: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return 100 / gcd(100, Math.round(weight));
}

/** The variant of a canary Deployment still running pods of a previous rollout (a restart), if any. */
function previousCanary(draft: Draft): Variant | undefined {
  const c = draft.o.canary;
  return c?.variant && c.replicas > 0 && !sameVariant(c.variant, canaryVariant(draft.s)) ? c.variant : undefined;
}

/**
 * The canary of a previous variant (a restart) is never switched in place, which would take its ready
 * pods down one by one: it leaves like any exit (stable back to full size first), then the new canary
 * starts. Not an exit that must finish: when nothing can move it holds for capacity (which pauses the
 * progress deadline), within capacityTimeout.
 */
function retireCanary(draft: Draft, stepLabel: string): Plan {
  const { d, o, s, now } = draft;
  const old = o.canary?.variant as Variant;
  const stable = stableVariant(s) as Variant;
  const retire = towardStable(draft, false);
  const parts = (canary: number) => ({ stable: { variant: stable, replicas: retire.sizes.stable }, canary: canary > 0 ? { variant: old, replicas: canary } : null, routeWeight: 0 });
  const what = `replacing the canary of ${old.activation} (revision ${old.revision})`;
  if (retire.blocked) {
    const hold = holdForCapacity(draft, `${what}: stable back to ${d.replicas} pods first`, String(Math.max(1, d.replicas - (o.stable?.ready ?? 0))));
    if (hold.timeoutInMs <= 0) return rollBack(draft, 'CapacityTimeout', `${hold.message}; the hold passed strategy.capacityTimeout`);
    s.phase = PHASE.Paused;
    s.message = hold.message;
    cond(draft, CONDITION.Progressing, 'Unknown', 'InsufficientCapacity', s.message);
    return finish(draft, parts(retire.sizes.canary), hold.requeueMs);
  }
  endCapacityHold(draft);
  const deadline = ms(s.stepStartedAt ?? draft.nowIso) + d.progressDeadlineMs;
  if (now > deadline) {
    return rollBack(draft, 'ProgressDeadlineExceeded', `the canary of ${old.activation} could not be replaced by ${d.variant.activation} within ` +
      `the progress deadline ${formatDuration(d.progressDeadlineMs)}: stable ${o.stable?.ready ?? 0}/${d.replicas} ready${o.stable?.problem ? `; ${o.stable.problem}` : ''}`);
  }
  s.phase = PHASE.Progressing;
  s.message = `${what}: stable back to ${d.replicas} pods first, ${o.stable?.ready ?? 0} ready; then canary ${d.variant.activation} starts at ${stepLabel}`;
  cond(draft, CONDITION.Progressing, 'True', 'RemovingCanary', s.message);
  return finish(draft, parts(retire.sizes.canary), deadline - now + 1);
}

function walkStep(draft: Draft): Plan {
  const { d, o, s, now } = draft;
  const index = Math.min(s.currentStepIndex ?? 0, d.steps.length - 1);
  const step = d.steps[index] as (typeof d.steps)[number];
  const stepLabel = `step ${index + 1}/${d.steps.length} (${stepWords(step)})`;
  const canary = canaryVariant(s) as Variant;
  const stable = stableVariant(s) as Variant;

  if (s.pausedAt) {
    s.phase = PHASE.Paused;
    s.message = `paused by a signal at ${stepLabel}; send resume to continue`;
    cond(draft, CONDITION.Progressing, 'Unknown', 'PausedByUser', s.message);
    return finish(draft, { ...keep(draft), ...heldRoute(draft) });
  }

  const target = stepSplit(draft, step);
  const stepRoute: RouteParts = {
    routeWeight: step.weight,
    ...(step.headerRoute ? { headerRoute: step.headerRoute } : {}),
    ...(step.mirrorPercent ? { mirrorPercent: step.mirrorPercent } : {}),
  };
  if (!d.weighted && target.weight !== step.weight) {
    const message = `${stepLabel}: the ${d.replicas === 1 ? 'single replica' : `${d.replicas} replicas`} split as ${target.stable} stable + ${target.canary} canary pod(s), ` +
      `${target.weight}% of traffic instead of ${step.weight}%: set spec.replicas to a multiple of ${replicasForExactSplit(step.weight)}, ` +
      'or use a weighted provider (gatewayAPI, istio)';
    const was = s.conditions?.find((c) => c.type === CONDITION.TrafficSplitExact);
    if (was?.status !== 'False' || was.message !== message) event(draft, 'Warning', 'TrafficSplitInexact', message);
    cond(draft, CONDITION.TrafficSplitExact, 'False', 'CoarseReplicaSplit', message);
  } else {
    cond(draft, CONDITION.TrafficSplitExact, 'True', 'ExactSplit', `${stepLabel} gets ${step.weight}% of traffic`);
  }

  // The canary of a previous variant (a restart) is never switched in place, which would take its ready
  // pods down one by one: it leaves like any exit (stable back to full size first), then the new one starts.
  if (previousCanary(draft)) return retireCanary(draft, stepLabel);
  // A verdict is applied whether the step's weight is held or the canary is on its way to the next one
  // (then it still serves the last step's weight, and analysis keeps judging it: see analysis-schedule.ts),
  // and before a capacity hold: a Failed verdict that lands as the next weight stops fitting rolls back.
  if (o.analysis) {
    if (s.analysis?.verdict !== o.analysis.verdict) {
      event(draft, o.analysis.verdict === 'Successful' ? 'Normal' : 'Warning', `Analysis${o.analysis.verdict}`,
        `analysis at ${stepLabel} is ${o.analysis.verdict} (was ${s.analysis?.verdict ?? 'not run'}): ${o.analysis.message}`);
    }
    s.analysis = o.analysis.status;
    cond(draft, CONDITION.MetricsAvailable, o.analysis.metricsAvailable ? 'True' : 'False', o.analysis.metricsAvailable ? 'MetricsAvailable' : o.analysis.reason, o.analysis.message);
    if (o.analysis.action === 'rollback') return rollBack(draft, o.analysis.reason, o.analysis.message);
  }
  const move = moveToward({ current: currentSizes(o, { stable, canary }), target, fits: o.capacity?.fits, floor: servingFloor(draft), first: 'canary' });
  const intents = {
    stable: { variant: stable, replicas: move.sizes.stable },
    canary: { variant: canary, replicas: move.sizes.canary },
  };
  if (move.blocked) {
    const growth = Math.max(0, target.canary - (o.canary?.replicas ?? 0)) + Math.max(0, target.stable - (o.stable?.replicas ?? 0));
    const hold = holdForCapacity(draft, `canary ${canary.activation} at ${stepLabel}`, String(growth));
    if (hold.timeoutInMs <= 0) return rollBack(draft, 'CapacityTimeout', `${hold.message}; the hold passed strategy.capacityTimeout`);
    s.phase = PHASE.Paused;
    s.message = hold.message;
    cond(draft, CONDITION.Progressing, 'Unknown', 'InsufficientCapacity', s.message);
    // The canary still serves the last step's weight while it waits for GPUs: analysis keeps judging it.
    return finish(draft, { ...intents, ...heldRoute(draft) }, Math.min(hold.requeueMs, nextAnalysisInMs(draft)));
  }
  endCapacityHold(draft);

  const c = o.canary;
  const st = o.stable;
  const reached = !!c && sameVariant(c.variant, canary) && c.settled && c.replicas === target.canary && c.ready >= target.canary &&
    (target.stable === 0 ? !st || st.replicas === 0 : !!st && sameVariant(st.variant, stable) && st.replicas === target.stable && st.settled);
  const carried = !d.weighted || routeCarries(o.route, { weight: stepRoute.routeWeight, ...(step.headerRoute ? { headerRoute: step.headerRoute } : {}), ...(step.mirrorPercent ? { mirrorPercent: step.mirrorPercent } : {}) });
  if (!reached || !carried) {
    const deadline = ms(s.stepStartedAt ?? draft.nowIso) + d.progressDeadlineMs;
    const problem = o.routeProblem?.message ?? c?.problem ?? st?.problem;
    if (now > deadline) {
      const what = reached ? `the route did not carry ${stepLabel} (it reads ${o.route ? `${o.route.weight}%` : 'nothing'})` : `canary ${canary.activation} did not become ready`;
      return rollBack(draft, 'ProgressDeadlineExceeded', `${what} within the progress deadline ` +
        `${formatDuration(d.progressDeadlineMs)} at ${stepLabel}: ${c?.ready ?? 0}/${target.canary} ready${problem ? `; ${problem}` : ''}`);
    }
    s.phase = PHASE.Progressing;
    // Wake for the progress deadline, or the next analysis run while the canary serves the last step's weight.
    const wakeMs = Math.min(deadline - now + 1, nextAnalysisInMs(draft));
    if (!reached) {
      s.message = `scaling to ${stepLabel}: canary ${c?.ready ?? 0}/${target.canary} ready, stable ${st?.ready ?? 0}/${target.stable}${problem ? ` (${problem})` : ''}`;
      cond(draft, CONDITION.Progressing, 'True', 'ScalingCanary', s.message);
      // A weighted route moves only once the canary's pods for the step are Ready: until then it keeps the last step's weight.
      const route = d.weighted ? { ...stepRoute, routeWeight: Math.min(s.canaryWeight ?? 0, step.weight) } : stepRoute;
      // Deployments and pods are watched: the next change wakes us; the timer is for the deadline and analysis.
      return finish(draft, { ...intents, ...route }, wakeMs);
    }
    s.message = `${stepLabel}: canary pods ready; setting the route to ${step.weight}%${step.headerRoute ? ` with header route ${step.headerRoute.name}` : ''}` +
      `${step.mirrorPercent ? ` and ${step.mirrorPercent}% mirrored` : ''}${problem ? ` (${problem})` : ''}`;
    cond(draft, CONDITION.Progressing, 'True', 'SettingRoute', s.message);
    return finish(draft, { ...intents, ...stepRoute }, Math.min(wakeMs, REQUEUE_ROUTE_MS));
  }

  // The weight recorded when the step was reached is not the step's weight (give or take the 1 point a
  // route may differ and still carry it): the step's weight was edited in place, and its pause and
  // analysis start again at the new one. From the spec, not the live route, so a route nudged by a
  // point by someone else restarts nothing. Not for the replicas router, whose weight is the pods' split.
  const weightEdited = d.weighted && !!s.weightReachedAt && s.canaryWeight !== undefined && Math.abs(s.canaryWeight - stepRoute.routeWeight) > 1;
  if (!s.weightReachedAt || weightEdited) {
    s.weightReachedAt = draft.nowIso;
    event(draft, 'Normal', 'StepWeightReached', `canary ${canary.activation} receives ${o.routedWeight}% of traffic at ${stepLabel}`);
  }
  s.canaryWeight = o.routedWeight;

  // The next analysis run: one interval after the later of the last run and the moment the weight was reached.
  const analysisDueIn = d.analysis && !o.analysisPending
    ? Math.max(ms(s.weightReachedAt), ms(s.analysis?.lastRunAt) || 0) + d.analysis.intervalMs - now
    : undefined;
  const holding = d.analysis && s.analysis?.verdict !== undefined && s.analysis.verdict !== 'Successful';
  const work = { ...intents, ...stepRoute };

  if (step.pauseMs === undefined) {
    s.phase = PHASE.Paused;
    s.message = `${stepLabel} reached; waiting for a promote signal`;
    cond(draft, CONDITION.Progressing, 'Unknown', 'WaitingForPromotion', s.message);
    return finish(draft, work, analysisDueIn);
  }
  const remaining = step.pauseMs - (now - ms(s.weightReachedAt));
  // Strictly after: a run measured at the instant the weight was reached (the last step's, or one made
  // between steps and applied in the pass that reaches it) judged the last weight, not this one.
  const judgedSince = ms(s.analysis?.lastRunAt) > ms(s.weightReachedAt);
  if (holding) {
    s.phase = PHASE.Paused;
    // Between runs there is no new outcome: keep the reason the last run gave instead of wrapping the
    // previous message again, which grew it on every pass (and each status write queues another pass).
    const prefix = `${stepLabel}: analysis is ${s.analysis?.verdict}, not advancing: `;
    const why = o.analysis?.message ??
      (s.message?.startsWith(prefix) ? s.message.slice(prefix.length) : `the last run (${s.analysis?.lastRunAt ?? 'time unknown'}) was not Successful`);
    s.message = prefix + why;
    cond(draft, CONDITION.Progressing, 'Unknown', 'AnalysisInconclusive', s.message);
    return finish(draft, work, analysisDueIn);
  }
  if (remaining > 0 || (d.analysis && !(judgedSince && s.analysis?.verdict === 'Successful'))) {
    s.phase = PHASE.Progressing;
    // An absolute end time, not a countdown: the message (and so status) only changes when something
    // happens, so a pausing rollout costs no status write per reconcile.
    const until = new Date(ms(s.weightReachedAt) + step.pauseMs).toISOString().replace(/\.\d+Z$/, 'Z');
    s.message = remaining > 0 ? `${stepLabel}: pausing ${formatDuration(step.pauseMs)} at this weight, until ${until}` : `${stepLabel}: waiting for a Successful analysis`;
    cond(draft, CONDITION.Progressing, 'True', 'StepPausing', s.message);
    // Wake when the pause ends or the next analysis is due, whichever comes first; never in a loop.
    const wake = remaining > 0 ? Math.min(remaining, analysisDueIn ?? Infinity) : analysisDueIn;
    return finish(draft, work, wake);
  }

  if (index + 1 < d.steps.length) {
    event(draft, 'Normal', 'StepCompleted', `${stepLabel} completed`);
    s.currentStepIndex = index + 1;
    s.stepStartedAt = draft.nowIso;
    delete s.weightReachedAt;
    s.phase = PHASE.Progressing;
    s.message = `${stepLabel} completed; moving to step ${index + 2}`;
    return finish(draft, work, REQUEUE_NEXT_STEP_MS);
  }
  event(draft, 'Normal', 'PromotionStarted', `all ${d.steps.length} step(s) passed: promoting ${canary.activation}`);
  s.phase = PHASE.Promoting;
  s.stepStartedAt = draft.nowIso;
  s.message = `promoting ${canary.activation} to stable`;
  return finish(draft, work, REQUEUE_NEXT_STEP_MS);
}

/**
 * Milliseconds until the next analysis run is due (at least 1), or Infinity when none is to be made or
 * one is in flight (the scheduler wakes the ModelVariant when its verdict lands).
 */
function nextAnalysisInMs(draft: Draft): number {
  const at = draft.o.analysisPending ? undefined : analysisDueAt(draft.d, draft.s);
  return at !== undefined ? Math.max(1, at - draft.now) : Infinity;
}
