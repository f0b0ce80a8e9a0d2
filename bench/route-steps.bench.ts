/**
 * Benchmark (not a test: it prints figures) of how exactly and how fast each traffic provider gives a
 * step its weight: the same rollout (4 replicas, steps 5 → 25 → 50 %, pods Ready 3 s after they start)
 * runs at once through `replicas`, `gatewayAPI` (managed HTTPRoute) and `istio` (managed
 * VirtualService), side by side on one local control plane with one operator. A sampler reads each
 * live route raw every 200 ms (for `replicas`, the ready-pod ratio behind the `<name>` Service). Per
 * provider and step it prints the weight asked, the weight the route carried, the pods each role ran
 * at that step, and the seconds from the step's start (status.stepStartedAt) to the route carrying it.
 *
 *   node bench/route-steps.bench.ts [--dir <running cluster dir>] [--json]
 *
 * With `--dir` naming a running cluster (`make cluster-up` uses `.cluster`) it is used and left running;
 * otherwise one is started and stopped at the end.
 */
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { ModelVariant, ModelVariantSpec } from '../src/api/types.ts';
import { GROUP, PLURAL, VERSION } from '../src/api/types.ts';
import { fakeGpuNode } from '../test/harness/cluster.ts';
import { createTestNamespace, deleteTestNamespace, kubeConfig } from '../test/harness/env.ts';
import { benchCluster } from '../test/harness/launcher.ts';
import { startOperator } from '../test/harness/operator.ts';
import { withPodLifecycle } from '../test/harness/pod-lifecycle.ts';
import { readRaw } from '../test/integration/support/route-sampler.ts';
import { createModelVariant, gpuTemplate, setActivation, waitForStatus } from '../test/integration/support/model-variants.ts';

const { values: args } = parseArgs({ options: { dir: { type: 'string' }, json: { type: 'boolean', default: false } } });
const log = (msg: string) => { if (!args.json) console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`); };
const STEPS = [5, 25, 50];

const bench = await benchCluster(log, { dir: args.dir, prefix: 'bench' });

const custom = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
const ns = await createTestNamespace('bench-routes');
// A node of its own with an extended resource of its own: nothing else competes for it.
const suffix = Math.random().toString(36).slice(2, 7);
const RESOURCE = `bench-routes-${suffix}.example.com/gpu`;
const NODE = `bench-routes-${suffix}`;
const node = fakeGpuNode(NODE, 0) as k8s.V1Node;
const capacity = { ...node.status?.capacity, [RESOURCE]: '64', pods: '200' };
await core.createNode({ body: { ...node, status: { ...node.status, capacity, allocatable: capacity } } });
const operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });

interface Provider { model: string; traffic: ModelVariantSpec['traffic']; read: () => Promise<number | undefined> }
const ready = async (model: string, role: string) => (await core.listNamespacedPod({ namespace: ns, labelSelector: `activationcanary.io/model=${model},activationcanary.io/role=${role}` }))
  .items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
const raw = (group: string, plural: 'httproutes' | 'virtualservices', model: string) => async () => {
  const obj = await custom.getNamespacedCustomObject({ group, version: 'v1', plural, namespace: ns, name: model }).catch(() => undefined) as Record<string, unknown> | undefined;
  return obj ? readRaw(plural, obj, model).weight : undefined;
};
const providers: Provider[] = [
  { model: 'replicas', traffic: { provider: 'replicas' }, read: async () => {
    const [s, c] = [await ready('replicas', 'stable'), await ready('replicas', 'canary')];
    return s + c === 0 ? undefined : Math.round((100 * c) / (s + c));
  } },
  { model: 'gateway', traffic: { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public' }], port: 8080 } }, read: raw('gateway.networking.k8s.io', 'httproutes', 'gateway') },
  { model: 'istio', traffic: { provider: 'istio', istio: { hosts: ['istio.example.com'], port: 8080 } }, read: raw('networking.istio.io', 'virtualservices', 'istio') },
];

interface StepFigure { provider: string; asked: number; carried?: number; stablePods: number; canaryPods: number; secondsToRoute?: number }
const figures: StepFigure[] = [];
/** Set once the run got to the end: a run that threw keeps its cluster directory for its logs. */
let finished = false;
try {
  await operator.port();
  const template = withPodLifecycle(gpuTemplate(1, RESOURCE), { readyDelay: '3s', terminationDelay: '1s' });
  for (const p of providers) {
    await createModelVariant(ns, p.model, { activation: 'relu', replicas: 4, template, traffic: p.traffic,
      strategy: { steps: STEPS.map((w) => ({ setWeight: w, pause: '5s' })) } });
  }
  for (const p of providers) await waitForStatus(ns, p.model, 'Healthy', (s) => s.phase === 'Healthy', 120_000);
  log('all Healthy on relu; rolling out gelu through every provider at once');
  await Promise.all(providers.map(async (p) => {
    await setActivation(ns, p.model, 'gelu');
    let step = -1;
    let stepStart = 0;
    let routed = false;
    for (const deadline = Date.now() + 240_000; Date.now() < deadline;) {
      const mv = await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name: p.model }) as ModelVariant;
      const s = mv.status ?? {};
      if (s.phase === 'Healthy' && s.stableActivation === 'gelu') break;
      const index = s.canaryActivation ? s.currentStepIndex ?? 0 : -1;
      if (index !== step && index >= 0) {
        step = index;
        stepStart = Date.parse(s.stepStartedAt ?? new Date().toISOString());
        routed = false;
      }
      if (step >= 0 && !routed && s.weightReachedAt) {
        const carried = await p.read();
        routed = true;
        figures.push({ provider: p.traffic?.provider ?? '', asked: STEPS[step] ?? 0, ...(carried !== undefined ? { carried } : {}),
          stablePods: await ready(p.model, 'stable'), canaryPods: await ready(p.model, 'canary'), secondsToRoute: (Date.parse(s.weightReachedAt) - stepStart) / 1000 });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }));
  finished = true;
} finally {
  await operator.stop();
  await deleteTestNamespace(ns);
  await core.deleteNode({ name: NODE }).catch(() => undefined);
  await bench.stop({ keepDir: !finished });
}

figures.sort((a, b) => a.provider.localeCompare(b.provider) || a.asked - b.asked);
if (args.json) {
  console.log(JSON.stringify(figures, null, 2));
} else {
  console.log('provider    asked  carried  stable pods  canary pods  step start → weight reached (s)');
  for (const f of figures) {
    console.log(`${f.provider.padEnd(11)} ${`${f.asked}%`.padStart(5)}  ${`${f.carried ?? '—'}%`.padStart(7)}  ${String(f.stablePods).padStart(11)}  ${String(f.canaryPods).padStart(11)}  ${f.secondsToRoute?.toFixed(1) ?? '—'}`);
  }
}
