/**
 * `make demo`: the main job. Brings up the local control plane (etcd, kube-apiserver, kcm, scheduler,
 * kwok GPU nodes) and Prometheus, installs the CRD, runs the operator as a local process, and plays the
 * three scenarios of src/demo/run-demo.ts with a live view: relu → gelu promoted, gelu → sigmoid rolled
 * back, and an experiment of relu against gelu, silu and mish whose winner (gelu) is promoted, with the
 * ranked table. Cleans up everything on exit or Ctrl-C (a cluster that was already running is left running).
 *
 * usage: node hack/demo.ts [--headless] [--json] [--keep-cluster] [--pause SECONDS] [--cluster-dir DIR]
 */
import * as k8s from '@kubernetes/client-node';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startOperator } from '../test/harness/operator.ts';
import { podLifecycleAnnotations } from '../test/harness/pod-lifecycle.ts';
import { launchCluster, readState, stopSupervisor } from '../test/harness/launcher.ts';
import { plain } from '../src/cli/plugin/colour.ts';
import { renderExperiment } from '../src/cli/plugin/render-experiment.ts';
import { runDemo, type ScenarioResult } from '../src/demo/run-demo.ts';

const { values } = parseArgs({ options: {
  headless: { type: 'boolean', default: !process.stdout.isTTY },
  json: { type: 'boolean', default: false },
  'keep-cluster': { type: 'boolean', default: false },
  pause: { type: 'string', default: '20' },
  'cluster-dir': { type: 'string', default: '.cluster' },
  namespace: { type: 'string', default: 'demo' },
} });
const out = (line: string) => { if (!values.json) console.log(line); };
const t0 = Date.now();
const abort = new AbortController();
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    out(`\n${sig}: stopping the demo and cleaning up…`);
    abort.abort();
  });
}

const dir = resolve(values['cluster-dir'] ?? '.cluster');
const existing = readState(dir);
out(existing ? `using the local cluster already running in ${dir}` : 'starting the local control plane (etcd, kube-apiserver, kcm, scheduler, kwok GPU nodes, Prometheus)…');
const state = existing ?? await launchCluster(dir);
out(`cluster ready after ${((Date.now() - t0) / 1000).toFixed(1)}s; kubeconfig ${state.kubeconfig}`);
process.env.ACTIVATION_CANARY_CLUSTER_STATE = resolve(dir, 'state.json');

const operator = startOperator({ args: ['--namespace', values.namespace ?? 'demo', '--leader-elect=false'] });
let results: ScenarioResult[] = [];
let failure: unknown;
try {
  await operator.port();
  out(`operator running (pid ${operator.child.pid}, log ${operator.logFile})`);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  results = await runDemo({
    kc, namespace: values.namespace ?? 'demo', prometheusUrl: state.prometheusUrl, targetsDir: state.prometheusTargetsDir,
    live: !values.headless && !values.json, colour: !!process.stdout.isTTY && !process.env.NO_COLOR, out, signal: abort.signal,
    stepPauseSeconds: Number(values.pause),
    podAnnotations: podLifecycleAnnotations({ readyDelay: '3s', terminationDelay: '1s' }),
  });
} catch (err) {
  failure = err;
} finally {
  await operator.stop();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  await kc.makeApiClient(k8s.CoreV1Api).deleteNamespace({ name: values.namespace ?? 'demo' }).catch(() => undefined);
  if (!existing && !values['keep-cluster']) await stopSupervisor(state.supervisorPid);
}

const ok = !failure && results.length === 3 && results.every((r) => r.outcome === r.expected);
if (values.json) {
  console.log(JSON.stringify({ ok, seconds: Math.round((Date.now() - t0) / 1000), results, error: failure ? String(failure) : undefined }, null, 2));
} else {
  out('\n=== summary');
  for (const r of results) {
    out(`${r.outcome === r.expected ? '✔' : '✘'} ${r.from} → ${r.to}: ${r.outcome} in ${r.seconds}s (expected ${r.expected})`);
    const short = (v: string | undefined) => (v === undefined ? '—' : Number.isFinite(Number(v)) ? String(Number(Number(v).toPrecision(4))) : v);
    if (r.clients) out(`    clients: ${r.clients.requests} requests, ${r.clients.errors} errors; answered by stable ${r.clients.byRole.stable ?? 0}, canary ${r.clients.byRole.canary ?? 0}` +
      `${r.clients.byRole.experiment ? `, experiment candidates ${r.clients.byRole.experiment}` : ''}`);
    for (const s of r.failedSlis) out(`    failed SLI ${s.name}: canary ${short(s.canaryValue)} vs ${s.threshold ?? '—'} (${s.reason ?? ''})`);
    if (r.outcome === 'rolled back') out(`    ${r.message}`);
    if (r.experiment) for (const line of renderExperiment(r.experiment, Date.now(), plain)) out(`    ${line}`);
  }
  if (failure) out(`demo failed: ${failure instanceof Error ? failure.message : String(failure)}\n(operator log: ${operator.logFile})`);
  out(`total ${Math.round((Date.now() - t0) / 1000)}s; ${existing || values['keep-cluster'] ? 'the cluster is still running (make cluster-down stops it)' : 'everything stopped'}`);
}
process.exit(ok ? 0 : 1);
