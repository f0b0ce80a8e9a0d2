/**
 * The planner's vocabulary: what the user wants (a ModelVariant with defaults resolved), what the
 * operator observed of the world, and what it decided (desired workloads, the next status, events,
 * when to come back). Pure data; the reconciler builds `Desired`/`Observed` and applies a `Plan`.
 */

import type { AnalysisStatus, ModelVariantStatus, Phase, StatusCondition } from '../api/types.ts';

export { PHASE } from '../api/types.ts';
export type { Phase };

export const SIGNAL_VERBS = ['pause', 'resume', 'promote', 'abort', 'retry'] as const;
export type SignalVerb = (typeof SIGNAL_VERBS)[number];

export interface Step {
  weight: number;
  /** Undefined: wait at this weight until a promote signal. */
  pauseMs?: number;
}

export interface Desired {
  namespace: string;
  name: string;
  generation: number;
  activation: string;
  replicas: number;
  steps: Step[];
  progressDeadlineMs: number;
  /** Present when the ModelVariant declares analysis. */
  analysis?: { intervalMs: number };
  /** The raw signal annotation value, if any. */
  signal?: string;
  /** Spec problems the operator cannot act on (each says what to fix); non-empty blocks all changes. */
  problems: string[];
}

export interface RoleObservation {
  activation?: string;
  /** spec.replicas of the Deployment. */
  replicas: number;
  ready: number;
  /** True when the Deployment's rollout is complete at its current spec. */
  settled: boolean;
  /** Pods that could not be scheduled, with the scheduler's message, if any. */
  unschedulable?: string;
}

export interface CapacityObservation {
  resource: string;
  perPod: number;
  /** How many more pods of this template fit on the nodes' free resources right now. */
  fits: number;
  /** Human summary of free capacity per node, for condition messages. */
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
export type { AnalysisStatus };
export type Condition = StatusCondition;
export type Status = ModelVariantStatus;

export interface Observed {
  stable?: RoleObservation;
  canary?: RoleObservation;
  /** Actual canary traffic share from the router (0–100). */
  routedWeight: number;
  capacity?: CapacityObservation;
  analysis?: AnalysisOutcome;
}



export interface WorkloadIntent {
  activation: string;
  replicas: number;
}

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface Plan {
  stable?: WorkloadIntent;
  /** null: the canary Deployment should not exist. */
  canary: WorkloadIntent | null;
  /** Canary traffic weight to set on the router. */
  routeWeight: number;
  status: Status;
  events: PlannedEvent[];
  requeueAfterMs?: number;
}
