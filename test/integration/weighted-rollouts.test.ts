/**
 * Rollouts through weighted routers on the real control plane, with the Gateway API and Istio CRDs
 * installed and pods that take 3 s to become Ready: a full rollout and a rollback with each provider in
 * both modes (managed route, existing route), a header-route step and a mirror step, a weight edited
 * by hand, a route that does not exist, and a deletion. A sampler reads the live route every 200 ms
 * (raw, not through the routers) with the canary's ready pods: the route never sends requests to a
 * canary without a ready pod, and carries exactly the weights the steps ask for. It prints the time
 * from each step's start to the route carrying its weight.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import type { ModelVariantSpec } from '../../src/api/types.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import {
  activationOf, conditionOf, createModelVariant, deployment, eventsOnceRecorded, gpuTemplate, setActivation, signal, waitForStatus,
} from './support/model-variants.ts';
import { readRaw, routedToEmptyCanary, startRouteSampler, stepToRouteSeconds, weightsCarried, type RouteKind } from './support/route-sampler.ts';

let operator: RunningOperator;
let ns: string;
const custom = () => kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const template = () => withPodLifecycle(gpuTemplate(1), { readyDelay: '3s', terminationDelay: '1s' });
const API = { httproutes: ['gateway.networking.k8s.io', 'v1', 'HTTPRoute'], virtualservices: ['networking.istio.io', 'v1', 'VirtualService'] } as const;
const routeRef = (kind: RouteKind, name: string) => ({ group: API[kind][0], version: API[kind][1], plural: kind, namespace: ns, name });
const getRoute = (kind: RouteKind, name: string) => custom().getNamespacedCustomObject(routeRef(kind, name)) as Promise<Record<string, unknown> & { spec: Record<string, unknown> }>;
const createRoute = (kind: RouteKind, name: string, spec: object) => custom().createNamespacedCustomObject({
  group: API[kind][0], version: API[kind][1], plural: kind, namespace: ns, body: { apiVersion: `${API[kind][0]}/${API[kind][1]}`, kind: API[kind][2], metadata: { name }, spec },
});
const figures: string[] = [];

/** An HTTPRoute as a user keeps it in Git: the model's rule, and rules, filters and backends that are not the operator's. */
const gitHttpRoute = (model: string) => ({
  parentRefs: [{ name: 'public', namespace: 'infra', sectionName: 'https' }],
  hostnames: ['shop.example.com'],
  rules: [
    { matches: [{ path: { type: 'PathPrefix', value: '/v1/predict' } }],
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x-team', value: 'ranking' }] } }],
      backendRefs: [{ name: `${model}-stable`, port: 8080, weight: 100 }, { name: `${model}-canary`, port: 8080, weight: 0 }] },
    { matches: [{ path: { type: 'PathPrefix', value: '/docs' } }], backendRefs: [{ name: 'docs', port: 80 }] },
  ],
});
/** A VirtualService as a user keeps it: the model's route with retries and a timeout, and another route. */
const gitVirtualService = (model: string) => ({
  hosts: [`${model}.example.com`],
  http: [
    { name: 'docs', match: [{ uri: { prefix: '/docs' } }], route: [{ destination: { host: 'docs', port: { number: 80 } } }] },
    { name: 'predict', timeout: '5s', retries: { attempts: 2, perTryTimeout: '2s' },
      route: [{ destination: { host: `${model}-stable`, port: { number: 8080 } }, weight: 100 }, { destination: { host: `${model}-canary`, port: { number: 8080 } }, weight: 0 }] },
  ],
});

beforeAll(async () => {
  ns = await createTestNamespace('weighted');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  if (figures.length) console.log(`weighted routes, step start → route carries the weight (s):\n${figures.join('\n')}`);
  await operator?.stop();
  await deleteTestNamespace(ns);
});

async function promoteThroughSteps(kind: RouteKind, model: string, route: string, traffic: ModelVariantSpec['traffic'], steps: NonNullable<ModelVariantSpec['strategy']>['steps']) {
  await createModelVariant(ns, model, { activation: 'relu', replicas: 4, template: template(), traffic, strategy: { steps } });
  await waitForStatus(ns, model, 'Healthy on relu', (s) => s.phase === 'Healthy');
  const sampler = startRouteSampler({ namespace: ns, model, kind, route });
  await setActivation(ns, model, 'gelu');
  let sizedAt5 = false;
  await waitForStatus(ns, model, 'promoted to gelu', (s) => {
    if (s.canaryWeight === 5) sizedAt5 = true;
    return s.phase === 'Healthy' && s.stableActivation === 'gelu';
  }, 180_000);
  // A loaded machine can take a sample longer than the route stays at 0 before Healthy: wait for one more.
  await eventually('a sample of the route after promotion', async () => (sampler.samples.at(-1)?.weight === 0 ? true : undefined), 30_000);
  const samples = await sampler.stop();
  return { samples, sizedAt5 };
}

describe('the gatewayAPI provider', () => {
  it('managed: creates the HTTPRoute, walks a header route, a mirror, 5 % and 50 %, and promotes without routing to an unready canary', async () => {
    const { samples } = await promoteThroughSteps('httproutes', 'gw-managed', 'gw-managed',
      { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public', namespace: 'infra' }], hostnames: ['gw.example.com'], port: 8080 } },
      [{ setHeaderRoute: { name: 'x-activation-variant', value: 'canary' }, pause: '2s' }, { setMirror: { percent: 20 }, pause: '2s' },
        { setWeight: 5, pause: '2s' }, { setWeight: 50, pause: '2s' }]);
    expect(routedToEmptyCanary(samples)).toEqual([]);
    expect(weightsCarried(samples)).toEqual([0, 5, 50, 0]);
    expect(samples.some((s) => s.header)).toBe(true);
    expect(samples.some((s) => s.mirror === 20)).toBe(true);
    const route = await getRoute('httproutes', 'gw-managed');
    expect(readRaw('httproutes', route, 'gw-managed')).toEqual({ weight: 0, header: false });
    expect((route.metadata as k8s.V1ObjectMeta).ownerReferences?.[0]).toMatchObject({ kind: 'ModelVariant', name: 'gw-managed', controller: true });
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'infra' }]);
    const events = await eventsOnceRecorded(ns, 'gw-managed', ['Promoted']);
    expect(events.filter((e) => e.reason === 'StepWeightReached')).toHaveLength(4);
    figures.push(`  gatewayAPI managed: ${stepToRouteSeconds(samples).map((x) => x.toFixed(1)).join(', ')}`);
  });

  it('existing: weights only the model\'s backendRefs, puts a hand edit back naming who made it, rolls back, and leaves the rest byte for byte', async () => {
    await createRoute('httproutes', 'shop', gitHttpRoute('gw-existing'));
    const before = await getRoute('httproutes', 'shop');
    await createModelVariant(ns, 'gw-existing', { activation: 'relu', replicas: 2, template: template(),
      traffic: { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'shop', port: 8080 } }, strategy: { steps: [{ setWeight: 25, pause: '10m' }] } });
    await waitForStatus(ns, 'gw-existing', 'Healthy', (s) => s.phase === 'Healthy');
    const sampler = startRouteSampler({ namespace: ns, model: 'gw-existing', kind: 'httproutes', route: 'shop' });
    await setActivation(ns, 'gw-existing', 'gelu');
    await waitForStatus(ns, 'gw-existing', '25 % reached', (s) => !!s.weightReachedAt && s.canaryWeight === 25);
    expect((await deployment(ns, 'gw-existing-stable'))?.spec?.replicas).toBe(2);
    expect((await deployment(ns, 'gw-existing-canary'))?.spec?.replicas).toBe(1);

    // A person sets the canary's weight by hand.
    const edited = structuredClone(await getRoute('httproutes', 'shop'));
    const rules = edited.spec.rules as { backendRefs: { name: string; weight: number }[] }[];
    for (const ref of rules[0]?.backendRefs ?? []) ref.weight = ref.name.endsWith('-canary') ? 90 : 10;
    await custom().replaceNamespacedCustomObject({ ...routeRef('httproutes', 'shop'), body: edited, fieldManager: 'kubectl-edit' });
    const repaired = await eventsOnceRecorded(ns, 'gw-existing', ['TrafficRouteRepaired']);
    expect(repaired.find((e) => e.reason === 'TrafficRouteRepaired')?.message).toContain('kubectl-edit');
    await eventually('weight put back to 25', async () => (readRaw('httproutes', await getRoute('httproutes', 'shop'), 'gw-existing').weight === 25 ? true : undefined), 30_000);

    await signal(ns, 'gw-existing', 'abort');
    await waitForStatus(ns, 'gw-existing', 'rolled back', (s) => s.phase === 'Degraded');
    await eventually('canary gone', async () => ((await deployment(ns, 'gw-existing-canary')) ? undefined : true), 60_000);
    const samples = await sampler.stop();
    expect(routedToEmptyCanary(samples)).toEqual([]);
    const after = await getRoute('httproutes', 'shop');
    expect(after.spec).toEqual(before.spec);
    expect((after.metadata as k8s.V1ObjectMeta).labels).toEqual((before.metadata as k8s.V1ObjectMeta).labels);
  });

  it('names a missing HTTPRoute in TrafficRouted, does not start the rollout, and starts it once the route exists', async () => {
    await createModelVariant(ns, 'gw-missing', { activation: 'relu', replicas: 1, template: template(),
      traffic: { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'nowhere', port: 8080 } }, strategy: { steps: [{ setWeight: 50, pause: '1s' }] } });
    const s = await waitForStatus(ns, 'gw-missing', 'TrafficRouted=False', (x) => conditionOf(x, 'TrafficRouted')?.status === 'False');
    expect(conditionOf(s, 'TrafficRouted')).toMatchObject({ reason: 'RouteNotFound' });
    expect(conditionOf(s, 'TrafficRouted')?.message).toContain('nowhere');
    // Stable serves first (a change before anything served replaces stable directly, without a canary).
    await waitForStatus(ns, 'gw-missing', 'Healthy on relu', (x) => x.phase === 'Healthy');
    await setActivation(ns, 'gw-missing', 'gelu');
    const waiting = await waitForStatus(ns, 'gw-missing', 'waiting for the route', (x) => x.phase === 'Paused' && !!x.message?.includes('waits for the traffic route'));
    expect(waiting.canaryActivation).toBeUndefined();
    expect(await deployment(ns, 'gw-missing-canary')).toBeUndefined();
    await createRoute('httproutes', 'nowhere', gitHttpRoute('gw-missing'));
    await waitForStatus(ns, 'gw-missing', 'promoted once the route exists', (x) => x.phase === 'Healthy' && x.stableActivation === 'gelu', 120_000);
  });

  it('leaves an existing route sending everything to stable when its ModelVariant is deleted mid-rollout', async () => {
    await createRoute('httproutes', 'doomed-route', gitHttpRoute('gw-doomed'));
    const before = await getRoute('httproutes', 'doomed-route');
    await createModelVariant(ns, 'gw-doomed', { activation: 'relu', replicas: 1, template: template(),
      traffic: { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'doomed-route', port: 8080 } }, strategy: { steps: [{ setWeight: 50, pause: '10m' }] } });
    await waitForStatus(ns, 'gw-doomed', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'gw-doomed', 'gelu');
    await waitForStatus(ns, 'gw-doomed', '50 %', (s) => s.canaryWeight === 50);
    await custom().deleteNamespacedCustomObject({ group: 'activationcanary.io', version: 'v1alpha1', plural: 'modelvariants', namespace: ns, name: 'gw-doomed' });
    await eventually('route back to stable', async () => (readRaw('httproutes', await getRoute('httproutes', 'doomed-route'), 'gw-doomed').weight === 0 ? true : undefined), 30_000);
    expect((await getRoute('httproutes', 'doomed-route')).spec).toEqual(before.spec);
  });
});

describe('the istio provider', () => {
  it('managed: creates the VirtualService, walks 5 % and 50 % and promotes without routing to an unready canary', async () => {
    const { samples, sizedAt5 } = await promoteThroughSteps('virtualservices', 'vs-managed', 'vs-managed',
      { provider: 'istio', istio: { hosts: ['vs-managed.example.com'], port: 8080 } }, [{ setWeight: 5, pause: '2s' }, { setWeight: 50, pause: '2s' }]);
    expect(sizedAt5).toBe(true);
    expect(routedToEmptyCanary(samples)).toEqual([]);
    expect(weightsCarried(samples)).toEqual([0, 5, 50, 0]);
    expect(activationOf(await deployment(ns, 'vs-managed-stable'))).toBe('gelu');
    figures.push(`  istio managed: ${stepToRouteSeconds(samples).map((x) => x.toFixed(1)).join(', ')}`);
  });

  it('existing: weights only the model\'s destinations, rolls back on abort, and leaves the rest byte for byte', async () => {
    await createRoute('virtualservices', 'vs-shop', gitVirtualService('vs-existing'));
    const before = await getRoute('virtualservices', 'vs-shop');
    await createModelVariant(ns, 'vs-existing', { activation: 'relu', replicas: 2, template: template(),
      traffic: { provider: 'istio', istio: { virtualService: 'vs-shop', port: 8080 } }, strategy: { steps: [{ setWeight: 25, pause: '10m' }] } });
    await waitForStatus(ns, 'vs-existing', 'Healthy', (s) => s.phase === 'Healthy');
    const sampler = startRouteSampler({ namespace: ns, model: 'vs-existing', kind: 'virtualservices', route: 'vs-shop' });
    await setActivation(ns, 'vs-existing', 'gelu');
    await waitForStatus(ns, 'vs-existing', '25 % reached', (s) => !!s.weightReachedAt && s.canaryWeight === 25);
    await eventually('the sampler saw 25 %', async () => (sampler.samples.some((x) => x.weight === 25) ? true : undefined), 30_000);
    await signal(ns, 'vs-existing', 'abort');
    await waitForStatus(ns, 'vs-existing', 'rolled back', (s) => s.phase === 'Degraded');
    await eventually('canary gone', async () => ((await deployment(ns, 'vs-existing-canary')) ? undefined : true), 60_000);
    const samples = await sampler.stop();
    expect(routedToEmptyCanary(samples)).toEqual([]);
    expect(weightsCarried(samples)).toEqual([0, 25, 0]);
    expect((await getRoute('virtualservices', 'vs-shop')).spec).toEqual(before.spec);
  });
});
