/**
 * The planner's experiment branch, pure: from a steady state, run strategy.experiment's candidates
 * beside a full-size stable, wait for them to be ready (within strategy.progressDeadline), record each
 * judgement's ranked table, and decide once the judge is ready or the duration has passed. After the
 * decision the candidates go; a winner (with promoteWinner) then becomes the desired variant
 * (desired-experiment.ts) and walks strategy.steps as an ordinary canary; otherwise stable is kept and
 * status.experiment says why. Only `abort` acts during an experiment (it ends it, stable kept).
 *
 * Traffic (provider replicas): stable keeps spec.replicas and each candidate runs
 * max(1, round(weight × replicas / (100 − Σweights))) pods behind the same `<name>` Service, so its
 * share of the ready pods is close to its weight; the real share is shown in the message. With a
 * weighted router (gatewayAPI) each candidate runs the router's canary size for its weight and the
 * route sends its Service `<name>-exp-<activation>` exactly its weight, once every candidate is ready;
 * measuring starts when the live route reads those weights back. After the decision the route drops
 * the candidates' backends before their pods go (plan.ts `finish`).
 */
import { formatDuration } from '../util/duration.ts';
import { CONDITION } from './conditions.ts';
import { candidateTable } from './experiment-status.ts';
import { experimentChildName } from '../workload/names.ts';
import { PHASE, sameVariant, stableVariant, type Desired, type ExperimentIntent, type Observed, type Plan, type Status, type Variant, type WorkloadIntent } from './model.ts';
import { REQUEUE_NEXT_STEP_MS, REQUEUE_ROUTE_MS, cond, event, finish, sameCandidates, type Draft } from './plan.ts';
import { exitToStable } from './plan-exit.ts';

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

/** True while the spec's experiment should run (or finish): declared, undecided, nothing else rolling out. */
export function experimentWanted(d: Desired, o: Observed, s: Status): boolean {
  if (!d.experiment || s.canaryActivation || o.canary) return false;
  if (s.experiment?.id !== d.experiment.id) return true;
  // Decided, or run against a stable that has since been replaced (one that never served): not again.
  return s.experiment.phase !== 'Decided' && s.experiment.baseActivation === s.stableActivation;
}

/** Pod counts per candidate activation for spec.replicas beside a full stable (see the module comment). */
export function candidateReplicas(replicas: number, candidates: ExperimentIntent['candidates']): Record<string, number> {
  const total = candidates.reduce((sum, c) => sum + c.weight, 0);
  return Object.fromEntries(candidates.map((c) => [c.activation, Math.max(1, Math.round((c.weight * replicas) / Math.max(1, 100 - total)))]));
}

/**
 * A warning when whole pods give stable less than half of the ready pods (so of the traffic), which
 * the weights (at most 50 in all) promise: each candidate runs at least one pod, so with few replicas
 * the candidates' real shares are far above their weights. Names the fewest spec.replicas that keep
 * stable at half or more; undefined when stable already has half.
 */
export function stableShareWarning(replicas: number, candidates: ExperimentIntent['candidates']): string | undefined {
  const candidatePods = (r: number) => Object.values(candidateReplicas(r, candidates)).reduce((n, k) => n + k, 0);
  const pods = candidatePods(replicas);
  if (replicas >= pods) return undefined;
  let enough = replicas + 1;
  while (enough < candidatePods(enough) && enough < 10_000) enough++;
  return `each candidate runs at least one pod, so with spec.replicas ${replicas} stable gets about ${Math.round((100 * replicas) / (replicas + pods))}% of the traffic ` +
    `(${pods} candidate pod(s) beside ${replicas} of stable), not the ${100 - candidates.reduce((n, c) => n + c.weight, 0)}% the weights leave it; ` +
    `set spec.replicas to at least ${enough} for stable to keep half`;
}

/**
 * When the candidates are measured next (ms since the epoch): one interval after the later of the start
 * and the last run, and once more at the end of the duration (the final judgement); NaN before the start.
 */
export function nextExperimentRun(e: NonNullable<Status['experiment']>, x: ExperimentIntent): number {
  const started = ms(e.startedAt);
  const last = ms(e.lastRunAt) || 0;
  const ends = started + x.durationMs;
  const next = Math.max(started, last) + x.intervalMs;
  return last < ends ? Math.min(next, ends) : next;
}

/** True when a running experiment's candidates are due to be measured. */
export function experimentDue(d: Desired, o: Observed, s: Status, now: number): boolean {
  if (!experimentWanted(d, o, s) || s.experiment?.id !== d.experiment?.id || !s.experiment?.startedAt) return false;
  return now >= nextExperimentRun(s.experiment, d.experiment as ExperimentIntent);
}

export function experimentPhase(draft: Draft, verb: string | undefined): Plan {
  const { d, o, s, now } = draft;
  const x = d.experiment as ExperimentIntent;
  if (s.experiment?.id !== x.id) {
    s.experiment = { id: x.id, phase: 'Running', baseActivation: s.stableActivation ?? d.variant.activation, beganAt: draft.nowIso, reason: 'DeployingCandidates' };
    event(draft, 'Normal', 'ExperimentStarted', `experiment started: ${x.candidates.map((c) => `${c.activation} (${c.weight}%)`).join(', ')} against stable ${s.stableActivation}`);
    const warning = d.weighted ? undefined : stableShareWarning(d.replicas, x.candidates);
    if (warning) event(draft, 'Warning', 'ExperimentTrafficShares', warning);
  }
  const e = s.experiment as NonNullable<Status['experiment']>;
  if (verb === 'abort') return decide(draft, { reason: 'Aborted', message: 'aborted by a signal: stable kept' });
  if (verb) event(draft, 'Normal', 'SignalIgnored', `signal ${verb} ignored: an experiment is running; only abort acts on it`);

  const stable = stableVariant(s) as Variant;
  const sizes = d.weighted ? Object.fromEntries(x.candidates.map((c) => [c.activation, draft.split(d.replicas, c.weight).canary])) : candidateReplicas(d.replicas, x.candidates);
  const intents: WorkloadIntent[] = x.candidates.map((c) => ({ variant: { activation: c.activation, revision: d.variant.revision }, replicas: sizes[c.activation] as number }));
  const work = { stable: { variant: stable, replicas: d.replicas }, canary: null, experiment: intents, routeWeight: 0 } as const;
  // Weighted routers: each candidate's Service gets exactly its weight once all are ready (finish zeroes one that loses its pods).
  const routed = { ...work, candidates: x.candidates.map((c) => ({ service: experimentChildName(d.name, c.activation), weight: c.weight })) };
  const readiness = intents.map((i) => {
    const c = o.experiment?.candidates[i.variant.activation];
    return { activation: i.variant.activation, want: i.replicas, ready: c && sameVariant(c.variant, i.variant) && c.settled ? c.ready : 0, problem: c?.problem };
  });
  s.phase = PHASE.Progressing;

  const began = ms(e.beganAt) || now;
  if (!e.startedAt) {
    const pending = readiness.filter((r) => r.ready < r.want);
    if (pending.length > 0) {
      const words = readiness.map((r) => `${r.activation} ${r.ready}/${r.want}`).join(', ');
      const problems = pending.flatMap((r) => (r.problem ? [`${r.activation}: ${r.problem}`] : []));
      if (now > began + d.progressDeadlineMs) {
        return decide(draft, { reason: 'CandidatesNotReady', message: `stable kept: the candidates were not ready within the progress deadline ${formatDuration(d.progressDeadlineMs)} (${words})` +
          `${problems.length > 0 ? `; ${problems.join('; ')}` : ''}` });
      }
      e.reason = 'DeployingCandidates';
      s.message = e.message = `experiment: deploying the candidates beside stable, ready ${words}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`;
      cond(draft, CONDITION.Progressing, 'True', 'DeployingCandidates', s.message);
      return finish(draft, work, began + d.progressDeadlineMs - now + 1);
    }
    if (d.weighted && !sameCandidates(o.route?.experiment, routed.candidates)) {
      const want = routed.candidates.map((c) => `${c.service} ${c.weight}%`).join(', ');
      const reads = o.route ? (o.route.experiment ?? []).map((c) => `${c.service} ${c.weight}%`).join(', ') || 'no candidate' : 'nothing (unreadable)';
      if (now > began + d.progressDeadlineMs) {
        return decide(draft, { reason: 'CandidatesNotReady', message: `stable kept: the route did not carry the candidates' weights (${want}) within the progress deadline ${formatDuration(d.progressDeadlineMs)}; it reads ${reads}` +
          `${o.routeProblem ? ` (${o.routeProblem.message})` : ''}` });
      }
      s.message = `experiment: candidates ready; setting the route to ${want} (it reads ${reads})`;
      cond(draft, CONDITION.Progressing, 'True', 'DeployingCandidates', s.message);
      return finish(draft, routed, REQUEUE_ROUTE_MS);
    }
    e.startedAt = draft.nowIso;
    event(draft, 'Normal', 'ExperimentMeasuring', `experiment candidates ${readiness.map((r) => r.activation).join(', ')} serve beside stable: measuring for at most ${formatDuration(x.durationMs)}`);
  }

  const judgement = o.experiment?.judgement;
  if (judgement) {
    e.candidates = candidateTable(judgement);
    e.lastRunAt = new Date(o.experiment?.measuredAt ?? now).toISOString();
    if (judgement.decision) return decide(draft, judgement.decision);
    e.reason = 'Measuring';
    e.message = judgement.message;
  }
  const ends = ms(e.startedAt) + x.durationMs;
  const nextRun = nextExperimentRun(e, x);
  const share = d.weighted
    ? x.candidates.map((c) => `${c.activation} ${c.weight}% (${sizes[c.activation]} pod(s))`).join(', ')
    : readiness.map((r) => `${r.activation} ${r.want} pod(s) ≈ ${Math.round((100 * r.want) / (d.replicas + intents.reduce((n, i) => n + i.replicas, 0)))}%`).join(', ');
  s.message = `experiment: ${share} of traffic beside stable ${stable.activation}, until ${new Date(ends).toISOString().replace(/\.\d+Z$/, 'Z')}; ${e.message ?? 'waiting for the first measurement'}`;
  cond(draft, CONDITION.Progressing, 'True', 'ExperimentMeasuring', s.message);
  return finish(draft, routed, nextRun - now);
}

/**
 * Ends a running experiment the planner no longer runs this pass (the caller calls it only then):
 * the experiment block was removed or changed, or spec.activation or spec.template changed under it
 * (the user is obeyed: a canary of that starts). Without this, status.experiment would say Running for
 * ever (`wait --for=decided` never returns), and an unchanged block would resume later against another
 * stable with its old startedAt. Decided with reason Cancelled and no winner, so it does not run again
 * until its block changes (a new id); the candidates go with the plan, which no longer asks for them.
 */
export function cancelExperiment(draft: Draft): void {
  const { d, s } = draft;
  const e = s.experiment;
  if (e?.phase !== 'Running') return;
  const why = !d.experiment ? 'spec.strategy.experiment was removed'
    : !sameVariant(d.variant, stableVariant(s)) ? `the spec changed under it (${d.change}), which rolls out as a canary`
      : e.baseActivation !== s.stableActivation ? `stable is now ${s.stableActivation}, not ${e.baseActivation} it ran against (${d.change}, replacing a stable that never served)`
        : 'a rollout is in flight';
  e.phase = 'Decided';
  e.decidedAt = draft.nowIso;
  e.reason = 'Cancelled';
  delete e.winner;
  e.message = `cancelled: ${why}; stable ${s.stableActivation} kept, the candidates removed`;
  event(draft, 'Warning', 'ExperimentDecided', `experiment decided (Cancelled): ${e.message}`);
}

/** Records the decision and removes the candidates; a winner with promoteWinner becomes the desired variant from the next pass on. */
function decide(draft: Draft, decision: { winner?: string; reason: string; message: string }): Plan {
  const { d, s } = draft;
  const x = d.experiment as ExperimentIntent;
  const e = s.experiment as NonNullable<Status['experiment']>;
  e.phase = 'Decided';
  e.decidedAt = draft.nowIso;
  e.reason = decision.reason;
  if (decision.winner) e.winner = decision.winner;
  else delete e.winner;
  const promotes = !!decision.winner && x.promoteWinner;
  e.message = decision.winner && !x.promoteWinner ? `${decision.message} (promoteWinner is false: reported only)` : decision.message;
  event(draft, decision.winner ? 'Normal' : 'Warning', 'ExperimentDecided', `experiment decided (${decision.reason}): ${e.message}`);
  const p = exitToStable(draft, 'steady');
  if (promotes) {
    s.phase = PHASE.Progressing;
    s.message = `experiment winner ${decision.winner}: rolling it out through the canary steps`;
    return { ...p, requeueAfterMs: REQUEUE_NEXT_STEP_MS };
  }
  return p;
}
