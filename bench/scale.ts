/**
 * `make bench-scale` (a benchmark, not a test: it prints figures): one operator replica against N
 * ModelVariants on the local control plane, for each N of `--models` (default 100,300) in turn, each in
 * a fresh namespace with a fresh operator. The mix: most Healthy and left alone; `--rolling` (10 %)
 * moved to a new activation with two short steps (20 % then 50 %, `--pause` each) and analysis against
 * the cluster's real Prometheus (an SLO burn rate and the builtin errorRate, every `--interval`) on
 * exporters this bench runs as their pods' telemetry (healthy); `--rollback` of them (2 %, at least 2)
 * with a canary that answers half its requests with errors, so analysis rolls it back. Pods are kwok's,
 * 1 replica and 1 nvidia.com/gpu each, on `--gpu-nodes` fake nodes of 8 GPUs.
 *
 * Per N it prints, for a window at rest (all Healthy) and for the rollout wave (from the patch until
 * every rolling ModelVariant is promoted or rolled back, or `--timeout`): the operator's RSS (at rest;
 * peak of 1 s samples) and CPU (cores, from /proc), the step timing error (when the bench's watch sees
 * a step end minus when it was due, weightReachedAt + pause; p50 / p99 / max; and the part of it
 * until the operator decided, from the next step's stepStartedAt; the three latest steps are logged with
 * what the watch saw of them), apiserver requests of
 * the operator's user by verb per minute (the audit log), Prometheus queries per analysis interval (the
 * operator's activation_canary_prometheus_query_duration_seconds_count), reconcile latency p99 (its
 * reconcile_duration_seconds histogram, bucket upper bound), the work queue's depth (max of 1 s
 * samples of workqueue_depth) and wait (workqueue_queue_duration_seconds p99), and the analysis rounds'
 * duration p99 (activation_canary_analysis_round_duration_seconds). The machine is shared: figures are noisy; read growth rates, not digits.
 *
 *   node bench/scale.ts [--models 100,300] [--rolling 0.1] [--rollback 0.02] [--steps 20,50] [--pause 10s]
 *        [--interval 5s] [--no-analysis] [--rest 30s] [--timeout 300s] [--workers <n>] [--operator-args='--kube-api-qps=20 --kube-api-burst=30']
 *        [--explain-late]   (the operator at debug level; the latest steps' reconciles, queue waits and analysis runs are printed)
 *        [--node-options='<NODE_OPTIONS of the operator>'] [--operator-env='MALLOC_ARENA_MAX=2 …'] [--dir <cluster dir>] [--json]
 *
 * The operator runs with the V8 heap flags of the chart's `heap` values (test/harness/operator.ts);
 * `--node-options` replaces them (`--node-options=` for V8's own sizing), to compare heap settings.
 *
 * The wave of issue 12's "measured on main" table (every ModelVariant to a new activation at once, one
 * step, no analysis): `--rolling 1 --rollback 0 --steps 50 --pause 20s --no-analysis`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION, type ModelVariant, type ModelVariantSpec } from '../src/api/types.ts';
import { parseDuration } from '../src/util/duration.ts';
import { readAuditEvents } from '../test/harness/audit.ts';
import { fakeGpuNode } from '../test/harness/cluster.ts';
import { clusterState, createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../test/harness/env.ts';
import { benchCluster } from '../test/harness/launcher.ts';
import { startOperator, type RunningOperator } from '../test/harness/operator.ts';
import { withPodLifecycle } from '../test/harness/pod-lifecycle.ts';
import { HEALTHY } from '../test/integration/support/model-telemetry.ts';
import { gpuTemplate } from '../test/integration/support/model-variants.ts';
import { telemetryTargets, type TelemetryTargets } from '../test/integration/support/telemetry-targets.ts';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: '100,300' },
    rolling: { type: 'string', default: '0.1' },
    rollback: { type: 'string', default: '0.02' },
    pause: { type: 'string', default: '10s' },
    steps: { type: 'string', default: '20,50' },
    'no-analysis': { type: 'boolean', default: false },
    interval: { type: 'string', default: '5s' },
    rest: { type: 'string', default: '30s' },
    timeout: { type: 'string', default: '300s' },
    workers: { type: 'string' },
    'operator-args': { type: 'string', default: '' },
    'node-options': { type: 'string' },
    'operator-env': { type: 'string', default: '' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
    'explain-late': { type: 'boolean', default: false },
  },
});
const SIZES = (args.models ?? '').split(',').map(Number);
const duration = (v: string | undefined, what: string) => {
  const ms = parseDuration(v ?? '');
  if (ms === undefined) throw new Error(`--${what} ${v}: not a duration (e.g. 10s)`);
  return ms;
};
const PAUSE_MS = duration(args.pause, 'pause');
const INTERVAL_MS = duration(args.interval, 'interval');
const REST_MS = duration(args.rest, 'rest');
const TIMEOUT_MS = duration(args.timeout, 'timeout');
if (SIZES.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--models ${args.models}: a comma-separated list of positive integers`);
const WEIGHTS = (args.steps ?? '').split(',').map(Number);
if (WEIGHTS.some((w) => !Number.isInteger(w) || w < 1 || w > 100)) throw new Error(`--steps ${args.steps}: a comma-separated list of weights 1–100`);
const GPUS_PER_NODE = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

const bench = await benchCluster(log, { dir: args.dir, prefix: 'scale' });
const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
const custom = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const mvPath = (ns: string) => `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`;

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

// ---- what the operator reports ---------------------------------------------------------------

/** The operator's /metrics, as `name{labels}` → value. */
async function scrape(op: RunningOperator): Promise<Map<string, number>> {
  const url = `http://127.0.0.1:${await op.port()}/metrics`;
  // A kept-alive connection the operator closes as it is reused ends in ECONNRESET: tried again.
  const get = async (attempt: number): Promise<string> => {
    try {
      return await (await fetch(url)).text();
    } catch (err) {
      if (attempt >= 3) throw err;
      await sleep(200);
      return get(attempt + 1);
    }
  };
  const text = await get(1);
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/gm)) out.set(m[1] ?? '', Number(m[2]));
  return out;
}
const sumOf = (m: Map<string, number>, name: string) => [...m].filter(([k]) => k === name || k.startsWith(`${name}{`)).reduce((s, [, v]) => s + v, 0);

/** p99 of a histogram's observations between two scrapes: the upper bound of the bucket that holds it. */
function histogramP99(before: Map<string, number>, after: Map<string, number>, name: string): number {
  const bound = (le: string | undefined) => (le === '+Inf' ? Infinity : Number(le ?? 'NaN'));
  const buckets = [...after].filter(([k]) => k.startsWith(`${name}_bucket{`)).map(([k, v]) => ({ le: bound(/le="([^"]+)"/.exec(k)?.[1]), n: v - (before.get(k) ?? 0) }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (total === 0) return NaN;
  return buckets.find((b) => b.n >= 0.99 * total)?.le ?? Infinity;
}

/** CPU seconds (user + system) and RSS (bytes; in all, anonymous, and file-backed: the node binary's pages) of a process, from /proc. */
function processUsage(pid: number): { cpuS: number; rssB: number; anonB: number; fileB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of proc(5))
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { cpuS: ticks / 100, rssB: kb('VmRSS'), anonB: kb('RssAnon'), fileB: kb('RssFile') };
}

interface Window {
  seconds: number;
  rssMiB: { start: number; peak: number };
  /** RSS at its peak sample, split: anonymous (heap, malloc) and file-backed (the node binary's pages). */
  rssAtPeakMiB: { anon: number; file: number };
  /** The most V8 heap committed (nodejs_heap_size_total_bytes) and external memory (nodejs_external_memory_bytes) of the samples. */
  heapTotalPeakMiB: number;
  externalPeakMiB: number;
  /** V8 heap in use at the window's end (prom-client's nodejs_heap_size_used_bytes): RSS less the garbage not yet collected. */
  heapUsedMiB: number;
  /** The most V8 heap in use of the 1 s samples. */
  heapUsedPeakMiB: number;
  cpuCores: number;
  requestsPerMin: Record<string, number>;
  promQueriesPerInterval: number;
  /** Cluster-wide LISTs of pods and of nodes (the capacity check's cost before the informers). */
  podNodeLists: number;
  /** Status PATCHes per ModelVariant whose status was written. */
  statusPatchesPerWritten: number;
  reconciles: number;
  reconcileP99S: number;
  /** p99 (bucket bound) of a key's wait in the queue, and of an analysis round (every query of one Prometheus at one instant). */
  queueWaitP99S: number;
  analysisRoundP99S: number;
  queueDepthMax: number;
  /** The longest event loop delay the operator saw in any one-second sample (prom-client's, reset per scrape). */
  eventLoopLagMaxS: number;
  /** When that sample was taken, seconds after the window began. */
  eventLoopLagMaxAtS: number;
  /** Major (mark-compact) garbage collections in the window: how many, and their pauses summed (s). */
  majorGc: { count: number; seconds: number };
}

/** Samples the operator every second while `during` runs (or for `ms`), then reads its audit events of the window. */
async function measure(op: RunningOperator, user: string, during: () => Promise<void>): Promise<Window> {
  const pid = op.child.pid ?? 0;
  const before = await scrape(op);
  const u0 = processUsage(pid);
  const since = Date.now();
  let peak = u0.rssB;
  let atPeak = { anon: u0.anonB, file: u0.fileB };
  let depth = 0;
  let heapPeak = sumOf(before, 'nodejs_heap_size_used_bytes');
  let heapTotalPeak = sumOf(before, 'nodejs_heap_size_total_bytes');
  let externalPeak = sumOf(before, 'nodejs_external_memory_bytes');
  let lagMax = 0;
  let lagMaxAt = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      await sleep(1000);
      const u = processUsage(pid);
      if (u.rssB > peak) [peak, atPeak] = [u.rssB, { anon: u.anonB, file: u.fileB }];
      const metrics = await scrape(op);
      depth = Math.max(depth, sumOf(metrics, 'workqueue_depth'));
      heapPeak = Math.max(heapPeak, sumOf(metrics, 'nodejs_heap_size_used_bytes'));
      heapTotalPeak = Math.max(heapTotalPeak, sumOf(metrics, 'nodejs_heap_size_total_bytes'));
      externalPeak = Math.max(externalPeak, sumOf(metrics, 'nodejs_external_memory_bytes'));
      const lag = sumOf(metrics, 'nodejs_eventloop_lag_max_seconds');
      if (lag > lagMax) [lagMax, lagMaxAt] = [lag, (Date.now() - since) / 1000];
    }
  })();
  await during();
  running = false;
  await sampler;
  const until = Date.now();
  const after = await scrape(op);
  const u1 = processUsage(pid);
  const seconds = (until - since) / 1000;
  const events = await readAuditEvents({ user, since, until });
  const byVerb: Record<string, number> = {};
  for (const e of events) byVerb[e.verb] = (byVerb[e.verb] ?? 0) + 1;
  const delta = (name: string) => sumOf(after, name) - sumOf(before, name);
  const majorGcDelta = (part: 'count' | 'sum') => {
    const series = `nodejs_gc_duration_seconds_${part}{kind="major"}`;
    return (after.get(series) ?? 0) - (before.get(series) ?? 0);
  };
  const statusPatches = events.filter((e) => e.verb === 'patch' && e.resource === 'modelvariants' && e.subresource === 'status');
  return {
    podNodeLists: events.filter((e) => e.verb === 'list' && (e.resource === 'pods' || e.resource === 'nodes') && !e.namespace).length,
    statusPatchesPerWritten: statusPatches.length / Math.max(1, new Set(statusPatches.map((e) => e.name)).size),
    seconds,
    rssMiB: { start: u0.rssB / 2 ** 20, peak: Math.max(peak, u1.rssB) / 2 ** 20 },
    rssAtPeakMiB: u1.rssB > peak ? { anon: u1.anonB / 2 ** 20, file: u1.fileB / 2 ** 20 } : { anon: atPeak.anon / 2 ** 20, file: atPeak.file / 2 ** 20 },
    heapTotalPeakMiB: heapTotalPeak / 2 ** 20,
    externalPeakMiB: externalPeak / 2 ** 20,
    heapUsedMiB: sumOf(after, 'nodejs_heap_size_used_bytes') / 2 ** 20,
    heapUsedPeakMiB: Math.max(heapPeak, sumOf(after, 'nodejs_heap_size_used_bytes')) / 2 ** 20,
    cpuCores: (u1.cpuS - u0.cpuS) / seconds,
    requestsPerMin: Object.fromEntries(Object.entries(byVerb).sort().map(([v, n]) => [v, (n * 60) / seconds])),
    promQueriesPerInterval: delta('activation_canary_prometheus_query_duration_seconds_count') / (seconds * 1000 / INTERVAL_MS),
    reconciles: delta('activation_canary_reconcile_total'),
    reconcileP99S: histogramP99(before, after, 'activation_canary_reconcile_duration_seconds'),
    queueWaitP99S: histogramP99(before, after, 'workqueue_queue_duration_seconds'),
    analysisRoundP99S: histogramP99(before, after, 'activation_canary_analysis_round_duration_seconds'),
    queueDepthMax: depth,
    eventLoopLagMaxS: lagMax,
    eventLoopLagMaxAtS: lagMaxAt,
    majorGc: { count: majorGcDelta('count'), seconds: majorGcDelta('sum') },
  };
}

// ---- the workload ------------------------------------------------------------------------------

/** Fake GPU nodes of the bench's own, enough for every stable pod and every canary at once (+25 %). */
async function ensureGpuNodes(count: number, names: string[]): Promise<void> {
  const missing = Array.from({ length: count }, (_, i) => `scale-gpu-${String(i).padStart(3, '0')}`).filter((n) => !names.includes(n));
  await pool(missing, 8, async (name) => {
    await core.createNode({ body: fakeGpuNode(name, GPUS_PER_NODE) as k8s.V1Node });
    names.push(name);
  });
  await eventually(`${names.length} scale nodes Ready`, async () => {
    const nodes = (await core.listNode({})).items;
    return names.every((n) => nodes.find((x) => x.metadata?.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
  }, 120_000, 1000);
}

const template = withPodLifecycle(gpuTemplate(1), { readyDelay: '1s', readyJitter: '1s', terminationDelay: '1s' });

function specOf(analysed: boolean, prometheusUrl: string): ModelVariantSpec {
  return {
    activation: 'relu', replicas: 1, template,
    strategy: {
      steps: WEIGHTS.map((setWeight) => ({ setWeight, pause: `${PAUSE_MS / 1000}s` })),
      ...(analysed && !args['no-analysis'] ? { analysis: {
        interval: `${INTERVAL_MS / 1000}s`, failureLimit: 2, inconclusiveLimit: 6, prometheus: { address: prometheusUrl },
        slo: { objective: 0.99, shortWindow: '10s', longWindow: '30s', burnRateThreshold: 5 },
        slis: [{ name: 'errors', builtin: 'errorRate', max: 0.05 }],
      } } : {}),
    },
  };
}

/**
 * One completed step: how late it ended as the bench's watch saw it (`errorS`) and as the operator
 * decided it (`decidedErrorS`: the next step's stepStartedAt, stamped by the planner, minus the due
 * time); the difference is the status write and the watch's delivery. `trail` is what the watch saw of
 * this ModelVariant from a second before the step was due until it ended.
 */
interface StepTiming { name: string; step: number; errorS: number; decidedErrorS: number; trail: string[]; dueAt: number; endedAt: number }

/** The status fields that differ between two statuses, conditions by type (`conditions.Available`). */
function changedFields(a: NonNullable<ModelVariant['status']>, b: NonNullable<ModelVariant['status']>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => k !== 'conditions') as (keyof typeof a)[];
  const fields = keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map(String);
  const types = [...new Set([...(a.conditions ?? []), ...(b.conditions ?? [])].map((c) => c.type))];
  const conditions = types.filter((t) => JSON.stringify(a.conditions?.find((c) => c.type === t)) !== JSON.stringify(b.conditions?.find((c) => c.type === t)));
  return [...fields, ...conditions.map((t) => `conditions.${t}`)];
}

/**
 * The operator's debug lines (`--log-level debug`) about `key`, and its analysis rounds, logged between
 * `from` and `to` (ms since the epoch): each as seconds after `zero` and the line's own fields.
 */
function operatorLinesAbout(logs: string, key: string, from: number, to: number, zero: number): string[] {
  const out: string[] = [];
  for (const line of logs.split('\n')) {
    if (!line.includes(`"${key}"`) && !line.includes('"Measured an analysis round"')) continue;
    let entry: Record<string, unknown>;
    try { entry = JSON.parse(line) as Record<string, unknown>; } catch { continue; }
    const time = Number(entry.time);
    if (!(time >= from && time <= to)) continue;
    const { time: _t, level: _l, pid: _p, hostname: _h, component: _c, msg, modelVariant: _m, ...rest } = entry;
    out.push(`${((time - zero) / 1000).toFixed(2)} s: ${String(msg)} ${JSON.stringify(rest)}`);
  }
  return out;
}

/** A status in one line for a trail: seconds after `due`, phase, step, weight, verdict and message. */
const trailLine = (at: number, due: number, s: NonNullable<ModelVariant['status']>) =>
  `${((at - due) / 1000).toFixed(2)} s: ${s.phase} step ${s.currentStepIndex ?? '-'} weight ${s.canaryWeight ?? '-'} ` +
  `analysis ${s.analysis?.verdict ?? '-'} (run ${s.analysis?.lastRunAt ?? '-'}): ${s.message ?? ''}`;

/**
 * Watches the namespace's ModelVariants and records, for each step a rolling one completes, how late
 * it ended: the moment the watch shows the next step (or promotion) minus weightReachedAt + pause.
 */
function watchSteps(ns: string, rolling: Set<string>): { timings: StepTiming[]; last: Map<string, ModelVariant>; trail(name: string): string[]; stop(): void } {
  const timings: StepTiming[] = [];
  const last = new Map<string, ModelVariant>();
  const seen = new Map<string, { at: number; status: NonNullable<ModelVariant['status']> }[]>();
  let controller: AbortController | undefined;
  let stopped = false;
  const start = async () => {
    controller = await new k8s.Watch(kubeConfig()).watch(mvPath(ns), {}, (phase, obj: ModelVariant) => {
      const name = obj.metadata?.name ?? '';
      const at = Date.now();
      const was = last.get(name);
      last.set(name, obj);
      if (phase === 'DELETED' || !rolling.has(name)) return;
      const history = seen.get(name) ?? [];
      history.push({ at, status: obj.status ?? {} });
      seen.set(name, history);
      if (!was?.status?.weightReachedAt) return;
      const s = was.status;
      const now = obj.status ?? {};
      // A step ends when the next one starts or, after the last, when promotion starts.
      const advanced = (now.currentStepIndex ?? -1) > (s.currentStepIndex ?? -1) || now.phase === 'Promoting' || now.phase === 'Healthy';
      if (s.phase !== 'Progressing' || !advanced) return;
      const due = Date.parse(s.weightReachedAt ?? '') + PAUSE_MS;
      const decided = Date.parse(now.stepStartedAt ?? '');
      timings.push({ name, step: s.currentStepIndex ?? 0, errorS: (at - due) / 1000, decidedErrorS: (decided - due) / 1000, dueAt: due, endedAt: at,
        trail: history.filter((h) => h.at >= due - 1000).map((h) => trailLine(h.at, due, h.status)) });
    }, () => { if (!stopped) void start(); });
  };
  void start();
  // Every status the watch saw of one ModelVariant in the wave, times from the first, each with the
  // status fields (and condition types) that differ from the one before.
  const trail = (name: string) => {
    const history = seen.get(name) ?? [];
    return history.map((h, i) => `${trailLine(h.at, history[0]?.at ?? 0, h.status)} [changed: ${changedFields(history[i - 1]?.status ?? {}, h.status).join(', ') || 'no status field'}]`);
  };
  return { timings, last, trail, stop: () => { stopped = true; controller?.abort(); } };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN) : NaN;
};

/** A distribution's p50, p99 and max, and how many values it has. */
interface Spread { p50: number; p99: number; max: number; n: number }
const spread = (xs: number[]): Spread => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs), n: xs.length });

interface Result {
  models: number;
  rolling: number;
  rollingBack: number;
  createdToHealthyS: number;
  rest: Window;
  wave: Window & { outcome: string; stepErrorS: Spread; decidedErrorS: Spread; latest: StepTiming[] };
}

/** One N in a namespace of its own; `leftover` pods of the previous N may still hold GPUs while their namespace goes. */
async function runOne(n: number, leftover: number, nodeNames: string[]): Promise<Result> {
  const rollingCount = Math.max(1, Math.round(n * Number(args.rolling)));
  const backFraction = Number(args.rollback);
  const backCount = backFraction > 0 && !args['no-analysis'] ? Math.min(rollingCount, Math.max(2, Math.round(n * backFraction))) : 0;
  await ensureGpuNodes(Math.ceil((n + rollingCount + leftover) * 1.25 / GPUS_PER_NODE), nodeNames);
  const telemetry: TelemetryTargets = telemetryTargets({ targetsDir: clusterState().prometheusTargetsDir, tickMs: 250 });
  const ns = await createTestNamespace(`scale-${n}`);
  const user = `scale-operator-${ns}`;
  const prometheusUrl = clusterState().prometheusUrl;
  const names = Array.from({ length: n }, (_, i) => `m${String(i).padStart(4, '0')}`);
  const rolling = names.slice(0, rollingCount);
  const back = new Set(rolling.slice(0, backCount));
  const extra = (args['operator-args'] ?? '').split(' ').filter(Boolean);
  const env = Object.fromEntries((args['operator-env'] ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false', ...(args.workers ? ['--workers', args.workers] : []),
    ...(args['explain-late'] ? ['--log-level', 'debug'] : []), ...extra], user,
    env: { ...env, ...(args['node-options'] !== undefined ? { NODE_OPTIONS: args['node-options'] } : {}) } });
  try {
    await operator.port();
    const heapLimit = /"heapSizeLimitMiB":(\d+)[^\n]*"msg":"V8 heap limit"/.exec(operator.logs())?.[1] ?? '?';
    log(`N=${n}: operator pid ${operator.child.pid} in ${ns} (V8 heap limit ${heapLimit} MiB, NODE_OPTIONS '${operator.nodeOptions}'); ${rolling.length} to roll out${args['no-analysis'] ? ' without analysis' : `, with exporters (${back.size} with a failing canary)`}`);
    for (const name of args['no-analysis'] ? [] : rolling) {
      for (const role of ['stable', 'canary'] as const) {
        const failing = role === 'canary' && back.has(name);
        await telemetry.pod({ namespace: ns, model: name, role, variant: role === 'stable' ? 'relu' : 'gelu', pod: `${name}-${role}-0` },
          { traffic: failing ? { ...HEALTHY, errorFraction: 0.5 } : HEALTHY });
      }
    }
    const created = Date.now();
    await pool(names, 16, (name) => custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns,
      body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace: ns }, spec: specOf(rolling.includes(name), prometheusUrl) } }));
    const list = async () => ((await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns })) as { items: ModelVariant[] }).items;
    await eventually(`N=${n}: all Healthy`, async () => {
      const healthy = (await list()).filter((m) => m.status?.phase === 'Healthy').length;
      return healthy === n ? true : undefined;
    }, 120_000 + n * 1000, 2000);
    const createdToHealthyS = (Date.now() - created) / 1000;
    log(`N=${n}: all Healthy ${createdToHealthyS.toFixed(0)} s after the first create; ${REST_MS / 1000} s at rest`);
    await sleep(5000); // the last status writes and events settle
    const rest = await measure(operator, user, async () => { await sleep(REST_MS); });

    log(`N=${n}: the wave: ${rolling.length} to gelu at once`);
    const watcher = watchSteps(ns, new Set(rolling));
    await sleep(1000);
    let outcome = '';
    const wave = await measure(operator, user, async () => {
      await pool(rolling, 16, (name) => custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name, body: { spec: { activation: 'gelu' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)));
      const started = Date.now();
      for (;;) {
        await sleep(1000);
        const mvs = rolling.map((name) => watcher.last.get(name));
        const promoted = mvs.filter((m) => m?.status?.phase === 'Healthy' && m.status.stableActivation === 'gelu').length;
        const rolledBack = mvs.filter((m) => m?.status?.phase === 'Degraded').length;
        outcome = `${promoted} promoted, ${rolledBack} rolled back of ${rolling.length} (${back.size} meant to roll back) after ${((Date.now() - started) / 1000).toFixed(0)} s`;
        if (promoted + rolledBack === rolling.length || Date.now() - started > TIMEOUT_MS) break;
      }
    });
    watcher.stop();
    const latest = [...watcher.timings].sort((a, b) => b.errorS - a.errorS).slice(0, 3);
    log(`N=${n}: ${outcome}`);
    const traced = rolling.find((name) => !back.has(name));
    if (traced) log(`N=${n}: every status the watch saw of ${traced} from just before the wave (the watch's first event, then the patch's own):\n  ${watcher.trail(traced).join('\n  ')}`);
    for (const t of latest) {
      log(`N=${n}: late step: ${t.name} step ${t.step + 1} ended ${t.errorS.toFixed(2)} s late (decided ${t.decidedErrorS.toFixed(2)} s late); the watch saw:\n  ${t.trail.join('\n  ')}`);
      if (args['explain-late']) log(`N=${n}: what the operator logged of ${t.name} and of analysis rounds from 7 s before it was due to 3 s after the watch saw it end (times from the due instant):\n  ${operatorLinesAbout(operator.logs(), `${ns}/${t.name}`, t.dueAt - 7000, t.endedAt + 3000, t.dueAt).join('\n  ')}`);
    }
    return {
      models: n, rolling: rolling.length, rollingBack: back.size, createdToHealthyS, rest,
      wave: { ...wave, outcome, stepErrorS: spread(watcher.timings.map((t) => t.errorS)), decidedErrorS: spread(watcher.timings.map((t) => t.decidedErrorS)), latest },
    };
  } finally {
    await operator.stop();
    await telemetry.close();
    await deleteTestNamespace(ns).catch(() => undefined);
  }
}

/** A histogram's p99 bucket bound in seconds, or 'no reconcile' when the window had none. */
const p99 = (s: number): string => (Number.isFinite(s) ? `≤ ${s.toFixed(3)} s` : 'no reconcile');

function table(results: Result[]): string {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
  const verbs = (w: Window) => Object.entries(w.requestsPerMin).map(([v, x]) => `${v} ${f(x, 0)}`).join(', ') || 'none';
  const rows: [string, (r: Result) => string][] = [
    ['rolling (of which rolling back)', (r) => `${r.rolling} (${r.rollingBack})`],
    ['created → all Healthy', (r) => `${f(r.createdToHealthyS, 0)} s`],
    ['RSS at rest / wave peak', (r) => `${f(r.rest.rssMiB.peak, 0)} / ${f(r.wave.rssMiB.peak, 0)} MiB`],
    ['RSS at its wave peak: anonymous / file', (r) => `${f(r.wave.rssAtPeakMiB.anon, 0)} / ${f(r.wave.rssAtPeakMiB.file, 0)} MiB`],
    ['V8 heap committed / external, wave peak', (r) => `${f(r.wave.heapTotalPeakMiB, 0)} / ${f(r.wave.externalPeakMiB, 0)} MiB`],
    ['V8 heap used at rest / wave peak / after', (r) => `${f(r.rest.heapUsedMiB, 0)} / ${f(r.wave.heapUsedPeakMiB, 0)} / ${f(r.wave.heapUsedMiB, 0)} MiB`],
    ['CPU at rest / wave', (r) => `${f(r.rest.cpuCores, 2)} / ${f(r.wave.cpuCores, 2)} cores`],
    ['apiserver requests/min at rest', (r) => verbs(r.rest)],
    ['apiserver requests/min in the wave', (r) => verbs(r.wave)],
    ['wave outcome', (r) => r.wave.outcome],
    ['step timing error p50 / p99 / max', (r) => `${f(r.wave.stepErrorS.p50, 2)} / ${f(r.wave.stepErrorS.p99, 2)} / ${f(r.wave.stepErrorS.max, 2)} s (${r.wave.stepErrorS.n} steps)`],
    ['  of it, until the operator decided', (r) => `${f(r.wave.decidedErrorS.p50, 2)} / ${f(r.wave.decidedErrorS.p99, 2)} / ${f(r.wave.decidedErrorS.max, 2)} s`],
    ['cluster-wide LISTs of pods and nodes (wave)', (r) => String(r.wave.podNodeLists)],
    ['status PATCHes per ModelVariant written (wave)', (r) => f(r.wave.statusPatchesPerWritten, 1)],
    ['Prometheus queries per interval (wave)', (r) => f(r.wave.promQueriesPerInterval, 0)],
    ['reconciles at rest / in the wave', (r) => `${r.rest.reconciles} / ${r.wave.reconciles}`],
    ['reconcile latency p99 at rest / wave', (r) => `${p99(r.rest.reconcileP99S)} / ${p99(r.wave.reconcileP99S)}`],
    ['work queue depth max (wave)', (r) => f(r.wave.queueDepthMax, 0)],
    ['queue wait p99 (wave)', (r) => p99(r.wave.queueWaitP99S).replace('no reconcile', 'none')],
    ['analysis round p99 (wave)', (r) => p99(r.wave.analysisRoundP99S).replace('no reconcile', 'no round')],
    ['event loop delay max (wave)', (r) => `${f(r.wave.eventLoopLagMaxS, 2)} s, in the second before ${f(r.wave.eventLoopLagMaxAtS, 0)} s into it`],
    ['major GCs in the wave: count, pauses summed', (r) => `${r.wave.majorGc.count}, ${f(r.wave.majorGc.seconds, 2)} s`],
  ];
  return rows.map(([what, cell]) => `${what.padEnd(40)} ${results.map((r) => `N=${r.models}: ${cell(r)}`).join(' | ')}`).join('\n');
}

const nodeNames: string[] = [];
const results: Result[] = [];
/** Set once the run got to the end: a run that threw keeps its cluster directory for its logs. */
let finished = false;
try {
  for (const [i, n] of SIZES.entries()) {
    results.push(await runOne(n, i > 0 ? Math.round((SIZES[i - 1] ?? 0) * 1.1) : 0, nodeNames));
    if (!args.json) console.log(`\n${table(results.slice(-1))}\n`);
  }
  console.log(args.json ? JSON.stringify(results, null, 2) : `\nAll sizes:\n${table(results)}`);
  finished = true;
} finally {
  await pool(nodeNames, 8, (name) => core.deleteNode({ name }).catch(() => undefined));
  await bench.stop({ keepDir: !finished });
}
