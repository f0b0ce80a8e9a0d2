/**
 * The operator rolling a variant out through Istio on the real control plane (Istio's CRDs, no istiod):
 * on a VirtualService the user keeps, it walks a header route, a mirror and two weights to promotion,
 * puts a hand-edited weight back with an Event naming who changed it, and leaves the VirtualService
 * exactly as the user wrote it; with a VirtualService of its own, it creates it and the garbage
 * collector removes it with the ModelVariant.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../src/api/types.ts';
import { readRouteState, type HttpRoute } from '../../src/traffic/istio-routes.ts';
import type { RouteState, RouteTarget } from '../../src/traffic/router.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { createModelVariant, eventReasonsIncluding, gpuTemplate, modelVariantEvents, setActivation, waitForStatus } from './support/model-variants.ts';

const objects = () => k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
const vsRef = (namespace: string, name: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace } });
const readVs = async (namespace: string, name: string) => (await objects().read(vsRef(namespace, name))) as unknown as IVirtualService;

let operator: RunningOperator;
let ns = '';
beforeAll(async () => {
  ns = await createTestNamespace('istio-rollout');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  await operator?.stop();
  if (ns) await deleteTestNamespace(ns);
});

const targetOf = (name: string): RouteTarget => ({
  namespace: ns, name, stableService: `${name}-stable`, canaryService: `${name}-canary`, port: 8080, owner: { apiVersion: API_VERSION, kind: KIND, name, uid: '' },
});

/** Samples what the VirtualService carries for the model until stopped: every distinct state, in order. */
function sampleRoute(name: string, target: RouteTarget) {
  const seen: RouteState[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const state = readRouteState((await readVs(ns, name).catch(() => undefined))?.spec?.http ?? [], target);
      if (state && JSON.stringify(state) !== JSON.stringify(seen.at(-1))) seen.push(state);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { seen, stop: async () => { running = false; await done; return seen; } };
}

describe('a ModelVariant routed by Istio', () => {
  it('walks a header route, a mirror and two weights on the user\'s VirtualService, repairs a hand edit, and leaves the rest as written', async () => {
    const http: HttpRoute[] = [
      { name: 'admin', match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'admin.ops.svc.cluster.local' } }], timeout: '3s' },
      {
        name: 'predict', match: [{ uri: { prefix: '/v1/predict' } }], retries: { attempts: 3, perTryTimeout: '2s' },
        route: [
          { destination: { host: 'sentiment-stable', port: { number: 8080 } }, weight: 100 },
          { destination: { host: `sentiment-canary.${ns}.svc.cluster.local`, port: { number: 8080 } }, weight: 0 },
        ],
      },
    ];
    const before = (await objects().create({ ...vsRef(ns, 'public'), metadata: { name: 'public', namespace: ns, labels: { team: 'ml' } },
      spec: { hosts: ['api.example.com'], gateways: ['istio-system/public'], http } }, undefined, undefined, 'argocd-controller')) as unknown as IVirtualService;
    await createModelVariant(ns, 'sentiment', {
      activation: 'relu', replicas: 2, template: gpuTemplate(1),
      traffic: { provider: 'istio', istio: { virtualService: 'public' } },
      strategy: { steps: [
        { setHeaderRoute: { name: 'x-variant', value: 'canary' }, pause: '2s' },
        { setMirror: { percent: 20 }, pause: '2s' },
        { setWeight: 25, pause: '2s' },
        { setWeight: 50 },
      ] },
    });
    await waitForStatus(ns, 'sentiment', 'Healthy on relu', (s) => s.phase === 'Healthy' && s.stableActivation === 'relu');

    const sampler = sampleRoute('public', targetOf('sentiment'));
    await setActivation(ns, 'sentiment', 'gelu');
    await waitForStatus(ns, 'sentiment', 'waiting for promotion at 50%', (s) => s.canaryWeight === 50 && s.phase === 'Paused', 120_000);

    // Someone sets the weight by hand: the operator puts it back and says who changed it.
    const live = await readVs(ns, 'public');
    const edited = structuredClone(live.spec?.http ?? []);
    const predict = edited.find((r) => r.name === 'predict')?.route ?? [];
    if (predict[0] && predict[1]) [predict[0].weight, predict[1].weight] = [10, 90];
    await objects().patch({ ...vsRef(ns, 'public'), spec: { http: edited } }, undefined, undefined, 'kubectl-edit', undefined, k8s.PatchStrategy.MergePatch);
    await eventually('the hand edit repaired', async () => {
      const events = await modelVariantEvents(ns, 'sentiment');
      return events.some((e) => e.reason === 'TrafficRouteRepaired' && e.message.includes('kubectl-edit')) ? true : undefined;
    });
    await eventually('the weight back at 50%', async () => (readRouteState((await readVs(ns, 'public')).spec?.http ?? [], targetOf('sentiment'))?.weight === 50 ? true : undefined));

    await kubeConfig().makeApiClient(k8s.CustomObjectsApi).patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name: 'sentiment', body: { metadata: { annotations: { 'activationcanary.io/signal': `promote@${Date.now()}` } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await waitForStatus(ns, 'sentiment', 'promoted to gelu', (s) => s.phase === 'Healthy' && s.stableActivation === 'gelu', 120_000);
    const seen = await sampler.stop();

    const header = { name: 'x-variant', value: 'canary' };
    expect(seen).toEqual(expect.arrayContaining([
      { weight: 0, headerRoute: header },
      { weight: 0, headerRoute: header, mirrorPercent: 20 },
      { weight: 25, headerRoute: header },
      { weight: 50, headerRoute: header },
    ]));
    expect(seen.at(-1)).toEqual({ weight: 0 });
    const after = await readVs(ns, 'public');
    expect(JSON.stringify(after.spec)).toBe(JSON.stringify(before.spec));
    expect(after.metadata?.labels).toEqual({ team: 'ml' });
    expect(await eventReasonsIncluding(ns, 'sentiment', ['StepWeightReached', 'Promoted'])).toEqual(expect.arrayContaining(['StepWeightReached', 'Promoted']));
  });

  it('creates a VirtualService of its own from hosts, which goes with the ModelVariant', async () => {
    await createModelVariant(ns, 'translation', {
      activation: 'relu', replicas: 1, template: gpuTemplate(1),
      traffic: { provider: 'istio', istio: { hosts: ['translation.example.com'], port: 8080 } },
    });
    const vs = await eventually('the VirtualService translation', async () => readVs(ns, 'translation').catch(() => undefined));
    expect(vs.spec?.hosts).toEqual(['translation.example.com']);
    expect(readRouteState(vs.spec?.http ?? [], targetOf('translation'))).toEqual({ weight: 0 });
    await waitForStatus(ns, 'translation', 'routed', (s) => !!s.conditions?.some((c) => c.type === 'TrafficRouted' && c.status === 'True'));

    await kubeConfig().makeApiClient(k8s.CustomObjectsApi).deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name: 'translation' });
    await eventually('the VirtualService gone with its ModelVariant', async () => ((await readVs(ns, 'translation').catch(() => undefined)) ? undefined : true), 60_000);
  });
});
