/**
 * What users do to their own HTTPRoute (existing mode) while a rollout runs, on the real control plane:
 * - edit another rule: the operator's next writes keep the edit;
 * - remove the canary's backendRef, or delete the route: TrafficRouted False (NoRuleForModel,
 *   RouteNotFound), the step holds and rolls back at the progress deadline, and the canary's pods stay
 *   until the route is readable again (the operator cannot tell what an unreadable route sends), then go;
 * - share one route between two ModelVariants (each model's backendRefs in a rule of its own) that
 *   roll out at once, with header routes and mirrors: both promote, each step once, and the route ends
 *   as the user wrote it.
 * A sampler reads the live route every 200 ms: it never routes to a canary without a ready pod.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestNamespace, deleteTestNamespace, eventually } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { conditionOf, createModelVariant, deployment, gpuTemplate, modelVariantEvents, setActivation, waitForStatus } from './support/model-variants.ts';
import { createRoute, deleteRoute, editRoute, getRoute, rulesOf } from './support/route-objects.ts';
import { readRaw, routedToEmptyCanary, startRouteSampler, weightsCarried } from './support/route-sampler.ts';

let operator: RunningOperator;
let ns: string;
const template = () => withPodLifecycle(gpuTemplate(1), { readyDelay: '2s', terminationDelay: '1s' });
const parentRefs = [{ name: 'public', namespace: 'infra' }];
const modelRule = (model: string, path: string) => ({ matches: [{ path: { type: 'PathPrefix', value: path } }],
  backendRefs: [{ name: `${model}-stable`, port: 8080, weight: 100 }, { name: `${model}-canary`, port: 8080, weight: 0 }] });
const docs = { matches: [{ path: { type: 'PathPrefix', value: '/docs' } }], backendRefs: [{ name: 'docs', port: 80 }] };
const existing = (route: string) => ({ provider: 'gatewayAPI' as const, gatewayAPI: { httpRoute: route, port: 8080 } });
const canaryPods = async (model: string) => (await deployment(ns, `${model}-canary`))?.spec?.replicas ?? 0;

beforeAll(async () => {
  ns = await createTestNamespace('user-routes');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
});

describe('a user\'s route changed in the middle of a rollout', () => {
  it('keeps an edit of another rule; a removed canary backendRef holds the step, rolls back, and keeps the canary until it is back', async () => {
    await createRoute('httproutes', ns, 'edited', { parentRefs, rules: [modelRule('edited', '/v1/predict'), docs] });
    await createModelVariant(ns, 'edited', { activation: 'relu', replicas: 1, template: template(), traffic: existing('edited'),
      strategy: { progressDeadline: '15s', steps: [{ setWeight: 30, pause: '3s' }, { setWeight: 60, pause: '10m' }] } });
    await waitForStatus(ns, 'edited', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'edited', 'gelu');
    await waitForStatus(ns, 'edited', '30 % reached', (s) => !!s.weightReachedAt && s.canaryWeight === 30);
    await editRoute('httproutes', ns, 'edited', (r) => { const rule = rulesOf(r)[1]; if (rule) rule.backendRefs = [{ name: 'docs-v2', port: 81 }]; });
    await waitForStatus(ns, 'edited', '60 % reached', (s) => !!s.weightReachedAt && s.canaryWeight === 60);
    expect(rulesOf(await getRoute('httproutes', ns, 'edited'))[1]?.backendRefs).toEqual([{ group: '', kind: 'Service', name: 'docs-v2', port: 81, weight: 1 }]);

    await editRoute('httproutes', ns, 'edited', (r) => { const rule = rulesOf(r)[0]; if (rule) rule.backendRefs = rule.backendRefs?.filter((b) => !b.name.endsWith('-canary')); });
    const unusable = await waitForStatus(ns, 'edited', 'NoRuleForModel', (s) => conditionOf(s, 'TrafficRouted')?.reason === 'NoRuleForModel');
    expect(conditionOf(unusable, 'TrafficRouted')?.message).toContain('add {name: edited-canary, port: 8080, weight: 0}');
    const rolledBack = await waitForStatus(ns, 'edited', 'rolled back', (s) => s.phase === 'Degraded', 60_000);
    expect(rolledBack.message).toContain('progress deadline');
    expect(await canaryPods('edited')).toBe(1);
    await editRoute('httproutes', ns, 'edited', (r) => { rulesOf(r)[0]?.backendRefs?.push({ name: 'edited-canary', port: 8080, weight: 0 }); });
    await eventually('canary gone once the route is readable', async () => ((await deployment(ns, 'edited-canary')) ? undefined : true), 30_000);
    expect(rulesOf(await getRoute('httproutes', ns, 'edited'))[1]?.backendRefs?.[0]?.name).toBe('docs-v2');
  });

  it('a deleted route holds the step and rolls back with the canary kept, which goes once the route is back', async () => {
    await createRoute('httproutes', ns, 'doomed', { parentRefs, rules: [modelRule('orphan', '/v1/predict'), docs] });
    await createModelVariant(ns, 'orphan', { activation: 'relu', replicas: 1, template: template(), traffic: existing('doomed'),
      strategy: { progressDeadline: '15s', steps: [{ setWeight: 50, pause: '5s' }] } });
    await waitForStatus(ns, 'orphan', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'orphan', 'gelu');
    await waitForStatus(ns, 'orphan', '50 % reached', (s) => !!s.weightReachedAt && s.canaryWeight === 50);
    await deleteRoute('httproutes', ns, 'doomed');
    const missing = await waitForStatus(ns, 'orphan', 'RouteNotFound', (s) => conditionOf(s, 'TrafficRouted')?.reason === 'RouteNotFound');
    // The pause (5 s) passes while the route is gone: the step does not complete on a route nobody can read.
    const rolledBack = await waitForStatus(ns, 'orphan', 'rolled back', (s) => s.phase === 'Degraded', 60_000);
    expect(missing.currentStepIndex).toBe(0);
    expect(rolledBack.message).toContain('the route did not carry step 1/1');
    expect(await canaryPods('orphan')).toBe(1);
    const reasons = (await modelVariantEvents(ns, 'orphan')).map((e) => e.reason);
    expect(reasons).not.toContain('StepCompleted');
    expect(reasons).not.toContain('PromotionStarted');
    await createRoute('httproutes', ns, 'doomed', { parentRefs, rules: [modelRule('orphan', '/v1/predict'), docs] });
    await eventually('canary gone once the route is back', async () => ((await deployment(ns, 'orphan-canary')) ? undefined : true), 30_000);
    expect(readRaw('httproutes', await getRoute('httproutes', ns, 'doomed'), 'orphan').weight).toBe(0);
  });
});

describe('two ModelVariants on one route', () => {
  it('roll out at once with header routes and mirrors, each step once, and leave the route as the user wrote it', async () => {
    await createRoute('httproutes', ns, 'shared', { parentRefs, rules: [modelRule('left', '/left'), docs, modelRule('right', '/right')] });
    const before = await getRoute('httproutes', ns, 'shared');
    const steps = [{ setHeaderRoute: { name: 'x-canary', value: 'yes' }, pause: '2s' }, { setMirror: { percent: 10 }, pause: '2s' },
      { setWeight: 20, pause: '2s' }, { setWeight: 60, pause: '2s' }];
    for (const model of ['left', 'right']) {
      await createModelVariant(ns, model, { activation: 'relu', replicas: 2, template: template(), traffic: existing('shared'), strategy: { steps } });
    }
    await waitForStatus(ns, 'left', 'Healthy', (s) => s.phase === 'Healthy');
    await waitForStatus(ns, 'right', 'Healthy', (s) => s.phase === 'Healthy');
    const samplers = ['left', 'right'].map((model) => startRouteSampler({ namespace: ns, model, kind: 'httproutes', route: 'shared' }));
    await Promise.all([setActivation(ns, 'left', 'gelu'), setActivation(ns, 'right', 'gelu')]);
    for (const model of ['left', 'right']) {
      await waitForStatus(ns, model, 'promoted', (s) => s.phase === 'Healthy' && s.stableActivation === 'gelu', 150_000);
    }
    for (const [i, sampler] of samplers.entries()) {
      const samples = await sampler.stop();
      expect(routedToEmptyCanary(samples)).toEqual([]);
      expect(weightsCarried(samples).filter((w, j) => w > 0 || j === 0)).toEqual([0, 20, 60]);
      expect(samples.some((s) => s.header)).toBe(true);
      expect(samples.some((s) => s.mirror === 10)).toBe(true);
      const reasons = (await modelVariantEvents(ns, ['left', 'right'][i] as string)).map((e) => e.reason);
      expect(reasons.filter((r) => r === 'StepCompleted')).toHaveLength(3);
      expect(reasons.filter((r) => r === 'Promoted')).toHaveLength(1);
      expect(reasons).not.toContain('TrafficRouteRepaired');
    }
    expect((await getRoute('httproutes', ns, 'shared')).spec).toEqual(before.spec);
  });
});
