/**
 * Benchmark (not a test: it prints figures) of what the operator costs the apiserver, before and after:
 * the operator of this checkout and the operator of the previous release run side by side on one local
 * control plane, each watching a namespace of its own under a user of its own, each with the same
 * ModelVariants (25, of which 3 roll out); the apiserver's audit log counts their requests. Per
 * operator it prints, for a window at rest (after everything has been Healthy for `--settle`) and a
 * fixed window from the moment the rollouts start: status PATCHes/s (and how many ModelVariants they
 * touched), cluster-wide pod LISTs/s, all LISTs/s, total writes, reconciles, and the ratio
 * previous/this; and when each operator had all its rollouts promoted.
 *
 * How to run (from this checkout):
 *
 *   git worktree add /tmp/ac-old c90aa7b && (cd /tmp/ac-old && npm ci)   # the previous release, once
 *   node bench/operator-requests.bench.ts [--old /tmp/ac-old] [--models 25] [--rollouts 3]
 *        [--replicas 2] [--settle 10s] [--rest 20s] [--window 60s] [--resync 2s] [--dir <cluster dir>] [--json]
 *   git worktree remove --force /tmp/ac-old                               # when done; never commit it
 *
 * The local control plane is started once, as `node test/harness/cli.ts up --dir <dir>` does, and
 * stopped at the end; with `--dir` naming a running one (`make cluster-up` uses `.cluster`), that one
 * is used and left running. Pods ask for an extended resource of two fake nodes the benchmark adds (so
 * the capacity path runs, and other pods cannot change it), become Ready 2–4 s after they start and
 * take 1 s to go. Both operators run with the same flags: `--namespace <ns> --leader-elect=false`, and
 * `--resync <d>` when given (the default, 5m, means no resync happens within the windows).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION, type ModelVariant } from '../src/api/types.ts';
import { parseDuration } from '../src/util/duration.ts';
import { readAuditEvents, type AuditEvent } from '../test/harness/audit.ts';
import { fakeGpuNode } from '../test/harness/cluster.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../test/harness/env.ts';
import { benchCluster } from '../test/harness/launcher.ts';
import { startOperator, type RunningOperator } from '../test/harness/operator.ts';
import { withPodLifecycle } from '../test/harness/pod-lifecycle.ts';

const { values: args } = parseArgs({
  options: {
    old: { type: 'string', default: '/tmp/ac-old' },
    models: { type: 'string', default: '25' },
    rollouts: { type: 'string', default: '3' },
    replicas: { type: 'string', default: '2' },
    settle: { type: 'string', default: '10s' },
    rest: { type: 'string', default: '20s' },
    window: { type: 'string', default: '60s' },
    resync: { type: 'string' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const MODELS = Number(args.models);
const ROLLOUTS = Math.min(MODELS, Number(args.rollouts));
const REPLICAS = Number(args.replicas);
const SETTLE_MS = parseDuration(args.settle ?? '') ?? 10_000;
const REST_MS = parseDuration(args.rest ?? '') ?? 20_000;
const WINDOW_MS = parseDuration(args.window ?? '') ?? 60_000;
const OLD_ROOT = resolve(args.old ?? '/tmp/ac-old');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => { if (!args.json) console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`); };

// The cluster: a running one in --dir, else one of our own, stopped at the end.
const bench = await benchCluster(log, { dir: args.dir, prefix: 'bench' });

const suffix = Math.random().toString(36).slice(2, 7);
const RESOURCE = `bench-${suffix}.example.com/gpu`;
const NODES = [`bench-${suffix}-a`, `bench-${suffix}-b`];
const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
const custom = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const template = withPodLifecycle({
  metadata: { labels: { app: 'model' } },
  spec: { containers: [{ name: 'server', image: 'example.com/model-server:1.0', ports: [{ name: 'http', containerPort: 8080 }], resources: { limits: { [RESOURCE]: '1' } } }] },
}, { readyDelay: '2s', readyJitter: '2s', terminationDelay: '1s' });

interface Side {
  label: string;
  root: string;
  namespace: string;
  operator: RunningOperator;
  /** When every rollout was promoted (ms since the epoch), if it was within the window. */
  promotedAt?: number;
}

async function listModelVariants(namespace: string): Promise<ModelVariant[]> {
  return ((await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace })) as { items: ModelVariant[] }).items;
}

async function reconciles(op: RunningOperator): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${await op.port()}/metrics`)).text();
  return [...text.matchAll(/^activation_canary_reconcile_total\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
}

/** The figures of one operator's requests in a window. */
function figures(events: AuditEvent[], seconds: number, reconciled: number) {
  const count = (pred: (e: AuditEvent) => boolean) => events.filter(pred).length;
  const writes = count((e) => ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(e.verb));
  const isStatusWrite = (e: AuditEvent) => (e.verb === 'patch' || e.verb === 'update') && e.resource === 'modelvariants' && e.subresource === 'status';
  const statusWrites = count(isStatusWrite);
  const statusWritten = new Set(events.filter(isStatusWrite).map((e) => e.name)).size;
  const podListsClusterWide = count((e) => e.verb === 'list' && e.resource === 'pods' && !e.namespace);
  const lists = count((e) => e.verb === 'list');
  const byKind = new Map<string, number>();
  for (const e of events) {
    if (e.verb === 'watch') continue;
    const key = `${e.verb} ${e.resource}${e.subresource ? `/${e.subresource}` : ''}${e.verb === 'list' && !e.namespace ? ' (cluster-wide)' : ''}`;
    byKind.set(key, (byKind.get(key) ?? 0) + 1);
  }
  return {
    seconds, reconciles: reconciled,
    statusPatchesPerS: statusWrites / seconds, podListsClusterWidePerS: podListsClusterWide / seconds, listsPerS: lists / seconds,
    writes, statusWrites, statusWritten, podListsClusterWide, lists,
    requests: [...byKind].sort((a, b) => b[1] - a[1]),
  };
}
type Figures = ReturnType<typeof figures>;

async function measure(sides: Side[], ms: number, during?: () => Promise<void>): Promise<Figures[]> {
  const before = await Promise.all(sides.map((s) => reconciles(s.operator)));
  const since = Date.now();
  await Promise.all([sleep(ms), during?.()]);
  const until = since + ms;
  const after = await Promise.all(sides.map((s) => reconciles(s.operator)));
  return Promise.all(sides.map(async (s, i) =>
    figures(await readAuditEvents({ user: s.operator.user, since, until }), ms / 1000, (after[i] ?? 0) - (before[i] ?? 0))));
}

const sides: Side[] = [];
/** Set once the run got to the end: a run that threw keeps its cluster directory for its logs. */
let finished = false;
try {
  for (const name of NODES) {
    const node = fakeGpuNode(name, 0) as k8s.V1Node;
    const resources = { ...node.status?.capacity, [RESOURCE]: '200', pods: '500' };
    await core.createNode({ body: { ...node, status: { ...node.status, capacity: resources, allocatable: resources } } });
  }
  await eventually('bench nodes Ready', async () => {
    const nodes = await core.listNode({});
    return NODES.every((n) => nodes.items.find((x) => x.metadata?.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
  });

  for (const [label, root] of [['this checkout', resolve(import.meta.dirname, '..')], ['previous (c90aa7b)', OLD_ROOT]] as const) {
    const namespace = await createTestNamespace(`bench-${label.startsWith('this') ? 'new' : 'old'}`);
    const flags = ['--namespace', namespace, '--leader-elect=false', ...(args.resync ? [`--resync=${args.resync}`] : [])];
    const operator = startOperator({ root, args: flags, user: `bench-${namespace}` });
    sides.push({ label, root, namespace, operator });
  }
  await Promise.all(sides.map((s) => s.operator.port()));
  log(`operators running: ${sides.map((s) => `${s.label} in ${s.namespace} (pid ${s.operator.child.pid})`).join(', ')}`);

  const names = Array.from({ length: MODELS }, (_, i) => `model-${String(i).padStart(2, '0')}`);
  for (const s of sides) {
    for (const name of names) {
      await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: s.namespace, body: {
        apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace: s.namespace },
        spec: { activation: 'relu', replicas: REPLICAS, template, strategy: { steps: [{ setWeight: 50, pause: '10s' }] } },
      } });
    }
  }
  await eventually(`all ${MODELS} ModelVariants Healthy on both sides`, async () => {
    const healthy = await Promise.all(sides.map(async (s) => (await listModelVariants(s.namespace)).filter((m) => m.status?.phase === 'Healthy').length));
    return healthy.every((n) => n === MODELS) ? true : undefined;
  }, 180_000, 1000);
  log(`${MODELS} ModelVariants Healthy on both sides; ${SETTLE_MS / 1000} s to settle, then ${REST_MS / 1000} s at rest`);
  const settle = await measure(sides, SETTLE_MS);
  const rest = await measure(sides, REST_MS);

  log(`rolling out ${ROLLOUTS} of ${MODELS} on both sides; measuring ${WINDOW_MS / 1000} s`);
  const rolledOut = names.slice(0, ROLLOUTS);
  const started = Date.now();
  const rollout = await measure(sides, WINDOW_MS, async () => {
    await Promise.all(sides.flatMap((s) => rolledOut.map((name) => custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: s.namespace, name, body: { spec: { activation: 'gelu' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)))));
    // When each side has promoted all of its rollouts (polled once a second, within the window).
    while (Date.now() - started < WINDOW_MS - 1000 && sides.some((s) => s.promotedAt === undefined)) {
      await sleep(1000);
      for (const s of sides.filter((x) => x.promotedAt === undefined)) {
        const mvs = await listModelVariants(s.namespace);
        if (rolledOut.every((n) => mvs.some((m) => m.metadata?.name === n && m.status?.phase === 'Healthy' && m.status.stableActivation === 'gelu'))) s.promotedAt = Date.now();
      }
    }
  });

  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '1' : '∞') : (a / b).toFixed(1));
  const report = { models: MODELS, rollouts: ROLLOUTS, replicas: REPLICAS, sides: sides.map((s, i) => ({
    operator: s.label, namespace: s.namespace, user: s.operator.user,
    promotedAfterS: s.promotedAt ? (s.promotedAt - started) / 1000 : null, settle: settle[i], rest: rest[i], rollout: rollout[i],
  })) };
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const [now, old] = [0, 1];
    const row = (what: string, f: (x: Figures) => number, digits: number, w: Figures[]) => {
      const a = f(w[now] as Figures);
      const b = f(w[old] as Figures);
      return `  ${what.padEnd(40)} ${a.toFixed(digits).padStart(10)} ${b.toFixed(digits).padStart(12)} ${ratio(b, a).padStart(10)}`;
    };
    const table = (title: string, w: Figures[]) => [
      `${title} (${(w[0]?.seconds ?? 0).toFixed(0)} s)`,
      `  ${''.padEnd(40)} ${'this'.padStart(10)} ${'previous'.padStart(12)} ${'prev/this'.padStart(10)}`,
      row('status PATCHes/s', (x) => x.statusPatchesPerS, 2, w),
      row('cluster-wide pod LISTs/s', (x) => x.podListsClusterWidePerS, 2, w),
      row('LISTs/s (all)', (x) => x.listsPerS, 2, w),
      row('ModelVariants whose status was written', (x) => x.statusWritten, 0, w),
      row('writes in the window', (x) => x.writes, 0, w),
      row('reconciles in the window', (x) => x.reconciles, 0, w),
    ].join('\n');
    console.log(`\n${MODELS} ModelVariants × ${REPLICAS} replicas per operator, ${ROLLOUTS} rolling out (one step at 50 %, pause 10 s, then promotion), ` +
      `resync ${args.resync ?? 'default (5m)'}\n`);
    console.log(table('settling, right after all were Healthy', settle));
    console.log(`\n${table('at rest', rest)}`);
    console.log(`\n${table(`from the rollouts' start`, rollout)}`);
    console.log(`\n  all ${ROLLOUTS} promoted after: ${report.sides.map((s) => `${s.operator} ${s.promotedAfterS === null ? `not within ${WINDOW_MS / 1000} s` : `${s.promotedAfterS.toFixed(0)} s`}`).join(', ')}`);
    for (const [i, s] of sides.entries()) {
      console.log(`\n  requests of ${s.label} from the rollouts' start (watches left out):\n${(rollout[i]?.requests ?? []).slice(0, 10).map(([k, n]) => `    ${String(n).padStart(6)}  ${k}`).join('\n')}`);
    }
  }
  finished = true;
} finally {
  await Promise.all(sides.map((s) => s.operator.stop()));
  for (const s of sides) await deleteTestNamespace(s.namespace).catch(() => undefined);
  for (const name of NODES) await core.deleteNode({ name }).catch(() => undefined);
  await bench.stop({ keepDir: !finished });
}
