/**
 * Hand edits of a weighted route's weights on the real control plane, each put back with a
 * TrafficRouteRepaired Event naming the field manager that made it:
 * - on a route where the model has two rules, an edit of the second rule (at rest, and in the middle
 *   of a step): both routers used to read only the first rule, so such an edit was never put back and
 *   the canary's pods could go while the second rule still sent them requests;
 * - during a user's pause and during a capacity hold: the route goes back to the weight held, not to
 *   the next step's.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestNamespace, deleteTestNamespace, eventually } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { createPrivateNodes, type PrivateNodes } from './support/fake-nodes.ts';
import { createModelVariant, gpuTemplate, modelVariantEvents, setActivation, signal, waitForStatus } from './support/model-variants.ts';
import { createRoute, editRoute, getRoute, rulesOf, type Rule } from './support/route-objects.ts';
import { readRaw } from './support/route-sampler.ts';

let operator: RunningOperator;
let ns: string;
let nodes: PrivateNodes;
const managed = { provider: 'gatewayAPI' as const, gatewayAPI: { parentRefs: [{ name: 'public', namespace: 'infra' }], port: 8080 } };
const modelRule = (model: string, path: string) => ({ matches: [{ path: { type: 'PathPrefix', value: path } }],
  backendRefs: [{ name: `${model}-stable`, port: 8080, weight: 100 }, { name: `${model}-canary`, port: 8080, weight: 0 }] });
/** The canary's share of one rule, in percent. */
const share = (rule: Rule | undefined) => {
  const w = (suffix: string) => rule?.backendRefs?.find((b) => b.name.endsWith(suffix))?.weight ?? 0;
  return w('-stable') + w('-canary') === 0 ? 0 : Math.round((100 * w('-canary')) / (w('-stable') + w('-canary')));
};
/** An edit that sets the canary's weight of the rule at `index`. */
const setWeight = (index: number, weight: number) => (r: Parameters<Parameters<typeof editRoute>[3]>[0]) => {
  for (const ref of rulesOf(r)[index]?.backendRefs ?? []) ref.weight = ref.name.endsWith('-canary') ? weight : 100 - weight;
};
const repairs = async (model: string) => (await modelVariantEvents(ns, model)).filter((e) => e.reason === 'TrafficRouteRepaired').map((e) => e.message);
/**
 * The repair's Event, waited for: the operator writes it after the route and the status, so a poll
 * that has just seen the route put back can be a few tens of milliseconds ahead of it.
 */
const repairNamed = (model: string, pattern: RegExp) => eventually(`a TrafficRouteRepaired Event matching ${pattern}`, async () => (await repairs(model)).find((m) => pattern.test(m)), 10_000);

beforeAll(async () => {
  ns = await createTestNamespace('hand-edits');
  nodes = await createPrivateNodes('hand-edits', 1, 3);
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  await operator?.stop();
  await nodes?.remove();
  await deleteTestNamespace(ns);
});

describe('a hand edit of the second of a model\'s rules', () => {
  it('is put back at rest and in the middle of a step, naming who made it', async () => {
    await createRoute('httproutes', ns, 'versions', { parentRefs: [{ name: 'public', namespace: 'infra' }], rules: [modelRule('two-rules', '/v1'), modelRule('two-rules', '/v2')] });
    await createModelVariant(ns, 'two-rules', { activation: 'relu', replicas: 1, template: withPodLifecycle(gpuTemplate(1), { readyDelay: '2s' }),
      traffic: { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'versions', port: 8080 } }, strategy: { steps: [{ setWeight: 20, pause: '10m' }] } });
    await waitForStatus(ns, 'two-rules', 'Healthy', (s) => s.phase === 'Healthy');

    // At rest: the canary has no pod, and /v2 would send half its requests to nothing.
    await editRoute('httproutes', ns, 'versions', setWeight(1, 50), 'kubectl-edit');
    await eventually('/v2 put back to stable', async () => (share(rulesOf(await getRoute('httproutes', ns, 'versions'))[1]) === 0 ? true : undefined), 20_000);
    await repairNamed('two-rules', /changed to 50% by kubectl-edit; put back to 0%/);

    await setActivation(ns, 'two-rules', 'gelu');
    await waitForStatus(ns, 'two-rules', '20 % reached', (s) => !!s.weightReachedAt && s.canaryWeight === 20);
    await editRoute('httproutes', ns, 'versions', setWeight(1, 90), 'helm');
    await eventually('/v2 put back to 20 %', async () => (share(rulesOf(await getRoute('httproutes', ns, 'versions'))[1]) === 20 ? true : undefined), 20_000);
    expect(rulesOf(await getRoute('httproutes', ns, 'versions')).map(share)).toEqual([20, 20]);
    await repairNamed('two-rules', /changed to 90% by helm; put back to 20%/);
  });
});

describe('a hand edit while the rollout holds', () => {
  it('during a user\'s pause goes back to the weight reached', async () => {
    await createModelVariant(ns, 'paused', { activation: 'relu', replicas: 2, template: withPodLifecycle(gpuTemplate(1), { readyDelay: '2s' }), traffic: managed,
      strategy: { steps: [{ setWeight: 10, pause: '10m' }, { setWeight: 50, pause: '10m' }] } });
    await waitForStatus(ns, 'paused', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'paused', 'gelu');
    await waitForStatus(ns, 'paused', '10 % reached', (s) => !!s.weightReachedAt && s.canaryWeight === 10);
    await signal(ns, 'paused', 'pause');
    await waitForStatus(ns, 'paused', 'paused', (s) => !!s.pausedAt);
    await editRoute('httproutes', ns, 'paused', setWeight(0, 70), 'kubectl-edit');
    await eventually('put back to 10 %', async () => (readRaw('httproutes', await getRoute('httproutes', ns, 'paused'), 'paused').weight === 10 ? true : undefined), 20_000);
    await repairNamed('paused', /changed to 70% by kubectl-edit; put back to 10%/);
  });

  it('during a capacity hold goes back to the last step\'s weight, not the next one\'s', async () => {
    // 3 GPUs: stable 2 + one canary pod at 10 %; 80 % needs a second canary pod that does not fit.
    await createModelVariant(ns, 'held', { activation: 'relu', replicas: 2, template: withPodLifecycle(gpuTemplate(1, nodes.resource), { readyDelay: '2s' }), traffic: managed,
      strategy: { steps: [{ setWeight: 10, pause: '1s' }, { setWeight: 80, pause: '10m' }] } });
    await waitForStatus(ns, 'held', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'held', 'gelu');
    await waitForStatus(ns, 'held', 'holding for capacity at step 2', (s) => !!s.capacityHoldSince && s.currentStepIndex === 1);
    expect(readRaw('httproutes', await getRoute('httproutes', ns, 'held'), 'held').weight).toBe(10);
    await editRoute('httproutes', ns, 'held', setWeight(0, 70), 'argocd-controller');
    await eventually('put back to 10 %', async () => (readRaw('httproutes', await getRoute('httproutes', ns, 'held'), 'held').weight === 10 ? true : undefined), 20_000);
    await repairNamed('held', /changed to 70% by argocd-controller; put back to 10%/);
  });
});
