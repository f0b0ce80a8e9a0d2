/**
 * Promoting a weighted rollout whose route sent the canary 0 % (a step list of only a header route and a
 * mirror; both are removed when promotion starts) keeps the serving floor (spec.replicas −
 * maxUnavailable; maxUnavailable 0 here: there is room): the canary is sent its share of requests before
 * stable's pods are replaced in place. Before that fix, promote() counted the canary's ready pods toward
 * the floor while the route sent them nothing. Samples every 100 ms: stable's ready pods, plus the
 * canary's when the route weighs it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { createTestNamespace, deleteTestNamespace, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { createModelVariant, gpuTemplate, setActivation, waitForStatus } from './support/model-variants.ts';
import { findRoute } from './support/route-objects.ts';
import { readRaw } from './support/route-sampler.ts';

let operator: RunningOperator;
let ns: string;

beforeAll(async () => {
  ns = await createTestNamespace('floor-unweighted');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
});

describe('promotion of a canary the route sends nothing', () => {
  it('keeps the pods that receive traffic at the floor', async () => {
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    await createModelVariant(ns, 'smoke-only', { activation: 'relu', replicas: 2, template: withPodLifecycle(gpuTemplate(1), { readyDelay: '3s', terminationDelay: '1s' }),
      traffic: { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public', namespace: 'infra' }], port: 8080 } },
      strategy: { maxUnavailable: 0, steps: [{ setHeaderRoute: { name: 'x-smoke', value: 'canary' }, pause: '2s' }, { setMirror: { percent: 20 }, pause: '2s' }] } });
    await waitForStatus(ns, 'smoke-only', 'Healthy', (s) => s.phase === 'Healthy');
    const serving: { stable: number; canary: number; weight: number }[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const [pods, route] = await Promise.all([core.listNamespacedPod({ namespace: ns, labelSelector: 'activationcanary.io/model=smoke-only' }), findRoute('httproutes', ns, 'smoke-only')]);
        const ready = (role: string) => pods.items.filter((p) => p.metadata?.labels?.['activationcanary.io/role'] === role && !p.metadata?.deletionTimestamp &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
        serving.push({ stable: ready('stable'), canary: ready('canary'), weight: route ? readRaw('httproutes', route, 'smoke-only').weight ?? 0 : 0 });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await setActivation(ns, 'smoke-only', 'gelu');
    await waitForStatus(ns, 'smoke-only', 'promoted', (s) => s.phase === 'Healthy' && s.stableActivation === 'gelu', 120_000);
    stop = true;
    await loop;
    const below = serving.filter((x) => x.stable + (x.weight > 0 ? x.canary : 0) < 2);
    expect(below).toEqual([]);
  });
});
