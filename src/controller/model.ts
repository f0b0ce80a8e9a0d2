/**
 * The planner's vocabulary: what the user wants (a ModelVariant with defaults resolved), what the
 * operator observed of the world, and what it decided (desired workloads, the next status, events,
 * when to come back). Pure data; the reconciler builds `Desired`/`Observed` and applies a `Plan`.
 *
 * What serves is a `Variant`: the activation and the hash of the pod template (its revision), compared
 * as a whole, never field by field (after Argo Rollouts' pod-template-hash).
 */

import type { AnalysisStatus, ExperimentStatus, ModelVariantStatus, Phase, StatusCondition } from '../api/types.ts';
import type { ExperimentJudgement } from '../analysis/experiment/judge-experiment.ts';
import type { HeaderRoute, ObservedRoute, RouteProblem, RouteState } from '../traffic/router.ts';

export { PHASE } from '../api/types.ts';
export type { Phase };

export const SIGNAL_VERBS = ['pause', 'resume', 'promote', 'abort', 'retry'] as const;
export type SignalVerb = (typeof SIGNAL_VERBS)[number];

/** What a set of pods serves: an activation and the revision (a hash) of the user's pod template. */
export interface Variant {
  activation: string;
  revision: string;
}

export interface Step {
  /** Canary share of ordinary traffic at this step, in percent (0–100): the last setWeight at or before it, 0 before the first. */
  weight: number;
  /** The header route in effect: from its setHeaderRoute step until promotion or rollback. */
  headerRoute?: HeaderRoute;
  /** A setMirror step: percent (1–100) of requests copied to the canary during this step only. */
  mirrorPercent?: number;
  /** Milliseconds to stay at this weight; undefined: wait at this weight until a promote signal. */
  pauseMs?: number;
}

export interface Desired {
  namespace: string;
  name: string;
  generation: number;
  /** The variant spec.activation and spec.template describe. */
  variant: Variant;
  /** Words for what changes from the stable variant to this one, e.g. "image m:1 → m:2; activation relu → gelu". */
  change: string;
  replicas: number;
  /**
   * True with a weighted router (gatewayAPI, istio): the route splits by weight, stable keeps spec.replicas,
   * and the route must never send requests to a canary without ready pods. False/undefined: `replicas`.
   */
  weighted?: boolean;
  /** spec.strategy.maxUnavailable; undefined: chosen when a rollout starts (0 if a surge fits, else 1). */
  maxUnavailable?: number;
  steps: Step[];
  progressDeadlineMs: number;
  promotionDeadlineMs: number;
  capacityTimeoutMs: number;
  /** Present when the ModelVariant declares analysis. */
  analysis?: { intervalMs: number };
  /** Present when the ModelVariant declares strategy.experiment (see ExperimentIntent). */
  experiment?: ExperimentIntent;
  /** The raw signal annotation value, if any. */
  signal?: string;
  /** Spec problems the operator cannot act on (each says what to fix); non-empty blocks all changes. */
  problems: string[];
}

/** strategy.experiment as the planner needs it (docs/experiments.md). */
export interface ExperimentIntent {
  /** A hash of the experiment spec and the template revision: a new id starts a new experiment. */
  id: string;
  /** Each candidate activation with its share of traffic in percent, in spec order. */
  candidates: { activation: string; weight: number }[];
  durationMs: number;
  promoteWinner: boolean;
  /** How often the candidates are measured (strategy.analysis.interval). */
  intervalMs: number;
}

/** What the reconciler observed of a running experiment: each candidate's Deployment, and a judgement when a run was due. */
export interface ExperimentObservation {
  candidates: Record<string, RoleObservation | undefined>;
  judgement?: ExperimentJudgement;
  /** When the judgement's data was measured (ms since the epoch). */
  measuredAt?: number;
}

export interface RoleObservation {
  /** The variant of the Deployment's pod template (undefined when it carries no revision label). */
  variant?: Variant;
  /** spec.replicas of the Deployment. */
  replicas: number;
  /** Ready pods, whatever variant they serve: every one of them receives traffic. */
  ready: number;
  /** Of the ready pods, those of the Deployment's own variant (the rest are of an older template). */
  readyOfVariant?: number;
  /** True when the Deployment's rollout is complete at its current spec. */
  settled: boolean;
  /** A rolling update in progress (pods of an older template left, or a status behind the spec). */
  rolling?: boolean;
  /** Pods not bound to a node yet, or wanted by the Deployment and not created yet (they hold no GPU). */
  unscheduled?: number;
  /**
   * Ready pods the Deployment may still take down on its own: while it replaces pods with a new template
   * (its rolling update stops one more ready pod whenever the rest are available), or while its status
   * predates its spec. The serving floor never counts on them.
   */
  readyAtRisk?: number;
  /** Why pods are missing or not ready, in Kubernetes' words (scheduler, FailedCreate, quota, image pull). */
  problem?: string;
}

export interface CapacityObservation {
  resource: string;
  perPod: number;
  /** How many more pods of this template fit right now (nodes' free resources and the namespace's quota). */
  fits: number;
  /** Human summary of free capacity per node (and quota), for condition messages. */
  detail: string;
}

/** A finished analysis run as the planner consumes it (built from analysis/judge output). */
export interface AnalysisOutcome {
  verdict: 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
  action: 'continue' | 'hold' | 'rollback';
  reason: string;
  message: string;
  metricsAvailable: boolean;
  /** The status.analysis block to record, verbatim. */
  status: AnalysisStatus;
}

/** The CRD's status shapes, generated from crds/ (one source of truth). */
export type { AnalysisStatus, ExperimentStatus };
export type Condition = StatusCondition;
export type Status = ModelVariantStatus;

export interface Observed {
  stable?: RoleObservation;
  canary?: RoleObservation;
  /** Actual canary traffic share from the router (0–100). */
  routedWeight: number;
  /** What the live route carries (weighted routers: read back from the route object); undefined when unreadable. */
  route?: ObservedRoute;
  /** Why the route cannot be read or used, in words that say what to fix (TrafficRouted=False). */
  routeProblem?: RouteProblem;
  /** Free capacity for the template's extended resource; undefined when it asks for none. */
  capacity?: CapacityObservation;
  /** The verdict of the analysis run that was due, once the analysis scheduler has it. */
  analysis?: AnalysisOutcome;
  /** A run is due and the scheduler is measuring it: the ModelVariant is woken when its verdict lands, so no requeue waits for it. */
  analysisPending?: boolean;
  /** The experiment's candidates, and a judgement when a measurement was due. */
  experiment?: ExperimentObservation;
}

/** Pod counts of the two roles. */
export interface Sizes {
  stable: number;
  canary: number;
}

/** What a router makes of a weight: pod counts, and the canary share those give (percent). */
export interface Split extends Sizes {
  weight: number;
}

/** The router's sizing rule: pod counts for `total` serving replicas at a canary weight (percent). */
export type SplitRule = (total: number, canaryWeight: number) => Split;

export interface WorkloadIntent {
  variant: Variant;
  replicas: number;
}

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface Plan {
  /** Undefined: leave the stable Deployment as it is. */
  stable?: WorkloadIntent;
  /** null: the canary Deployment should not exist; undefined: leave it as it is. */
  canary?: WorkloadIntent | null;
  /** The experiment candidates' Deployments that should exist (`<name>-exp-<activation>`); absent or empty: none. */
  experiment?: WorkloadIntent[];
  /** What the router should make the route carry. */
  route: RouteState;
  status: Status;
  events: PlannedEvent[];
  /** When to reconcile again, in milliseconds (already clamped to a timer's range); undefined: on events only. */
  requeueAfterMs?: number;
}

/** Same activation and same template revision. */
export function sameVariant(a: Variant | undefined, b: Variant | undefined): boolean {
  return !!a && !!b && a.activation === b.activation && a.revision === b.revision;
}

/** "gelu@3f2a…": a variant in one token, for messages. */
export function variantLabel(v: Variant | undefined): string {
  return v ? `${v.activation}@${v.revision.slice(0, 7)}` : 'none';
}

/** The stable variant recorded in status, if any. */
export function stableVariant(s: Status): Variant | undefined {
  return s.stableActivation && s.stableRevision ? { activation: s.stableActivation, revision: s.stableRevision } : undefined;
}

/** The canary variant recorded in status, if a rollout is in flight or was rolled back. */
export function canaryVariant(s: Status): Variant | undefined {
  return s.canaryActivation && s.canaryRevision ? { activation: s.canaryActivation, revision: s.canaryRevision } : undefined;
}
