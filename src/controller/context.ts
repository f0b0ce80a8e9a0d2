/**
 * Everything a reconcile needs, passed explicitly (no module-level singletons, after kube-rs's
 * `Context`): API clients, the informer caches it reads, the clock, the logger, the event recorder,
 * the operator's metrics, the analysis verdicts and the experiment runner.
 */
import type { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, V1ControllerRevision, V1Deployment, V1ResourceQuota, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ModelVariant } from '../api/types.ts';
import type { EventRecorder } from '../kube/events.ts';
import type { ExperimentJudgement } from '../analysis/experiment/judge-experiment.ts';
import type { NodeCapacity } from './capacity-ledger.ts';
import type { AnalysisOutcome, AnalysisStatus, ExperimentStatus, Status } from './model.ts';
import type { ExpectedEchoes } from './own-write-echo.ts';
import type { CachedPod } from './pod-projection.ts';

/** The read side of an informer cache. */
export interface ObjectCache<T> {
  get(namespace: string, name: string): T | undefined;
  /** Every cached object, or those of one namespace. */
  list(namespace?: string): T[];
  /** The cached objects an index files under `value` (kube/cache-index.ts); throws for an index the cache lacks. */
  byIndex(index: string, value: string): T[];
}

/**
 * The analysis verdicts a reconcile reads (analysis-scheduler.ts measures them off the reconcile path).
 * Nothing here waits for Prometheus.
 */
export interface AnalysisVerdicts {
  /**
   * The verdict of the run due at `dueAt` (ms since the epoch) for this ModelVariant in this status,
   * once it has landed; until then undefined, and the run is requested (once).
   */
  take(mv: ModelVariant, status: Status, dueAt: number): AnalysisOutcome | undefined;
  /** Drops what is kept for a deleted ModelVariant ("namespace/name"). */
  forget(key: string): void;
  /** Called with a ModelVariant's key whenever a verdict for it lands (or a run is released to be asked again). */
  onVerdict(listener: (key: string) => void): void;
  /** Stops starting rounds (those in flight finish). */
  stop(): void;
}

/**
 * Measures a running experiment's candidates and stable over the experiment so far (`status.startedAt`
 * to `now`, ms since the epoch) and judges them. A refusal or a failed query is an Inconclusive judgement;
 * it throws only for a spec without strategy.analysis or strategy.experiment (never asked for).
 */
export type ExperimentRunner = (mv: ModelVariant, status: ExperimentStatus, now: number) => Promise<ExperimentJudgement>;

/** Hooks for the operator's own metrics; all optional so tests can leave them out. */
export interface ReconcileObserver {
  modelVariantState?(namespace: string, name: string, phase: string, weight: number, step: number): void;
  analysisState?(namespace: string, name: string, analysis: AnalysisStatus | undefined): void;
  /** GPUs the pods of one role hold, as of this reconcile. */
  roleGpus?(namespace: string, name: string, role: string, gpus: number): void;
  /** A status write was not made: the only change was a routine analysis run (status-refresh.ts). */
  statusHeldBack?(namespace: string, name: string): void;
  forget?(namespace: string, name: string): void;
}

/**
 * The last status each reconcile wrote, by key, with the resourceVersion the write produced. The
 * informer cache can lag behind a write by a few milliseconds; a reconcile that finds an older
 * object in the cache plans from this status instead, so no step is taken twice. With `heldBack`, the
 * status is one not written (a routine analysis run, status-refresh.ts) on top of the object at
 * `resourceVersion`, whose status on the server is `heldBack.persisted`.
 */
export type WrittenStatus = Map<string, { resourceVersion: number; status: object; heldBack?: { persisted: object } }>;

/**
 * The informer caches a reconcile reads (the controller owns the informers). The child caches
 * (deployments, services, revisions, pods) carry the model index (model-index.ts).
 */
export interface Caches {
  modelVariants: ObjectCache<ModelVariant>;
  deployments: ObjectCache<V1Deployment>;
  services: ObjectCache<V1Service>;
  revisions: ObjectCache<V1ControllerRevision>;
  /** Every pod bound to a node or waiting for one, cluster-wide, projected to what the readers read (pod-projection.ts): the roles' pods, their problems; capacity reads `capacity`. */
  pods: ObjectCache<CachedPod>;
  quotas: ObjectCache<V1ResourceQuota>;
  /** Free extended resources per node, kept from the pod and node informers' events (capacity-ledger.ts). */
  capacity: NodeCapacity;
}

export interface ReconcileContext extends Caches {
  written: WrittenStatus;
  /** What the watch brings back of this operator's status writes, so it is not queued (own-write-echo.ts). */
  echoes?: ExpectedEchoes;
  /** ModelVariants the informer saw deleted, by key, until their route is finalized. */
  deleted?: Map<string, ModelVariant>;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  objects: KubernetesObjectApi;
  clock: { now(): number };
  logger: Logger;
  events: EventRecorder;
  analysis: AnalysisVerdicts;
  /** Absent: experiments are deployed but never measured (they end at their duration, Inconclusive). */
  experiment?: ExperimentRunner;
  observer?: ReconcileObserver;
}
