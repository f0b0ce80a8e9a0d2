/**
 * The invariants a chaos run checks after each rollout (bench/chaos.ts), as pure functions of what was
 * recorded: the ModelVariant's final status and Events, its children at rest, the serving-floor samples,
 * the signal sent and the faults that overlapped the rollout. Each returns the breaches it finds (and
 * what it excused, with the fault that excuses it), never throws; docs/reliability.md states them.
 *
 * - outcome: promoted when healthy, rolled back (FailureLimitReached) when faulty, rolled back
 *   (Aborted) when aborted, promoted when promoted; a signal that came after the rollout had ended (or
 *   while it was being promoted) must have been answered with SignalIgnored and change nothing, and every
 *   signal must be recorded in status.handledSignal.
 * - stepsOnce: from the Events, RolloutStarted, each step's StepWeightReached and StepCompleted, the
 *   promotion's start and the end (Promoted or RolledBack) at most once each; the start and the end at
 *   least once, and on a promotion by analysis every step's weight reached, every step but the last
 *   completed and PromotionStarted, unless a fault that can lose an Event write overlapped (an Event is
 *   written after its status, and a failed write is logged, not retried: at most once, by design).
 * - floor: the pods serving (Ready, not terminating) never below `replicas − maxUnavailable` (0 here),
 *   except within a window after a fault that takes pods away behind the operator's back.
 * - settled: nothing stale at the end: status for the current generation, no canary weight or step, the
 *   conditions agreeing with the phase and none set for an older generation, TrafficSplitExact back to
 *   NoRollout, stable at full size and Ready on the variant that won, no canary
 *   Deployment, and no step Event after the end.
 */
import type { ModelVariant } from '../../src/api/types.ts';
import type { FloorSample } from '../integration/support/serving-floor.ts';
import type { FaultKind, RolloutPlan } from './schedule.ts';

export type Status = NonNullable<ModelVariant['status']>;

export const STABLE_ACTIVATION = 'relu';
export const CANARY_ACTIVATION = 'gelu';

/** One Event of the ModelVariant, as listed (sorted by name: the operator names them by time). */
export interface RecordedEvent {
  name: string;
  reason: string;
  message: string;
  /** Event.count (the operator writes 1; anything else is a repeat). */
  count: number;
}

/** A fault as injected: its kind, when it started and ended (ms since the epoch), and its target. */
export interface FaultWindow {
  kind: FaultKind;
  from: number;
  to: number;
  /** A node's name, a ModelVariant's name (child faults), or an operator identity. */
  target?: string;
}

export interface SentSignal {
  verb: 'abort' | 'promote';
  /** The annotation value (`abort@chaos-007-…`). */
  value: string;
  sentAt: number;
}

/** The children of the ModelVariant once it was at rest. */
export interface ChildrenAtRest {
  canaryDeployment: boolean;
  stable?: { replicas: number; readyReplicas: number; activation: string | undefined };
}

/** Everything recorded about one rollout. */
export interface RolloutRecord {
  plan: RolloutPlan;
  /** When the activation was changed, when the end state was seen, when the record was read at rest (ms since the epoch). */
  changedAt: number;
  endedAt: number;
  recordedUntil: number;
  generation: number;
  status: Status;
  events: RecordedEvent[];
  children: ChildrenAtRest;
  floor: FloorSample[];
  signal?: SentSignal;
  /** Faults whose window overlapped [changedAt, recordedUntil]. */
  faults: FaultWindow[];
  /** Why the rollout was given up on (no end state in time), if it was. */
  timedOut?: string;
}

export type Invariant = 'outcome' | 'stepsOnce' | 'floor' | 'settled' | 'singleWriter';
export const INVARIANTS: readonly Invariant[] = ['outcome', 'stepsOnce', 'floor', 'settled', 'singleWriter'];

export interface Finding {
  invariant: Invariant;
  rollout?: string;
  detail: string;
  /** The fault that excuses it (a lost Event write, pods taken away by hand): counted, not a breach. */
  excusedBy?: FaultKind;
}

export type Outcome = { kind: 'promoted' } | { kind: 'rolledBack'; reason: string };

/** Faults that can make an Event write fail or be skipped: the operator logs it and goes on. */
export const EVENT_LOSING_FAULTS: readonly FaultKind[] = ['apiserver-restart', 'etcd-pause', 'operator-kill', 'leader-change'];
/**
 * How long after a fault that takes pods away behind the operator's back the floor is excused (ms): a
 * node deleted, a child Deployment deleted, or a child's pod template edited (its Deployment replaces a
 * pod at once, maxUnavailable 1, and so does the operator's repair).
 */
export const FLOOR_EXCUSE_MS = 30_000;

const degradedReason = (s: Status) => s.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True')?.reason;

/** What the status says the rollout ended as; undefined while it has not ended. */
export function observedOutcome(s: Status): Outcome | undefined {
  if (s.phase === 'Healthy' && s.stableActivation === CANARY_ACTIVATION && !s.canaryActivation) return { kind: 'promoted' };
  if (s.phase === 'Degraded') return { kind: 'rolledBack', reason: degradedReason(s) ?? '(no Degraded condition)' };
  return undefined;
}

const describeOutcome = (o: Outcome | undefined) => (!o ? 'not ended' : o.kind === 'promoted' ? 'promoted' : `rolled back (${o.reason})`);
const sameOutcome = (a: Outcome, b: Outcome | undefined) => !!b && a.kind === b.kind && (a.kind === 'promoted' || a.reason === (b as { reason: string }).reason);

/** What analysis alone would end the rollout as. */
export const naturalOutcome = (plan: RolloutPlan): Outcome => (plan.faulty ? { kind: 'rolledBack', reason: 'FailureLimitReached' } : { kind: 'promoted' });

/** The outcome invariant (see the file's comment). */
export function checkOutcome(r: RolloutRecord): Finding[] {
  const out: Finding[] = [];
  const name = r.plan.name;
  const seen = observedOutcome(r.status);
  if (r.timedOut) return [{ invariant: 'outcome', rollout: name, detail: `no end state: ${r.timedOut}; last phase ${r.status.phase}` }];
  let expected = naturalOutcome(r.plan);
  if (r.signal) {
    const { verb, value } = r.signal;
    if (r.status.handledSignal !== value) {
      out.push({ invariant: 'outcome', rollout: name, detail: `signal ${value} never recorded as handled (status.handledSignal ${JSON.stringify(r.status.handledSignal)})` });
    }
    const ignored = r.events.some((e) => e.reason === 'SignalIgnored' && e.message.startsWith(`signal ${verb} ignored`));
    if (!ignored) expected = verb === 'abort' ? { kind: 'rolledBack', reason: 'Aborted' } : { kind: 'promoted' };
  }
  if (!sameOutcome(expected, seen)) {
    out.push({ invariant: 'outcome', rollout: name, detail: `${r.plan.kind}${r.plan.faulty ? ' (faulty canary)' : ''}${r.signal ? ` with ${r.signal.verb} sent ${r.signal.sentAt - r.changedAt} ms in` : ''}: expected ${describeOutcome(expected)}, got ${describeOutcome(seen)}` });
  }
  return out;
}

/** The step label an Event names (`step 2/3`), or '' for Events about the whole rollout. */
const stepOf = (e: RecordedEvent) => /^canary \S+ receives \d+% of traffic at (step \d+\/\d+)|^(step \d+\/\d+) /.exec(e.message)?.slice(1).find(Boolean) ?? '';

const ONCE_REASONS = ['RolloutStarted', 'StepWeightReached', 'StepCompleted', 'PromotionStarted', 'PromotionRequested', 'Promoted', 'RolledBack'];

/** The stepsOnce invariant (see the file's comment). */
export function checkStepsOnce(r: RolloutRecord): Finding[] {
  const out: Finding[] = [];
  const name = r.plan.name;
  const counts = new Map<string, number>();
  for (const e of r.events) {
    if (!ONCE_REASONS.includes(e.reason)) continue;
    const key = `${e.reason}${stepOf(e) ? ` ${stepOf(e)}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Math.max(1, e.count));
  }
  for (const [key, n] of counts) if (n > 1) out.push({ invariant: 'stepsOnce', rollout: name, detail: `${key} recorded ${n} times` });
  const outcome = observedOutcome(r.status);
  const required = ['RolloutStarted', ...(outcome ? [outcome.kind === 'promoted' ? 'Promoted' : 'RolledBack'] : [])];
  // A promotion by analysis reached every step's weight and completed every step but the last, which
  // starts the promotion instead; a signal or a rollback may end it at any step.
  if (outcome?.kind === 'promoted' && !r.signal && !r.plan.faulty) {
    const n = r.plan.steps.length;
    r.plan.steps.forEach((_, i) => {
      required.push(`StepWeightReached step ${i + 1}/${n}`);
      if (i + 1 < n) required.push(`StepCompleted step ${i + 1}/${n}`);
    });
    required.push('PromotionStarted');
  }
  const lossy = r.faults.find((f) => EVENT_LOSING_FAULTS.includes(f.kind));
  for (const key of required) {
    if (counts.has(key)) continue;
    out.push({ invariant: 'stepsOnce', rollout: name, detail: `no ${key} Event`, ...(lossy ? { excusedBy: lossy.kind } : {}) });
  }
  return out;
}

/** Whether a fault takes pods of this rollout away behind the operator's back. */
const takesPods = (f: FaultWindow, rollout: string) => f.kind === 'node-delete' || ((f.kind === 'child-delete' || f.kind === 'child-edit') && f.target === rollout);

/** The floor invariant: one finding per run of consecutive samples below it (excused within FLOOR_EXCUSE_MS of a fault that takes pods). */
export function checkFloor(r: RolloutRecord, floor: number): Finding[] {
  const out: Finding[] = [];
  const name = r.plan.name;
  if (r.floor.length === 0) return [{ invariant: 'floor', rollout: name, detail: 'the serving floor was never sampled' }];
  let run: FloorSample[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const first = run[0] as FloorSample;
    const min = Math.min(...run.map((s) => s.ready));
    const excuse = r.faults.find((f) => takesPods(f, name) && first.at >= f.from && first.at <= f.to + FLOOR_EXCUSE_MS);
    out.push({
      invariant: 'floor', rollout: name, ...(excuse ? { excusedBy: excuse.kind } : {}),
      detail: `${min} serving < floor ${floor} for ${run.length} sample(s) from +${first.at - r.changedAt} ms (${new Date(first.at).toISOString()}): [${first.pods.join(', ')}]`,
    });
    run = [];
  };
  for (const s of r.floor) {
    if (s.ready < floor) run.push(s);
    else flush();
  }
  flush();
  return out;
}

/** The settled invariant (see the file's comment). */
export function checkSettled(r: RolloutRecord): Finding[] {
  if (r.timedOut) return [];
  const out: string[] = [];
  const s = r.status;
  const outcome = observedOutcome(s);
  if (s.observedGeneration !== r.generation) out.push(`status.observedGeneration ${s.observedGeneration} ≠ generation ${r.generation}`);
  if ((s.canaryWeight ?? 0) !== 0) out.push(`status.canaryWeight ${s.canaryWeight} at rest`);
  if (s.currentStepIndex !== undefined && outcome?.kind === 'promoted') out.push(`status.currentStepIndex ${s.currentStepIndex} after the promotion`);
  const cond = (type: string) => s.conditions?.find((c) => c.type === type);
  if ((cond('Degraded')?.status === 'True') !== (s.phase === 'Degraded')) out.push(`condition Degraded ${cond('Degraded')?.status ?? 'absent'} in phase ${s.phase}`);
  // At rest Progressing says how the rollout ended (True RolloutComplete, as a Deployment's says
  // NewReplicaSetAvailable; False with the rollback's reason), never a step still under way.
  const progressing = cond('Progressing');
  const restful = outcome?.kind === 'promoted' ? progressing?.status === 'True' && progressing.reason === 'RolloutComplete' : progressing?.status === 'False';
  if (!restful) out.push(`condition Progressing ${progressing?.status ?? 'absent'} (${progressing?.reason ?? ''}) in phase ${s.phase} at rest`);
  if (cond('Available')?.status !== 'True') out.push(`condition Available ${cond('Available')?.status ?? 'absent'} (${cond('Available')?.message ?? ''}) at rest`);
  // Once nothing rolls out, the split is exact: a step's inexact split left behind describes a rollout gone.
  const split = cond('TrafficSplitExact');
  if (split && (split.status !== 'True' || split.reason !== 'NoRollout')) out.push(`condition TrafficSplitExact ${split.status} (${split.reason}: ${split.message}) at rest`);
  for (const c of s.conditions ?? []) {
    const g = (c as { observedGeneration?: number }).observedGeneration;
    if (g !== undefined && g !== r.generation) out.push(`condition ${c.type} for generation ${g}, not ${r.generation}`);
  }
  const wanted = outcome?.kind === 'promoted' ? CANARY_ACTIVATION : STABLE_ACTIVATION;
  if (r.children.canaryDeployment) out.push('the canary Deployment still exists');
  const st = r.children.stable;
  if (!st) out.push('no stable Deployment');
  else {
    if (st.replicas !== r.plan.replicas || st.readyReplicas !== r.plan.replicas) out.push(`stable Deployment ${st.readyReplicas}/${st.replicas} ready, spec.replicas ${r.plan.replicas}`);
    if (st.activation !== wanted) out.push(`stable Deployment serves ${st.activation}, not ${wanted}`);
  }
  const endAt = r.events.findLastIndex((e) => e.reason === 'Promoted' || e.reason === 'RolledBack');
  const later = r.events.slice(endAt + 1).filter((e) => ['StepWeightReached', 'StepCompleted', 'RolloutStarted', 'PromotionStarted'].includes(e.reason));
  if (endAt >= 0 && later.length > 0) out.push(`Events after the end: ${later.map((e) => `${e.reason} "${e.message}"`).join('; ')}`);
  return out.map((detail) => ({ invariant: 'settled', rollout: r.plan.name, detail }));
}

/** Every per-rollout invariant; the floor is `replicas` (maxUnavailable 0). */
export function checkRollout(r: RolloutRecord): Finding[] {
  return [...checkOutcome(r), ...checkStepsOnce(r), ...checkFloor(r, r.plan.replicas), ...checkSettled(r)];
}

/** The faults whose window overlaps [from, to]. */
export function faultsDuring(faults: readonly FaultWindow[], from: number, to: number): FaultWindow[] {
  return faults.filter((f) => f.from <= to && f.to >= from);
}
