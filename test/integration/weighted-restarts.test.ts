/**
 * The operator SIGKILLed in the middle of weighted rollouts, on the real control plane, at the moments
 * where the route and status disagree: right after the apiserver accepted a step's weight on the route
 * and before the operator heard so (status still gives the previous weight; a proxy in front of the
 * apiserver kills it there every time, api-interceptor.ts), as promotion starts, and right after promotion set
 * the route to 0 while the canary still runs. Each time a new operator resumes from status and the live
 * route. A sampler reads the route every 100 ms: it never sends requests to a canary without a ready
 * pod, carries each step's weight once, and every step, reach and promotion is recorded exactly once.
 * Run with the Gateway API (managed) and Istio (a VirtualService the user keeps).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ModelVariantSpec } from '../../src/api/types.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/env.ts';
import { startApiInterceptor } from '../harness/api-interceptor.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { createModelVariant, getModelVariant, gpuTemplate, modelVariantEvents, setActivation, waitForStatus } from './support/model-variants.ts';
import { createRoute, findRoute } from './support/route-objects.ts';
import { readRaw, routedToEmptyCanary, startRouteSampler, weightsCarried, type RouteKind } from './support/route-sampler.ts';

let operator: RunningOperator | undefined;
let ns: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The steps' weights: the operator is killed right after each is written to the route. */
const WEIGHTS = [5, 20, 35, 50];

beforeAll(async () => { ns = await createTestNamespace('weighted-restarts'); });
afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
});

/** Polls every 20 ms until `probe` holds. */
async function when(what: string, probe: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function crashThroughRollout(model: string, kind: RouteKind, route: string, traffic: ModelVariantSpec['traffic']) {
  // The operator talks to the apiserver through a proxy that, once the apiserver has accepted the
  // route write of the next step's weight, SIGKILLs it before it hears the answer: the kill lands
  // between that route write and the status write saying the step was reached, every time.
  const pending = [...WEIGHTS];
  /** What status said at each kill: the canary weight it records and its message. */
  const killedAt: { canaryWeight?: number; message?: string }[] = [];
  const interceptor = await startApiInterceptor({
    intercept: (method, path) => (method === 'PATCH' || method === 'PUT') && path.split('?')[0]!.endsWith(`/namespaces/${ns}/${kind}/${route}`),
    async afterWrite(write) {
      const weight = write.status < 300 && write.body ? readRaw(kind, write.body as Record<string, unknown>, model).weight : undefined;
      if (weight === undefined || weight !== pending[0]) return 'deliver';
      pending.shift();
      await operator?.kill();
      const { canaryWeight, message } = (await getModelVariant(ns, model)).status ?? {};
      killedAt.push({ canaryWeight, message });
      return 'drop';
    },
  });
  const start = async () => {
    operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'], kubeconfig: interceptor.kubeconfig });
    await operator.port();
  };
  try {
    await start();
    await createModelVariant(ns, model, { activation: 'relu', replicas: 2, template: withPodLifecycle(gpuTemplate(1), { readyDelay: '3s', terminationDelay: '1s' }),
      traffic, strategy: { steps: WEIGHTS.map((setWeight) => ({ setWeight, pause: '2s' })) } });
    await waitForStatus(ns, model, 'Healthy', (s) => s.phase === 'Healthy');
    const sampler = startRouteSampler({ namespace: ns, model, kind, route, everyMs: 100 });
    const routeWeight = async () => { const r = await findRoute(kind, ns, route); return r ? readRaw(kind, r, model).weight : undefined; };
    const crash = async () => { await operator?.kill(); await sleep(1500); await start(); };
    await setActivation(ns, model, 'gelu');

    for (let i = 0; i < WEIGHTS.length; i++) {
      await when(`the kill after the route write of ${WEIGHTS[i]} %`, async () => killedAt.length > i);
      await sleep(1500);
      await start();
    }
    await when('promotion', async () => (await getModelVariant(ns, model)).status?.phase === 'Promoting');
    await crash();
    await when('the route at 0 during promotion', async () => (await routeWeight()) === 0);
    await crash();
    await waitForStatus(ns, model, 'promoted', (s) => s.phase === 'Healthy' && s.stableActivation === 'gelu', 120_000);
    const samples = await sampler.stop();
    await operator?.stop();
    operator = undefined;
    const reasons = (await modelVariantEvents(ns, model)).map((e) => e.reason);
    return { samples, reasons, killedAt };
  } finally {
    await interceptor.close();
  }
}

function expectResumedOnce(run: Awaited<ReturnType<typeof crashThroughRollout>>) {
  // Every kill landed after a route write and before status recorded it: status still gave the
  // previous step's weight while the route carried the next.
  expect(run.killedAt.map((k) => k.canaryWeight)).toEqual([0, ...WEIGHTS.slice(0, -1)]);
  expect(routedToEmptyCanary(run.samples)).toEqual([]);
  expect(weightsCarried(run.samples)).toEqual([0, ...WEIGHTS, 0]);
  const count = (reason: string) => run.reasons.filter((r) => r === reason).length;
  expect(count('RolloutStarted')).toBe(1);
  // A kill can land after a status write and before the Event that goes with it is recorded (Events
  // follow their status write; docs/operator.md, Exactly once): never twice, maybe not at all.
  expect(count('StepWeightReached')).toBeGreaterThanOrEqual(1);
  expect(count('StepWeightReached')).toBeLessThanOrEqual(WEIGHTS.length);
  expect(count('StepCompleted')).toBeLessThanOrEqual(WEIGHTS.length - 1);
  expect(count('PromotionStarted')).toBeLessThanOrEqual(1);
  expect(count('Promoted')).toBe(1);
  expect(run.reasons).not.toContain('TrafficRouteRepaired');
  expect(run.reasons).not.toContain('RolledBack');
}

describe('a weighted rollout survives SIGKILLs between a route write and what status says', () => {
  it('gatewayAPI, managed route', async () => {
    const run = await crashThroughRollout('gw-crash', 'httproutes', 'gw-crash',
      { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public', namespace: 'infra' }], port: 8080 } });
    expectResumedOnce(run);
  });

  it('istio, a VirtualService the user keeps', async () => {
    await createRoute('virtualservices', ns, 'vs-crash', {
      hosts: ['vs-crash.example.com'],
      http: [{ name: 'predict', route: [{ destination: { host: 'vs-crash-stable', port: { number: 8080 } }, weight: 100 },
        { destination: { host: 'vs-crash-canary', port: { number: 8080 } }, weight: 0 }] }],
    });
    const run = await crashThroughRollout('vs-crash', 'virtualservices', 'vs-crash', { provider: 'istio', istio: { virtualService: 'vs-crash', port: 8080 } });
    expectResumedOnce(run);
  });
});
