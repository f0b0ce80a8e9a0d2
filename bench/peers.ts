/**
 * Benchmark (not a test: it prints figures) of this operator side by side with Argo Rollouts and
 * Flagger, in one run on one local control plane (the harness' etcd, kube-apiserver, kube-controller-
 * manager, kube-scheduler, kwok, and its real Prometheus scraping every second): the same workload
 * (bench/peers/workloads.ts), the same steps, the same SLI and the same fault, each controller set to
 * its fastest documented reaction. Two rounds, the three controllers at once in each:
 *
 * 1. a healthy rollout (relu → gelu): how long until promoted, what it cost the apiserver and Prometheus;
 * 2. a faulty rollout, three times (--fault-rounds): 4 s after the canary first takes traffic, its reference variant server is
 *    replaced by one started with FAULT_ERROR_FRACTION=0.5 (bench/peers/variant-pair.ts); rollback
 *    latency = the canary at 0 % − the fault being queryable (bench/peers/report.ts says exactly how
 *    each is observed).
 *
 * The workloads' pods are kwok pods; their telemetry comes from the reference variant server running
 * as local processes (stable and canary per workload, bench/peers/variant-pair.ts) under an open-loop
 * load of 10 requests/s each, scraped with the labels the built-in SLIs select on.
 *
 * How to run (make bench-peers does both):
 *
 *   hack/tools.sh peers        # builds Argo Rollouts and Flagger from the Go module proxy, cached by version
 *   node bench/peers.ts [--fault-delay 4] [--fault-rounds 3] [--timeout 240] [--dir <running cluster dir>]
 *        [--controllers activation-canary,argo-rollouts,flagger] [--operator-root <checkout>] [--json]
 *
 * --operator-root runs the operator of another checkout (e.g. an export of main: git archive main | tar -x -C /tmp/x).
 *
 * With --dir naming a running cluster (make cluster-up uses .cluster) that one is used and left running;
 * otherwise one is started and stopped at the end. Logs of the peers are in <cluster dir>/logs/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { isWrite, readAuditEvents } from '../test/harness/audit.ts';
import { REPO_ROOT } from '../test/harness/binaries.ts';
import { fakeGpuNode } from '../test/harness/cluster.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../test/harness/env.ts';
import { benchCluster } from '../test/harness/launcher.ts';
import { startController, type RunningController } from './peers/controllers.ts';
import { watchObjects, type ObjectWatch, type Objects } from './peers/object-watch.ts';
import { startQueryCounter, type QueryCounter } from './peers/query-counter.ts';
import { formatTable, type ControllerFigures, type FaultFigures, type RolloutFigures } from './peers/report.ts';
import { startVariantPair, type VariantPair } from './peers/variant-pair.ts';
import { ANALYSIS_INTERVAL_S, CONTROLLERS, errorRateQuery, MAX_ERROR_RATIO, SETTINGS, SLI_WINDOW, workloadFor, type ControllerName, type Workload } from './peers/workloads.ts';

const { values: args } = parseArgs({
  options: {
    'fault-delay': { type: 'string', default: '4' },
    'fault-rounds': { type: 'string', default: '3' },
    timeout: { type: 'string', default: '240' },
    dir: { type: 'string' },
    controllers: { type: 'string', default: CONTROLLERS.join(',') },
    'operator-root': { type: 'string', default: REPO_ROOT },
    json: { type: 'boolean', default: false },
  },
});
const selected = (args.controllers ?? '').split(',').map((c) => c.trim()).filter(Boolean);
const unknown = selected.filter((c) => !(CONTROLLERS as readonly string[]).includes(c));
if (unknown.length > 0 || !selected.includes('activation-canary')) {
  throw new Error(`--controllers: a comma-separated list of ${CONTROLLERS.join(', ')} that includes activation-canary (the ratios are to it); got ${JSON.stringify(args.controllers)}`);
}
const chosen = CONTROLLERS.filter((c) => selected.includes(c));
/** The fault: the variant server's error knob, which the SLI every controller judges (errorRate) sees. */
const faultEnv = { FAULT_ERROR_FRACTION: '0.5' };
/** A non-negative number of seconds from a flag, in ms; anything else stops the bench with the flag's name. */
const secondsFlag = (flag: string, value: string | undefined): number => {
  const n = Number(value);
  if (!(n >= 0)) throw new Error(`--${flag} must be a number of seconds ≥ 0, not ${JSON.stringify(value)}`);
  return n * 1000;
};
const FAULT_DELAY_MS = secondsFlag('fault-delay', args['fault-delay']);
const TIMEOUT_MS = secondsFlag('timeout', args.timeout);
const FAULT_ROUNDS = Number(args['fault-rounds']);
if (!Number.isInteger(FAULT_ROUNDS) || FAULT_ROUNDS < 1) throw new Error(`--fault-rounds must be a whole number ≥ 1, not ${JSON.stringify(args['fault-rounds'])}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => { if (!args.json) console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`); };

// The peers' binaries and CRDs, from hack/tools.sh (the one place that knows versions and the cache).
const paths = Object.fromEntries(execFileSync(join(REPO_ROOT, 'hack', 'tools.sh'), ['paths'], { encoding: 'utf8' }).trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
const bins = { argoRollouts: paths.ARGO_ROLLOUTS_BIN ?? '', flagger: paths.FLAGGER_BIN ?? '' };
const peerFiles: Record<string, string[]> = {
  'argo-rollouts': [bins.argoRollouts, paths.ARGO_ROLLOUTS_CRDS ?? ''],
  flagger: [bins.flagger, paths.FLAGGER_CRDS ?? ''],
};
const crdDirs = chosen.flatMap((c) => peerFiles[c]?.slice(1) ?? []);
const missing = chosen.flatMap((c) => (peerFiles[c] ?? []).filter((p) => !existsSync(p)).map((p) => `${c}: ${p}`));
if (missing.length > 0) {
  console.error(`missing: ${missing.join(', ')}\nbuild the peers first: hack/tools.sh peers (or make bench-peers, which does it), or leave them out with --controllers`);
  process.exit(2);
}

const bench = await benchCluster(log, { dir: args.dir, prefix: 'peers' });
const state = bench.state;

const kc = kubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const objectsApi = k8s.KubernetesObjectApi.makeApiClient(kc);
const kubectl = (...a: string[]) => execFileSync(join(paths.K8S_BIN ?? '', 'kubectl'), [`--kubeconfig=${state.kubeconfig}`, ...a], { encoding: 'utf8' });
const suffix = Math.random().toString(36).slice(2, 7);
const RESOURCE = `peers-${suffix}.example.com/gpu`;
const NODES = [`peers-${suffix}-a`, `peers-${suffix}-b`];

interface Side {
  name: ControllerName;
  namespace: string;
  counter: QueryCounter;
  controller: RunningController;
  rssPeak: number | null;
}

/** One workload under watch: when its canary first took traffic, first was at 0 % after a time, and its outcome. */
interface Tracked {
  workload: Workload;
  watch: ObjectWatch;
  firstTrafficAt: number | null;
  /** Set by the fault round: canary-at-0 % observations count only after this time. */
  zeroAfter: number | null;
  canaryZeroAt: number | null;
  outcomeAt: number | null;
  outcome: 'promoted' | 'rolledBack' | null;
  armed: boolean;
}

async function track(workload: Workload): Promise<Tracked> {
  const t: Tracked = { workload, watch: undefined as unknown as ObjectWatch, firstTrafficAt: null, zeroAfter: null, canaryZeroAt: null, outcomeAt: null, outcome: null, armed: false };
  const onChange = (o: Objects, at: number) => {
    if (!t.armed) return;
    const percent = workload.canaryPercent(o);
    if (t.firstTrafficAt === null && percent !== undefined && percent > 0) t.firstTrafficAt = at;
    if (t.zeroAfter !== null && t.canaryZeroAt === null && at >= t.zeroAfter && percent === 0) t.canaryZeroAt = at;
    const outcome = workload.outcome(o);
    if (t.outcome === null && outcome) { t.outcome = outcome; t.outcomeAt = at; }
  };
  t.watch = await watchObjects(kc, workload.watchPaths, onChange);
  return t;
}

async function apiserverRequests(user: string, since: number, until: number | null): Promise<{ requests: number; writes: number }> {
  const events = (await readAuditEvents({ user, since, until: until ?? Date.now() })).filter((e) => e.verb !== 'watch');
  return { requests: events.length, writes: events.filter(isWrite).length };
}

interface Round {
  tracked: Tracked[];
  pairs: VariantPair[];
  /** Stops the round's watches, servers and load and deletes its objects, so the next round starts from the same footing. */
  finish(): Promise<void>;
}

/** Creates each side's workload `name` with its variant servers, and waits until every controller has settled on stable. */
async function prepare(sides: Side[], name: string, fault?: Record<string, string>): Promise<Round> {
  const pairs = await Promise.all(sides.map((s) => startVariantPair({ targetsDir: state.prometheusTargetsDir, namespace: s.namespace, model: name, rate: 10, ...(fault ? { fault } : {}) })));
  running.push(...pairs.map((p) => ({ stop: () => p.close() })));
  const tracked: Tracked[] = [];
  for (const s of sides) {
    const w = workloadFor(s.name, s.namespace, name, RESOURCE);
    for (const obj of w.objects(s.counter.url)) await objectsApi.create(obj);
    const t = await track(w);
    running.push({ stop: () => t.watch.stop() });
    tracked.push(t);
  }
  await eventually(`every controller settled on the stable variant of ${name}`, async () => (tracked.every((t) => t.workload.steady(t.watch.objects)) ? true : undefined), 180_000, 250);
  // The canaries' servers scraped, with a full SLI window of traffic, before anything starts.
  await eventually(`${name}: canary error ratio queryable for every side`, async () => {
    const values = await Promise.all(sides.map((s) => queryValue(`${errorRateQuery(s.namespace, name)} and on() (sum(count_over_time(up{namespace="${s.namespace}",model="${name}",role="canary"}[${SLI_WINDOW}])) >= 10)`)));
    return values.every((v) => v !== undefined) ? true : undefined;
  }, 60_000, 500);
  return {
    tracked, pairs,
    async finish() {
      for (const t of tracked) t.watch.stop();
      await Promise.all(pairs.map((p) => p.close()));
      for (const [i, t] of tracked.entries()) {
        for (const obj of t.workload.objects((sides[i] as Side).counter.url)) await objectsApi.delete(obj).catch(() => undefined);
      }
    },
  };
}

/** The first sample's value of an instant query (now, or at `atMs`), or undefined when it has none. */
async function queryValue(promql: string, atMs?: number): Promise<number | undefined> {
  const time = atMs === undefined ? '' : `&time=${(atMs / 1000).toFixed(3)}`;
  const res = await fetch(`${state.prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}${time}`);
  const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  const v = body.data?.result?.[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

/**
 * The earliest instant in [from, until] (ms, 50 ms steps) at which `promql` evaluated at that instant
 * has an answer, asked after the fact: a sample is stamped with its scrape's start, so this is when the
 * fault became queryable, give or take a scrape's few milliseconds, whatever the bench's polling lag.
 */
async function firstAnswered(promql: string, from: number, until: number): Promise<number> {
  for (let at = from; at < until; at += 50) {
    if ((await queryValue(promql, at).catch(() => undefined)) !== undefined) return at;
  }
  return until;
}

async function applyChange(t: Tracked): Promise<number> {
  t.armed = true;
  await objectsApi.patch(t.workload.canaryChange(), undefined, undefined, 'bench-peers', undefined, k8s.PatchStrategy.MergePatch);
  return Date.now();
}

async function waitOutcome(t: Tracked, startedAt: number): Promise<void> {
  while (t.outcome === null && Date.now() - startedAt < TIMEOUT_MS) await sleep(200);
  if (t.outcome === null) log(`${t.workload.controller}: no outcome within ${TIMEOUT_MS / 1000} s (see its log)`);
}

/**
 * One faulty rollout on every side at once: each side's canary is switched to the faulty server
 * FAULT_DELAY_MS after it first takes traffic; the bench then polls until the fault is queryable and
 * waits for the outcome and for the canary at 0 %.
 */
async function faultRound(sides: Side[], name: string): Promise<FaultFigures[]> {
  const faulty = await prepare(sides, name, faultEnv);
  try {
    return await faultyRollouts(sides, faulty);
  } finally {
    await faulty.finish();
  }
}

async function faultyRollouts(sides: Side[], faulty: Round): Promise<FaultFigures[]> {
  log(`${faulty.tracked[0]?.workload.name}: rollouts whose canary gets ${Object.entries(faultEnv).map(([k, v]) => `${k}=${v}`).join(' ')} ${FAULT_DELAY_MS / 1000} s after it first takes traffic`);
  return Promise.all(faulty.tracked.map(async (t, i) => {
    const side = sides[i] as Side;
    const pair = faulty.pairs[i] as VariantPair;
    const startedAt = await applyChange(t);
    while (t.firstTrafficAt === null && t.outcome === null && Date.now() - startedAt < TIMEOUT_MS) await sleep(100);
    let faultAt: number | null = null;
    let queryableAt: number | null = null;
    if (t.firstTrafficAt !== null) {
      await sleep(Math.max(0, t.firstTrafficAt + FAULT_DELAY_MS - Date.now()));
      t.zeroAfter = Date.now();
      pair.faultOn();
      faultAt = Date.now();
      const query = `${errorRateQuery(side.namespace, pair.model)} > ${MAX_ERROR_RATIO}`;
      while (queryableAt === null && t.outcome === null && Date.now() - faultAt < TIMEOUT_MS) {
        if ((await queryValue(query).catch(() => undefined)) !== undefined) queryableAt = Date.now();
        else await sleep(100);
      }
      if (queryableAt !== null) queryableAt = await firstAnswered(query, faultAt, queryableAt);
    }
    await waitOutcome(t, startedAt);
    // Argo's replica-ratio canary reports the abort first and scales the canary down once stable is back to full size.
    while (t.zeroAfter !== null && t.canaryZeroAt === null && Date.now() - startedAt < TIMEOUT_MS) await sleep(200);
    const at = (x: number | null, from: number | null) => (x === null || from === null ? 'never' : `+${((x - from) / 1000).toFixed(1)} s`);
    log(`${side.name}: first traffic ${at(t.firstTrafficAt, startedAt)}, fault on ${at(faultAt, startedAt)}, queryable ${at(queryableAt, faultAt)} after it, ` +
      `canary at 0 % ${at(t.canaryZeroAt, queryableAt)} after that; ${t.outcome ?? 'no outcome'}`);
    const endedAt = t.outcomeAt === null ? null : Math.max(t.outcomeAt, t.canaryZeroAt ?? 0);
    const api = await apiserverRequests(side.controller.user, startedAt, endedAt);
    return {
      startedAt, endedAt, outcome: t.outcome, apiRequests: api.requests, apiWrites: api.writes,
      queries: side.counter.queries(startedAt, endedAt ?? Date.now()), faultAt, queryableAt, canaryZeroAt: t.canaryZeroAt,
    };
  }));
}

const sides: Side[] = [];
/** What the finally block stops, last started first. */
const running: { stop(): Promise<void> | void }[] = [];
/** Set once the run got to the end: a run that threw keeps its cluster directory for its logs. */
let finished = false;
try {
  if (crdDirs.length > 0) {
    kubectl('apply', '--server-side', '--force-conflicts', ...crdDirs.flatMap((d) => ['-f', d]));
    kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all');
  }
  for (const name of NODES) {
    const node = fakeGpuNode(name, 0) as k8s.V1Node;
    const resources = { ...node.status?.capacity, [RESOURCE]: '100', pods: '200' };
    await core.createNode({ body: { ...node, status: { ...node.status, capacity: resources, allocatable: resources } } });
  }
  for (const name of chosen) {
    const namespace = await createTestNamespace(`peers-${name.split('-')[0]}`);
    const counter = await startQueryCounter(state.prometheusUrl);
    running.push({ stop: () => counter.close() });
    const controller = await startController({ name, namespace, prometheusUrl: counter.url, logDir: join(bench.dir, 'logs'), bins, operatorRoot: resolve(args['operator-root'] ?? REPO_ROOT) });
    running.push(controller);
    sides.push({ name, namespace, counter, controller, rssPeak: null });
    log(`${name} running in ${namespace} (pid ${controller.pid}, log ${controller.logFile})`);
  }
  const rssTimer = setInterval(() => {
    for (const s of sides) {
      const rss = s.controller.rssBytes();
      if (rss !== undefined) s.rssPeak = Math.max(s.rssPeak ?? 0, rss);
    }
  }, 1000);
  running.push({ stop: () => clearInterval(rssTimer) });

  // Round 1: a healthy rollout on every side at once.
  const healthy = await prepare(sides, 'model-healthy');
  log('round 1: healthy rollouts (relu → gelu) on every side');
  const promote: RolloutFigures[] = await Promise.all(healthy.tracked.map(async (t, i) => {
    const startedAt = await applyChange(t);
    await waitOutcome(t, startedAt);
    const side = sides[i] as Side;
    const api = await apiserverRequests(side.controller.user, startedAt, t.outcomeAt);
    log(`${side.name}: ${t.outcome ?? 'no outcome'} after ${t.outcomeAt ? ((t.outcomeAt - startedAt) / 1000).toFixed(1) : '–'} s`);
    return { startedAt, endedAt: t.outcomeAt, outcome: t.outcome, apiRequests: api.requests, apiWrites: api.writes, queries: side.counter.queries(startedAt, t.outcomeAt ?? Date.now()) };
  }));
  await healthy.finish();

  // Round 2, FAULT_ROUNDS times: the fault, switched on in the canary mid-step (a fresh workload each time).
  const faults: FaultFigures[][] = sides.map(() => []);
  for (let round = 1; round <= FAULT_ROUNDS; round++) {
    const result = await faultRound(sides, `model-faulty-${round}`);
    result.forEach((r, i) => faults[i]?.push(r));
  }

  const figures: ControllerFigures[] = sides.map((s, i) => ({
    controller: s.name, analysisIntervalS: ANALYSIS_INTERVAL_S[s.name], promote: promote[i] as RolloutFigures, faults: faults[i] ?? [],
    rssPeakBytes: s.rssPeak, rssEndBytes: s.controller.rssBytes() ?? null,
  }));
  if (args.json) {
    console.log(JSON.stringify({ fault: faultEnv, settings: SETTINGS, figures }, null, 2));
  } else {
    console.log(`\nSide by side, one run, fault ${Object.entries(faultEnv).map(([k, v]) => `${k}=${v}`).join(' ')}, operator of ${resolve(args['operator-root'] ?? REPO_ROOT)} (${new Date().toISOString()})\n`);
    console.log(formatTable(figures));
    console.log('\nSettings:');
    for (const s of sides) console.log(`- ${s.name}: ${SETTINGS[s.name]}`);
  }
  finished = true;
} finally {
  for (const r of running.reverse()) await Promise.resolve(r.stop()).catch(() => undefined);
  for (const s of sides) await deleteTestNamespace(s.namespace).catch(() => undefined);
  for (const name of NODES) await core.deleteNode({ name }).catch(() => undefined);
  await bench.stop({ keepDir: !finished });
}
