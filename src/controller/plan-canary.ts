/**
 * The planner's canary branch: start or restart a canary, act on signals, walk the steps (weight →
 * ready → pause → Successful analysis → next step), hold on missing GPU capacity, promote without
 * dropping traffic, and roll back on a Failed verdict, an abort or a missed progress deadline.
 */
import { formatDuration } from '../util/duration.ts';
import { CONDITION } from './conditions.ts';
import { PHASE, type Plan } from './model.ts';
import { REQUEUE_CAPACITY_MS, REQUEUE_NEXT_STEP_MS, REQUEUE_WAITING_MS, clearRollout, cond, event, finish, type Draft } from './plan.ts';
import { promote } from './plan-promote.ts';

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

export function canaryPhase(draft: Draft, verb: string | undefined): Plan {
  const { d, s } = draft;
  if (s.canaryActivation !== d.activation) {
    startCanary(draft, s.canaryActivation && s.phase !== PHASE.Degraded ? 'RolloutRestarted' : 'RolloutStarted');
  } else if (verb === 'retry') {
    if (s.phase === PHASE.Degraded) startCanary(draft, 'RolloutRetried');
    else event(draft, 'Normal', 'SignalIgnored', 'signal retry ignored: the rollout has not failed');
    verb = undefined;
  }

  if (s.phase === PHASE.Degraded) {
    if (verb) event(draft, 'Normal', 'SignalIgnored', `signal ${verb} ignored: the rollout of ${s.canaryActivation} was rolled back; send retry to start it again`);
    return degraded(draft);
  }
  if (verb === 'abort') return rollBack(draft, 'Aborted', `rollout of ${s.canaryActivation} aborted by a signal`);
  if (verb === 'promote') {
    s.phase = PHASE.Promoting;
    delete s.pausedAt;
    event(draft, 'Normal', 'PromotionRequested', `promotion of ${s.canaryActivation} requested by a signal: remaining steps skipped`);
  }
  if (s.phase === PHASE.Promoting) return promote(draft);
  if (verb === 'pause' && !s.pausedAt) {
    s.pausedAt = draft.nowIso;
    event(draft, 'Normal', 'RolloutPaused', `rollout of ${s.canaryActivation} paused by a signal at step ${(s.currentStepIndex ?? 0) + 1}`);
  } else if (verb === 'resume') {
    if (s.pausedAt) {
      if (s.weightReachedAt) s.weightReachedAt = new Date(ms(s.weightReachedAt) + (draft.now - ms(s.pausedAt))).toISOString();
      if (s.stepStartedAt) s.stepStartedAt = new Date(ms(s.stepStartedAt) + (draft.now - ms(s.pausedAt))).toISOString();
      delete s.pausedAt;
      event(draft, 'Normal', 'RolloutResumed', `rollout of ${s.canaryActivation} resumed`);
    } else {
      event(draft, 'Normal', 'SignalIgnored', 'signal resume ignored: the rollout is not paused by a user');
    }
  }
  return walkStep(draft);
}

function startCanary(draft: Draft, reason: string): void {
  const { d, s } = draft;
  clearRollout(s);
  delete s.analysis;
  s.canaryActivation = d.activation;
  s.currentStepIndex = 0;
  s.stepStartedAt = draft.nowIso;
  s.rolloutStartedAt = draft.nowIso;
  s.phase = PHASE.Progressing;
  cond(draft, CONDITION.Degraded, 'False', 'NotDegraded', 'no rollback in effect');
  event(draft, 'Normal', reason, `canary ${d.activation} started from stable ${s.stableActivation}: ${d.steps.length} step(s), weights ${d.steps.map((x) => x.weight).join(', ')}`);
}

/** The current workloads at this step; what a hold keeps. */
function current(draft: Draft) {
  const { d, o, s } = draft;
  return {
    stable: { activation: s.stableActivation as string, replicas: o.stable?.replicas ?? d.replicas },
    canary: { activation: d.activation, replicas: o.canary?.activation === d.activation ? o.canary.replicas : 0 },
  };
}

function walkStep(draft: Draft): Plan {
  const { d, o, s, now } = draft;
  const index = Math.min(s.currentStepIndex ?? 0, d.steps.length - 1);
  const step = d.steps[index] as (typeof d.steps)[number];
  const stepLabel = `step ${index + 1}/${d.steps.length} (${step.weight}%)`;

  if (s.pausedAt) {
    s.phase = PHASE.Paused;
    s.message = `paused by a signal at ${stepLabel}; send resume to continue`;
    cond(draft, CONDITION.Progressing, 'Unknown', 'PausedByUser', s.message);
    const hold = current(draft);
    return finish(draft, { ...hold, routeWeight: s.canaryWeight ?? 0 });
  }

  const target = draft.split(d.replicas, step.weight);
  const now_ = current(draft);
  const growth = target.canary - now_.canary.replicas;
  // GPU-aware scaling: surge the canary first when it fits (no capacity dip); when it does not, shrink
  // stable first and count the GPUs its running pods give back; hold only when even that is short.
  let surge = true;
  if (growth > 0 && o.capacity) {
    surge = o.capacity.fits >= growth;
    const freedByStable = Math.max(0, Math.min(o.stable?.ready ?? 0, now_.stable.replicas) - target.stable);
    const available = o.capacity.fits + freedByStable;
    if (available < growth) {
      const message = `canary ${d.activation} needs ${growth} more pod(s) × ${o.capacity.perPod} ${o.capacity.resource} for ${stepLabel}, ` +
        `but only ${available} fit (${o.capacity.detail}); holding until capacity frees up`;
      const wasShort = s.conditions?.find((c) => c.type === CONDITION.CapacityAvailable)?.status === 'False';
      if (!wasShort) event(draft, 'Warning', 'InsufficientCapacity', message);
      cond(draft, CONDITION.CapacityAvailable, 'False', 'InsufficientGPU', message);
      s.phase = PHASE.Paused;
      s.message = message;
      return finish(draft, { ...now_, routeWeight: s.canaryWeight ?? 0 }, REQUEUE_CAPACITY_MS);
    }
  }
  // No per-node numbers while it fits: they change with every pod in the cluster and would rewrite status.
  cond(draft, CONDITION.CapacityAvailable, 'True', 'CapacityAvailable', o.capacity ? `the step fits the free ${o.capacity.resource}` : 'no extended resource requested');

  const canaryUp = (o.canary?.activation === d.activation ? o.canary.ready : 0) >= target.canary;
  const workloads = {
    stable: { activation: s.stableActivation as string, replicas: surge && !canaryUp ? Math.max(now_.stable.replicas, target.stable) : target.stable },
    canary: { activation: d.activation, replicas: target.canary },
  };
  const c = o.canary;
  const reached = !!c && c.activation === d.activation && c.settled && c.replicas === target.canary && c.ready >= target.canary &&
    !!o.stable && o.stable.replicas === target.stable && o.stable.settled;
  if (!reached) {
    const waited = now - ms(s.stepStartedAt ?? draft.nowIso);
    if (waited > d.progressDeadlineMs) {
      return rollBack(draft, 'ProgressDeadlineExceeded', `canary ${d.activation} did not become ready within the progress deadline ` +
        `${formatDuration(d.progressDeadlineMs)} at ${stepLabel}: ${c?.ready ?? 0}/${target.canary} ready${c?.unschedulable ? `; ${c.unschedulable}` : ''}`);
    }
    s.phase = PHASE.Progressing;
    s.message = `scaling to ${stepLabel}: canary ${c?.ready ?? 0}/${target.canary} ready${c?.unschedulable ? ` (${c.unschedulable})` : ''}`;
    cond(draft, CONDITION.Progressing, 'True', 'ScalingCanary', s.message);
    return finish(draft, { ...workloads, routeWeight: step.weight }, REQUEUE_WAITING_MS);
  }

  if (!s.weightReachedAt) {
    s.weightReachedAt = draft.nowIso;
    s.canaryWeight = o.routedWeight;
    event(draft, 'Normal', 'StepWeightReached', `canary ${d.activation} receives ${o.routedWeight}% of traffic at ${stepLabel}`);
  }
  s.canaryWeight = o.routedWeight;

  if (o.analysis) {
    if (s.analysis?.verdict !== o.analysis.verdict) {
      event(draft, o.analysis.verdict === 'Successful' ? 'Normal' : 'Warning', `Analysis${o.analysis.verdict}`,
        `analysis at ${stepLabel} is ${o.analysis.verdict} (was ${s.analysis?.verdict ?? 'not run'}): ${o.analysis.message}`);
    }
    s.analysis = o.analysis.status;
    cond(draft, CONDITION.MetricsAvailable, o.analysis.metricsAvailable ? 'True' : 'False', o.analysis.metricsAvailable ? 'MetricsAvailable' : o.analysis.reason, o.analysis.message);
    if (o.analysis.action === 'rollback') return rollBack(draft, o.analysis.reason, o.analysis.message);
  }
  const holding = d.analysis && s.analysis?.verdict !== undefined && s.analysis.verdict !== 'Successful';
  const analysisWait = d.analysis ? d.analysis.intervalMs : undefined;

  if (step.pauseMs === undefined) {
    s.phase = PHASE.Paused;
    s.message = `${stepLabel} reached; waiting for a promote signal`;
    cond(draft, CONDITION.Progressing, 'Unknown', 'WaitingForPromotion', s.message);
    return finish(draft, { ...workloads, routeWeight: step.weight }, analysisWait);
  }
  const remaining = step.pauseMs - (now - ms(s.weightReachedAt));
  const judgedSince = ms(s.analysis?.lastRunAt) >= ms(s.weightReachedAt);
  if (holding) {
    s.phase = PHASE.Paused;
    // Between runs there is no new outcome: keep the reason the last run gave instead of wrapping the
    // previous message again, which grew it on every pass (and each status write queues another pass).
    const prefix = `${stepLabel}: analysis is ${s.analysis?.verdict}, not advancing: `;
    const why = o.analysis?.message ??
      (s.message?.startsWith(prefix) ? s.message.slice(prefix.length) : `the last run (${s.analysis?.lastRunAt ?? 'time unknown'}) was not Successful`);
    s.message = prefix + why;
    cond(draft, CONDITION.Progressing, 'Unknown', 'AnalysisInconclusive', s.message);
    return finish(draft, { ...workloads, routeWeight: step.weight }, analysisWait);
  }
  if (remaining > 0 || (d.analysis && !(judgedSince && s.analysis?.verdict === 'Successful'))) {
    s.phase = PHASE.Progressing;
    // An absolute end time, not a countdown: the message (and so status) only changes when something
    // happens, so a pausing rollout costs no status write per reconcile.
    const until = new Date(ms(s.weightReachedAt) + step.pauseMs).toISOString().replace(/\.\d+Z$/, 'Z');
    s.message = remaining > 0 ? `${stepLabel}: pausing ${formatDuration(step.pauseMs)} at this weight, until ${until}` : `${stepLabel}: waiting for a Successful analysis`;
    cond(draft, CONDITION.Progressing, 'True', 'StepPausing', s.message);
    const wake = Math.min(Math.max(remaining, REQUEUE_NEXT_STEP_MS), analysisWait ?? Infinity);
    return finish(draft, { ...workloads, routeWeight: step.weight }, wake);
  }

  if (index + 1 < d.steps.length) {
    event(draft, 'Normal', 'StepCompleted', `${stepLabel} completed`);
    s.currentStepIndex = index + 1;
    s.stepStartedAt = draft.nowIso;
    delete s.weightReachedAt;
    s.phase = PHASE.Progressing;
    s.message = `${stepLabel} completed; moving to step ${index + 2}`;
    return finish(draft, { ...workloads, routeWeight: step.weight }, REQUEUE_NEXT_STEP_MS);
  }
  event(draft, 'Normal', 'PromotionStarted', `all ${d.steps.length} step(s) passed: promoting ${d.activation}`);
  s.phase = PHASE.Promoting;
  s.stepStartedAt = draft.nowIso;
  s.message = `promoting ${d.activation} to stable`;
  return finish(draft, { ...workloads, routeWeight: step.weight }, REQUEUE_NEXT_STEP_MS);
}

/** Sends all traffic back to stable, removes the canary, and records why (phase Degraded). */
export function rollBack(draft: Draft, reason: string, message: string): Plan {
  const { d, s } = draft;
  const failed = s.canaryActivation;
  s.phase = PHASE.Degraded;
  s.canaryWeight = 0;
  delete s.stepStartedAt;
  delete s.weightReachedAt;
  delete s.pausedAt;
  s.message = `rolled back to ${s.stableActivation}: ${message}`;
  cond(draft, CONDITION.Degraded, 'True', reason, s.message);
  cond(draft, CONDITION.Progressing, 'False', reason, s.message);
  event(draft, 'Warning', 'RolledBack', `canary ${failed} rolled back (${reason}): ${message}`);
  return finish(draft, { stable: { activation: s.stableActivation as string, replicas: d.replicas }, canary: null, routeWeight: 0 });
}

/** After a rollback: stable at full size, no canary, until retry or a new spec.activation. */
function degraded(draft: Draft): Plan {
  const { d, s, o } = draft;
  const ready = (o.stable?.ready ?? 0) >= d.replicas;
  return finish(draft, { stable: { activation: s.stableActivation as string, replicas: d.replicas }, canary: null, routeWeight: 0 },
    ready ? undefined : REQUEUE_WAITING_MS);
}
