/**
 * Weighted rollouts whose step lists or routes are awkward, on the real control plane (Gateway API CRDs,
 * pods Ready after 2 s):
 * - the step list docs/traffic.md shows (header route, 20 % mirror, 5 %, 50 %) with 6 replicas, where the
 *   mirror step runs 2 canary pods and the 5 % step 1, promotes: the canary shrinks while the header
 *   route keeps sending to its ready pods (it used to wait for a route that only moves once it shrank,
 *   and rolled back at the progress deadline);
 * - strategy.canaryReplicas above spec.replicas before a 100 % step promotes the same way;
 * - a route write the apiserver refuses (the header rule would be a 17th rule; Gateway API allows 16)
 *   turns TrafficRouted False with reason Rejected and the apiserver's words, with one Event, not one
 *   per retry, and the step rolls back at the progress deadline;
 * - a managed route whose name a user's HTTPRoute already has is refused, never adopted.
 * The sampler reads the live route every 200 ms: it never routes to a canary without a ready pod.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestNamespace, deleteTestNamespace } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { conditionOf, createModelVariant, deployment, gpuTemplate, modelVariantEvents, setActivation, waitForStatus } from './support/model-variants.ts';
import { createRoute, getRoute } from './support/route-objects.ts';
import { readRaw, routedToEmptyCanary, startRouteSampler, weightsCarried } from './support/route-sampler.ts';

let operator: RunningOperator;
let ns: string;
const template = () => withPodLifecycle(gpuTemplate(1), { readyDelay: '2s', terminationDelay: '1s' });
const managed = { provider: 'gatewayAPI' as const, gatewayAPI: { parentRefs: [{ name: 'public', namespace: 'infra' }], port: 8080 } };
const modelRule = (model: string) => ({ matches: [{ path: { type: 'PathPrefix', value: '/v1/predict' } }],
  backendRefs: [{ name: `${model}-stable`, port: 8080, weight: 100 }, { name: `${model}-canary`, port: 8080, weight: 0 }] });

beforeAll(async () => {
  ns = await createTestNamespace('step-lists');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
});

describe('weighted step lists that need fewer canary pods than the step before', () => {
  it('the docs\' header route, 20 % mirror, 5 %, 50 % with 6 replicas: promotes, never routing to an unready canary', async () => {
    await createModelVariant(ns, 'docs-example', { activation: 'relu', replicas: 6, template: template(), traffic: managed,
      strategy: { progressDeadline: '40s', steps: [{ setHeaderRoute: { name: 'x-activation-variant', value: 'canary' }, pause: '2s' },
        { setMirror: { percent: 20 }, pause: '2s' }, { setWeight: 5, pause: '2s' }, { setWeight: 50, pause: '2s' }] } });
    await waitForStatus(ns, 'docs-example', 'Healthy', (s) => s.phase === 'Healthy');
    const sampler = startRouteSampler({ namespace: ns, model: 'docs-example', kind: 'httproutes', route: 'docs-example' });
    await setActivation(ns, 'docs-example', 'gelu');
    const end = await waitForStatus(ns, 'docs-example', 'promoted or rolled back', (s) => s.phase === 'Degraded' || (s.phase === 'Healthy' && s.stableActivation === 'gelu'), 150_000);
    const samples = await sampler.stop();
    expect(end.message).not.toContain('rolled back');
    expect(end.stableActivation).toBe('gelu');
    expect(routedToEmptyCanary(samples)).toEqual([]);
    expect(weightsCarried(samples).filter((w, i) => w > 0 || i === 0)).toEqual([0, 5, 50]);
    expect(readRaw('httproutes', await getRoute('httproutes', ns, 'docs-example'), 'docs-example')).toEqual({ weight: 0, header: false });
    expect(samples.some((s) => s.header)).toBe(true);
    expect(samples.some((s) => s.mirror === 20)).toBe(true);
    const reasons = (await modelVariantEvents(ns, 'docs-example')).map((e) => e.reason);
    expect(reasons.filter((r) => r === 'StepCompleted')).toHaveLength(3);
    expect(reasons).not.toContain('RolledBack');
  });

  it('strategy.canaryReplicas above spec.replicas shrinks to spec.replicas for a 100 % step and promotes', async () => {
    await createModelVariant(ns, 'wide', { activation: 'relu', replicas: 1, template: template(), traffic: managed,
      strategy: { canaryReplicas: 3, progressDeadline: '40s', steps: [{ setWeight: 50, pause: '2s' }, { setWeight: 100, pause: '2s' }] } });
    await waitForStatus(ns, 'wide', 'Healthy', (s) => s.phase === 'Healthy');
    const sampler = startRouteSampler({ namespace: ns, model: 'wide', kind: 'httproutes', route: 'wide' });
    await setActivation(ns, 'wide', 'gelu');
    await waitForStatus(ns, 'wide', 'at 50 % with 3 canary pods', (s) => s.canaryWeight === 50 && !!s.weightReachedAt);
    expect((await deployment(ns, 'wide-canary'))?.spec?.replicas).toBe(3);
    const end = await waitForStatus(ns, 'wide', 'promoted or rolled back', (s) => s.phase === 'Degraded' || (s.phase === 'Healthy' && s.stableActivation === 'gelu'), 120_000);
    const samples = await sampler.stop();
    expect(end.phase).toBe('Healthy');
    expect(routedToEmptyCanary(samples)).toEqual([]);
    // Promotion sends the canary nothing before its pods go; that moment can fall between two samples.
    expect(weightsCarried(samples).filter((w, i) => w > 0 || i === 0)).toEqual([0, 50, 100]);
    expect(readRaw('httproutes', await getRoute('httproutes', ns, 'wide'), 'wide').weight).toBe(0);
  });
});

describe('a route the operator cannot write', () => {
  it('a refused write turns TrafficRouted False (Rejected) with one Event, and the step rolls back at the progress deadline', async () => {
    // Gateway API allows 16 rules: with 16 already, the header rule is refused.
    const others = Array.from({ length: 15 }, (_, i) => ({ matches: [{ path: { type: 'PathPrefix', value: `/team-${i}` } }], backendRefs: [{ name: `team-${i}`, port: 80 }] }));
    await createRoute('httproutes', ns, 'crowded', { parentRefs: [{ name: 'public', namespace: 'infra' }], rules: [modelRule('refused'), ...others] });
    const before = await getRoute('httproutes', ns, 'crowded');
    await createModelVariant(ns, 'refused', { activation: 'relu', replicas: 1, template: template(),
      traffic: { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'crowded', port: 8080 } },
      strategy: { progressDeadline: '20s', steps: [{ setHeaderRoute: { name: 'x-smoke', value: 'canary' }, pause: '10m' }] } });
    await waitForStatus(ns, 'refused', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'refused', 'gelu');
    const refused = await waitForStatus(ns, 'refused', 'TrafficRouted=False', (s) => conditionOf(s, 'TrafficRouted')?.status === 'False');
    expect(conditionOf(refused, 'TrafficRouted')).toMatchObject({ reason: 'Rejected' });
    expect(conditionOf(refused, 'TrafficRouted')?.message).toMatch(/refused a write of HTTPRoute .*crowded.*at most 16/);
    const rolledBack = await waitForStatus(ns, 'refused', 'rolled back', (s) => s.phase === 'Degraded', 60_000);
    expect(rolledBack.message).toContain('progress deadline');
    const events = await modelVariantEvents(ns, 'refused');
    // The write is tried on every pass (about once a second for 20 s): one Event says so, not one per try.
    expect(events.filter((e) => e.reason === 'TrafficRouteProblem')).toHaveLength(1);
    expect(events.filter((e) => e.reason === 'TrafficRouteProblem')[0]?.message).toContain('at most 16');
    expect((await getRoute('httproutes', ns, 'crowded')).spec).toEqual(before.spec);
    await waitForStatus(ns, 'refused', 'TrafficRouted=True once the route is left alone', (s) => conditionOf(s, 'TrafficRouted')?.status === 'True');
  });

  it('never adopts a user\'s HTTPRoute that has the managed route\'s name', async () => {
    await createRoute('httproutes', ns, 'taken', { parentRefs: [{ name: 'public', namespace: 'infra' }], rules: [modelRule('taken')] });
    const before = await getRoute('httproutes', ns, 'taken');
    await createModelVariant(ns, 'taken', { activation: 'relu', replicas: 1, template: template(), traffic: managed, strategy: { steps: [{ setWeight: 50, pause: '1s' }] } });
    const s = await waitForStatus(ns, 'taken', 'OwnedByAnother', (x) => conditionOf(x, 'TrafficRouted')?.reason === 'OwnedByAnother');
    expect(conditionOf(s, 'TrafficRouted')?.message).toContain('never takes over');
    // Stable serves first (a change before anything served replaces stable directly, without a canary).
    await waitForStatus(ns, 'taken', 'Healthy', (x) => x.phase === 'Healthy');
    await setActivation(ns, 'taken', 'gelu');
    await waitForStatus(ns, 'taken', 'waiting for the route', (x) => x.phase === 'Paused' && !!x.message?.includes('waits for the traffic route'));
    expect(await deployment(ns, 'taken-canary')).toBeUndefined();
    const after = await getRoute('httproutes', ns, 'taken');
    expect(after.spec).toEqual(before.spec);
    expect(after.metadata.ownerReferences).toBeUndefined();
  });
});
