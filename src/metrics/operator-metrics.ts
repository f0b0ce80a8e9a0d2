/**
 * The operator's own Prometheus metrics on a private Registry (never prom-client's global one, so two
 * operators in one test process do not collide): reconcile counts and durations, the work queue under
 * client-go's `workqueue_*` names (work-queue-metrics.ts), its requests to the apiserver under client-go's
 * `rest_client_*` names (rest-client-metrics.ts), leader
 * status, Prometheus query latency and counts, analysis round durations, and per-ModelVariant series in the kube-state-metrics / Flagger
 * style (a phase gauge that is 1 for the current phase and 0 for the others, weight, step, the last
 * SLI values and thresholds, burn rates, the GPUs each role holds). `observer` implements the controller's ReconcileObserver and
 * `forgetModelVariant` drops every series of a deleted ModelVariant so none lingers at a stale value.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReconcileObserver } from '../controller/context.ts';
import type { AnalysisStatus } from '../controller/model.ts';
import { PHASE } from '../controller/model.ts';
import { analysisSeries, type SeriesPoint } from './analysis-series.ts';
import type { RequestMetrics } from '../kube/request-gate.ts';
import { restClientMetrics } from './rest-client-metrics.ts';
import { workQueueMetrics, type WorkQueueSeries } from './work-queue-metrics.ts';

export type ReconcileResultLabel = 'success' | 'requeue' | 'error';

export interface OperatorMetrics {
  registry: Registry;
  reconcileTotal: Counter<'result'>;
  reconcileDuration: Histogram;
  reconcileErrors: Counter;
  /** client-go's workqueue series of the ModelVariant queue: hooks for the queue, and the source its gauges read. */
  workQueue: WorkQueueSeries;
  /** client-go's rest_client_* series: the hooks every request gate of the operator reports to. */
  restClient: RequestMetrics;
  phase: Gauge<'namespace' | 'name' | 'phase'>;
  canaryWeight: Gauge<'namespace' | 'name'>;
  step: Gauge<'namespace' | 'name'>;
  gpus: Gauge<'namespace' | 'name' | 'role'>;
  sliValue: Gauge<'namespace' | 'name' | 'sli' | 'role'>;
  sliThreshold: Gauge<'namespace' | 'name' | 'sli' | 'bound'>;
  burnRate: Gauge<'namespace' | 'name' | 'window'>;
  prometheusQueryDuration: Histogram;
  /** Queries sent to Prometheus by kind: `batched` (one per built-in template, window and round) or `single` (a user's own query, per ModelVariant). */
  prometheusQueries: Counter<'kind'>;
  /** How long one analysis round on one Prometheus took. */
  analysisRoundDuration: Histogram;
  leader: Gauge;
  /** Events not written, by reason (QueueFull, NotLeader, WriteFailed: src/kube/events.ts). */
  eventsDropped: Counter<'reason'>;
  /** Status writes not made because the only change was a routine analysis run (src/controller/status-refresh.ts). */
  statusWritesHeldBack: Counter;
  /** Counts one reconcile and observes its duration (the work queue's onRun hook fits). */
  observeReconcile(result: ReconcileResultLabel, durationMs: number): void;
  setLeader(leading: boolean): void;
  setModelVariantState(namespace: string, name: string, state: { phase: string; weight: number; step: number }): void;
  /** GPUs the pods of one role hold (see src/controller/gpus-held.ts). */
  setRoleGpus(namespace: string, name: string, role: string, gpus: number): void;
  /** Replaces the SLI, threshold and burn-rate series of a ModelVariant with those in its status.analysis. */
  setAnalysis(namespace: string, name: string, analysis: AnalysisStatus | undefined): void;
  forgetModelVariant(namespace: string, name: string): void;
  /** The controller's hooks, wired to the methods above. */
  observer: ReconcileObserver;
}

export interface OperatorMetricsOptions {
  /** Register Node's process metrics (CPU, memory, event loop lag, …) too. Default true. */
  defaultMetrics?: boolean;
}

const PREFIX = 'activation_canary_';
const MV = ['namespace', 'name'] as const;

export function createOperatorMetrics(opts: OperatorMetricsOptions = {}): OperatorMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const reconcileTotal = new Counter({ name: `${PREFIX}reconcile_total`, help: 'Reconciles of ModelVariants, by result (success, requeue, error).', labelNames: ['result'] as const, registers });
  const reconcileDuration = new Histogram({
    name: `${PREFIX}reconcile_duration_seconds`, help: 'How long one reconcile of a ModelVariant took.', registers,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const reconcileErrors = new Counter({ name: `${PREFIX}reconcile_errors_total`, help: 'Reconciles that failed and were retried with backoff.', registers });
  const workQueue = workQueueMetrics(registry);
  const restClient = restClientMetrics(registry);
  const phase = new Gauge({ name: `${PREFIX}modelvariant_phase`, help: 'The phase of a ModelVariant: 1 for the current phase, 0 for the others.', labelNames: [...MV, 'phase'] as const, registers });
  const canaryWeight = new Gauge({ name: `${PREFIX}modelvariant_canary_weight`, help: 'Percent of traffic routed to the canary.', labelNames: MV, registers });
  const step = new Gauge({ name: `${PREFIX}modelvariant_step`, help: 'Index of the canary step the ModelVariant is at.', labelNames: MV, registers });
  const gpus = new Gauge({
    name: `${PREFIX}modelvariant_gpus`, help: 'GPUs requested by the pods of a role (stable or canary) that are bound to a node and not finished.',
    labelNames: [...MV, 'role'] as const, registers,
  });
  const sliValue = new Gauge({ name: `${PREFIX}sli_value`, help: 'Last measured value of an SLI, for the canary or stable role.', labelNames: [...MV, 'sli', 'role'] as const, registers });
  const sliThreshold = new Gauge({ name: `${PREFIX}sli_threshold`, help: 'An SLI bound: max, min, maxRatioToStable or minRatioToStable.', labelNames: [...MV, 'sli', 'bound'] as const, registers });
  const burnRate = new Gauge({ name: `${PREFIX}burn_rate`, help: 'Error-budget burn rate of the canary on the short and the long window.', labelNames: [...MV, 'window'] as const, registers });
  const prometheusQueryDuration = new Histogram({
    name: `${PREFIX}prometheus_query_duration_seconds`, help: 'Latency of the operator\'s queries to Prometheus.', registers,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const prometheusQueries = new Counter({
    name: `${PREFIX}prometheus_queries_total`, labelNames: ['kind'] as const, registers,
    help: 'Analysis queries sent to Prometheus: batched (one per built-in template, window and round, for every ModelVariant using it) or single (a custom query of one ModelVariant).',
  });
  const analysisRoundDuration = new Histogram({
    name: `${PREFIX}analysis_round_duration_seconds`, help: 'How long one analysis round (every query due on one Prometheus at one instant) took.', registers,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const leader = new Gauge({ name: `${PREFIX}leader`, help: '1 while this replica holds the leader Lease, else 0.', registers });
  leader.set(0);
  const statusWritesHeldBack = new Counter({
    name: `${PREFIX}status_writes_held_back_total`, registers,
    help: 'Status writes not made because the only change was a routine analysis run (a Successful run deciding what the one on the server did); it goes out with the next status change or once the server\'s copy is a minute old.',
  });
  const eventsDropped = new Counter({
    name: `${PREFIX}events_dropped_total`, labelNames: ['reason'] as const, registers,
    help: 'Kubernetes Events the operator recorded but did not write: QueueFull (more than 1,000 waiting), NotLeader (the Lease was lost first) or WriteFailed.',
  });

  /** Phases with a series per ModelVariant (every known phase, plus any unexpected one seen). */
  const phasesSet = new Map<string, Set<string>>();
  /** The analysis series currently set per ModelVariant, so a refresh or a forget removes exactly those. */
  const analysisSet = new Map<string, SeriesPoint[]>();
  /** The roles with a GPU series per ModelVariant, so a forget removes exactly those. */
  const gpuRoles = new Map<string, Set<string>>();
  const gaugeOf = { sliValue, sliThreshold, burnRate } as const;
  const clearAnalysis = (key: string) => {
    for (const p of analysisSet.get(key) ?? []) (gaugeOf[p.metric] as Gauge<string>).remove(p.labels);
    analysisSet.delete(key);
  };

  const metrics: OperatorMetrics = {
    registry, reconcileTotal, reconcileDuration, reconcileErrors, workQueue, restClient, phase, canaryWeight, step, gpus,
    sliValue, sliThreshold, burnRate, prometheusQueryDuration, prometheusQueries, analysisRoundDuration, leader, eventsDropped, statusWritesHeldBack,
    observeReconcile(result, durationMs) {
      reconcileTotal.inc({ result });
      reconcileDuration.observe(durationMs / 1000);
      if (result === 'error') reconcileErrors.inc();
    },
    setLeader: (leading) => leader.set(leading ? 1 : 0),
    setModelVariantState(namespace, name, state) {
      const key = `${namespace}/${name}`;
      const phases = phasesSet.get(key) ?? new Set<string>(Object.values(PHASE));
      phases.add(state.phase);
      phasesSet.set(key, phases);
      for (const p of phases) phase.set({ namespace, name, phase: p }, p === state.phase ? 1 : 0);
      canaryWeight.set({ namespace, name }, state.weight);
      step.set({ namespace, name }, state.step);
    },
    setRoleGpus(namespace, name, role, n) {
      const key = `${namespace}/${name}`;
      gpuRoles.set(key, (gpuRoles.get(key) ?? new Set<string>()).add(role));
      gpus.set({ namespace, name, role }, n);
    },
    setAnalysis(namespace, name, analysis) {
      const key = `${namespace}/${name}`;
      clearAnalysis(key);
      const points = analysisSeries(namespace, name, analysis);
      for (const p of points) (gaugeOf[p.metric] as Gauge<string>).set(p.labels, p.value);
      if (points.length > 0) analysisSet.set(key, points);
    },
    forgetModelVariant(namespace, name) {
      const key = `${namespace}/${name}`;
      clearAnalysis(key);
      for (const p of phasesSet.get(key) ?? []) phase.remove({ namespace, name, phase: p });
      phasesSet.delete(key);
      canaryWeight.remove({ namespace, name });
      step.remove({ namespace, name });
      for (const role of gpuRoles.get(key) ?? []) gpus.remove({ namespace, name, role });
      gpuRoles.delete(key);
    },
    observer: {
      modelVariantState: (namespace, name, p, weight, s) => metrics.setModelVariantState(namespace, name, { phase: p, weight, step: s }),
      analysisState: (namespace, name, analysis) => metrics.setAnalysis(namespace, name, analysis),
      roleGpus: (namespace, name, role, n) => metrics.setRoleGpus(namespace, name, role, n),
      statusHeldBack: () => statusWritesHeldBack.inc(),
      forget: (namespace, name) => metrics.forgetModelVariant(namespace, name),
    },
  };
  return metrics;
}
