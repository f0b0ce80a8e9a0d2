#!/usr/bin/env node
/**
 * The operator process: parses flags and environment (zod), loads the kubeconfig, serves /metrics,
 * /healthz and /readyz, campaigns for the Lease, and runs the ModelVariant controller only while it
 * leads. SIGTERM/SIGINT drain in-flight reconciles and release the Lease so a standby takes over at
 * once; losing the Lease exits the process (a restarted pod campaigns afresh, never two leaders).
 */
import { getHeapStatistics } from 'node:v8';
import { Command } from 'commander';
import { pino } from 'pino';
import { createAnalysisScheduler } from '../controller/analysis-scheduler.ts';
import { createExperimentRunner } from '../controller/experiment-runner.ts';
import { createController, type Controller } from '../controller/controller.ts';
import { systemClock } from '../kube/clock.ts';
import { createKubeClients, loadKubeConfig } from '../kube/client.ts';
import { createEventRecorder } from '../kube/events.ts';
import { createLeaderElector, defaultIdentity } from '../kube/leader-election.ts';
import { createRequestGate, type RequestGate } from '../kube/request-gate.ts';
import { createOperatorMetrics } from '../metrics/operator-metrics.ts';
import { startHealthServer } from '../metrics/health-server.ts';
import { loadConfig, splitAddress, type OperatorConfig } from './config.ts';

const program = new Command('activation-canary')
  .description('Kubernetes operator for canary rollouts of activation-function variants of ML models')
  .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
  .option('--namespace <ns>', 'watch one namespace only (default: all)')
  .option('--http-address <host:port>', 'where /metrics, /healthz and /readyz are served (default :8080)')
  .option('--leader-elect [bool]', 'campaign for a Lease before acting (default true)', (v) => !['false', '0', 'no'].includes(String(v)))
  .option('--leader-election-namespace <ns>', 'namespace of the Lease (default: $POD_NAMESPACE or default)')
  .option('--leader-election-id <name>', 'name of the Lease (default activation-canary-leader)')
  .option('--lease-duration <duration>', 'how long a Lease is valid without renewal (default 15s)')
  .option('--workers <n>', 'ModelVariants reconciled at once (default 16)')
  .option('--kube-api-qps <n>', 'client-side rate limit of requests to the apiserver, per second; 0 turns it off (default 50)')
  .option('--kube-api-burst <n>', 'requests to the apiserver allowed at once above --kube-api-qps (default 100)')
  .option('--resync <duration>', 'how often every ModelVariant is reconciled anyway (default 5m)')
  .option('--log-level <level>', 'trace|debug|info|warn|error (default info)')
  .option('--analysis-concurrency <n>', 'analysis queries in flight at most per Prometheus (default 8)')
  .option('--analysis-batch-window <duration>', 'analysis runs coming due within one such window share one query per SLI template (default 1s)')
  .option('--prometheus-allowed-addresses <urls>',
    'comma-separated Prometheus base URLs analysis may query, matched on scheme, host, port and path prefix (default: any)');
program.parse();

let config: OperatorConfig;
try {
  config = loadConfig(program.opts(), process.env);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}

const logger = pino({ level: config.logLevel, base: { component: 'activation-canary' } });
// The heap's ceiling, from NODE_OPTIONS (the chart's `heap` values) or else V8's own guess from the
// memory it sees (a container's limit included): a process that reaches it ends with "heap out of memory".
logger.info({ heapSizeLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20), nodeOptions: process.env.NODE_OPTIONS ?? '' }, 'V8 heap limit');
if (config.prometheusAllowedAddresses.length > 0) {
  logger.info({ allowed: config.prometheusAllowedAddresses.map((a) => a.text) }, 'Restricted analysis to the allowed Prometheus addresses');
}
const clock = systemClock();
const metrics = createOperatorMetrics();
// One bucket for everything but the leader Lease, which has one of its own (client.ts).
const gate = (): RequestGate => createRequestGate({
  qps: config.kubeApiQps, burst: config.kubeApiBurst, clock, metrics: metrics.restClient,
  onLongWait: (ms, method, url) => logger.info({ waitedMs: ms, method, url, qps: config.kubeApiQps, burst: config.kubeApiBurst },
    'Waited before sending request: client-side throttling (--kube-api-qps), not priority and fairness'),
});
const apiGate = gate();
let kube;
try {
  const loaded = loadKubeConfig(config.kubeconfig ? { path: config.kubeconfig } : {});
  logger.info({ source: loaded.source, cluster: loaded.description, qps: config.kubeApiQps || 'unlimited', burst: config.kubeApiBurst }, 'Loaded kubeconfig');
  kube = createKubeClients(loaded.kc, { api: apiGate, lease: gate() });
} catch (err) {
  logger.fatal({ err: err instanceof Error ? err.message : String(err) }, 'Cannot load a kubeconfig');
  process.exit(2);
}
const clients = kube;
const identity = process.env.ACTIVATION_CANARY_IDENTITY || defaultIdentity();

// Events have a rate limit of their own (as controller-runtime's recorder has a client of its own), so a
// burst of Events never delays a rollout's writes; they are sent off the reconcile path (kube/events.ts).
const events = createEventRecorder({
  core: createKubeClients(clients.kc, { api: gate() }).core, logger,
  mayWrite: () => !elector || elector.isLeader(),
  onDropped: (reason) => metrics.eventsDropped.inc({ reason }),
});

let controller: Controller | undefined;
const startController = async () => {
  controller = createController({
    kc: clients.kc, clock, logger, workers: config.workers, resyncMs: config.resync, gate: apiGate,
    ...(config.namespace ? { namespace: config.namespace } : {}),
    context: {
      core: clients.core, custom: clients.customObjects, objects: clients.objects, clock, logger,
      events,
      analysis: createAnalysisScheduler({
        core: clients.core, logger, clock, allowedAddresses: config.prometheusAllowedAddresses,
        concurrency: config.analysisConcurrency, batchWindowMs: config.analysisBatchWindow,
        onQuery: (ms) => metrics.prometheusQueryDuration.observe(ms / 1000),
        onRound: (sent, ms) => {
          metrics.prometheusQueries.inc({ kind: 'batched' }, sent.batched);
          metrics.prometheusQueries.inc({ kind: 'single' }, sent.single);
          metrics.analysisRoundDuration.observe(ms / 1000);
        },
      }),
      experiment: createExperimentRunner({ core: clients.core, logger, allowedAddresses: config.prometheusAllowedAddresses }),
      observer: metrics.observer,
    },
    onRun: (key, outcome, ms, _error, run) => {
      metrics.observeReconcile(outcome, ms);
      // One line per reconcile at debug level: how often each ModelVariant is reconciled (the spec fuzzer
      // reads it), and how long it waited in the queue at which priority (bench/scale.ts reads that).
      logger.debug({ modelVariant: key, outcome, ms: Math.round(ms), waitedMs: Math.round(run?.waitedMs ?? 0), priority: run?.priority }, 'Reconciled');
    },
    queueMetrics: metrics.workQueue.hooks,
  });
  try {
    await controller.start();
  } catch (err) {
    // A shutdown stops the informers, so a start still waiting for them fails: that is the shutdown, not an error.
    if (!shuttingDown) throw err;
  }
};

const { host, port } = splitAddress(config.httpAddress);
const server = await startHealthServer({
  host, port, registry: metrics.registry, logger,
  isReady: () => !config.leaderElect || elector?.isLeader() === true ? controller?.synced() === true : true,
  isHealthy: () => true,
});
metrics.workQueue.track(() => controller?.queue);

const elector = config.leaderElect
  ? createLeaderElector({
    coordination: clients.coordination, namespace: config.leaderElectionNamespace, name: config.leaderElectionId, identity, clock, logger,
    leaseDurationMs: config.leaseDuration,
    renewDeadlineMs: Math.round(config.leaseDuration * (2 / 3)),
    retryPeriodMs: Math.max(500, Math.round(config.leaseDuration / 7.5)),
    onStartedLeading: async () => {
      metrics.setLeader(true);
      logger.info({ identity }, 'Started leading');
      await startController();
    },
    onStoppedLeading: (reason) => {
      metrics.setLeader(false);
      if (reason === 'released' || reason === 'stopped') return;
      logger.error({ identity, reason }, 'Lost the leader Lease; exiting so that a fresh process campaigns again');
      process.exit(1);
    },
  })
  : undefined;

// Registered before the controller starts: a SIGTERM while the caches sync (a slow list, a low
// --kube-api-qps) is a graceful shutdown too, not Node's default death by signal.
let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, 'Shutting down: draining in-flight reconciles');
  const force = setTimeout(() => process.exit(1), 30_000);
  force.unref();
  await controller?.stop();
  await events.flush(5_000);
  await elector?.release();
  await server.close();
  logger.info('Stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

if (elector) elector.start();
else await startController();
