/**
 * A ModelVariant whose spec.traffic stops naming a route in the middle of a rollout leaves that route
 * sending nothing to the canary before the canary's pods go (status.trafficRoute remembers it):
 * - gatewayAPI (managed) → replicas at 50 %: the operator's own HTTPRoute is deleted;
 * - gatewayAPI existing (httpRoute) → managed (parentRefs) at 50 %: the user's HTTPRoute is back on stable.
 * docs/operator.md: "The route never sends requests (weight, header route or mirror) to a canary without
 * a ready pod"; docs/traffic.md (Deletion, and changing spec.traffic).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestNamespace, deleteTestNamespace, eventually } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { createModelVariant, deployment, gpuTemplate, patchModelVariant, setActivation, signal, waitForStatus } from './support/model-variants.ts';
import { createRoute, getRoute } from './support/route-objects.ts';
import { readRaw, routedToEmptyCanary, startRouteSampler } from './support/route-sampler.ts';

let operator: RunningOperator;
let ns: string;
const template = () => withPodLifecycle(gpuTemplate(1), { readyDelay: '2s', terminationDelay: '1s' });
const parentRefs = [{ name: 'public', namespace: 'infra' }];

beforeAll(async () => {
  ns = await createTestNamespace('provider-switch');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
});

async function switchMidRollout(model: string, route: string, traffic: object, switchTo: object) {
  await createModelVariant(ns, model, { activation: 'relu', replicas: 2, template: template(), traffic: traffic as never, strategy: { steps: [{ setWeight: 50, pause: '10m' }] } });
  await waitForStatus(ns, model, 'Healthy', (s) => s.phase === 'Healthy');
  const sampler = startRouteSampler({ namespace: ns, model, kind: 'httproutes', route });
  await setActivation(ns, model, 'gelu');
  await waitForStatus(ns, model, '50 % reached', (s) => !!s.weightReachedAt && s.canaryWeight === 50);
  await patchModelVariant(ns, model, { spec: { traffic: switchTo } });
  await signal(ns, model, 'promote');
  await waitForStatus(ns, model, 'promoted', (s) => s.phase === 'Healthy' && s.stableActivation === 'gelu', 120_000);
  await eventually('canary gone', async () => ((await deployment(ns, `${model}-canary`)) ? undefined : true));
  await new Promise((r) => setTimeout(r, 2000));
  return sampler.stop();
}

describe('spec.traffic switched away from a route in the middle of a rollout', () => {
  it('gatewayAPI managed → replicas: the operator\'s HTTPRoute stops sending to the canary before its pods go', async () => {
    const samples = await switchMidRollout('to-replicas', 'to-replicas', { provider: 'gatewayAPI', gatewayAPI: { parentRefs, port: 8080 } },
      { provider: 'replicas', gatewayAPI: null });
    expect(routedToEmptyCanary(samples)).toEqual([]);
    // The operator's own route is deleted once nothing uses it (docs/traffic.md): no route sends to the canary.
    const left = await getRoute('httproutes', ns, 'to-replicas').catch((err: { code?: number }) => (err.code === 404 ? undefined : Promise.reject(err)));
    expect(left ? readRaw('httproutes', left, 'to-replicas').weight : 0).toBe(0);
  });

  it('gatewayAPI existing → managed: the user\'s HTTPRoute is put back to stable before the canary\'s pods go', async () => {
    await createRoute('httproutes', ns, 'users-route', { parentRefs, rules: [{ backendRefs: [{ name: 'to-managed-stable', port: 8080, weight: 100 }, { name: 'to-managed-canary', port: 8080, weight: 0 }] }] });
    const samples = await switchMidRollout('to-managed', 'users-route', { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'users-route', port: 8080 } },
      { gatewayAPI: { httpRoute: null, parentRefs } });
    expect(routedToEmptyCanary(samples)).toEqual([]);
    expect(readRaw('httproutes', await getRoute('httproutes', ns, 'users-route'), 'to-managed').weight).toBe(0);
  });
});
