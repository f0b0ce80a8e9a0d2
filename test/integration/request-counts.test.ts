/**
 * What the operator costs the apiserver, read from the apiserver's audit log (the operator runs under a
 * user of its own): Healthy ModelVariants cost no write at all over several forced resyncs (`--resync=1s`),
 * and their reads are watches, not a LIST per reconcile; one rollout step costs a bounded number of
 * writes, each accounted for, with the `replicas` router and with a managed HTTPRoute, the bounds of
 * docs/operator.md ("Writes per rollout step"). The ModelVariants live side by side in one namespace and
 * every count is per ModelVariant (its name, its children's, its Events'), so the file takes ~20 s.
 * Pods ask for an extended resource of this file's own fake node, so the test controls capacity.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { countByRequest, countRequests, readAuditEvents, WRITE_VERBS, type AuditEvent } from '../harness/audit.ts';
import { fakeGpuNode } from '../harness/cluster.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import type { ModelVariantSpec } from '../../src/api/types.ts';
import { LONG_WAIT_MS } from '../../src/kube/request-gate.ts';
import { createModelVariant, eventReasons, gpuTemplate, setActivation, waitForStatus } from './support/model-variants.ts';

const suffix = Math.random().toString(36).slice(2, 7);
const RESOURCE = `counts-${suffix}.example.com/gpu`;
const NODE = `counts-${suffix}`;
/** The operator's informers (controller.ts): ModelVariants, Deployments, Services, ControllerRevisions, pods, nodes, ResourceQuotas. */
const INFORMERS = 7;
const RESYNC_MS = 1_000;
const template = withPodLifecycle(gpuTemplate(1, RESOURCE), { readyDelay: '1s' });
const route: ModelVariantSpec['traffic'] = { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public' }], port: 8080 } };
const steps = { steps: [{ setWeight: 25, pause: '2s' }, { setWeight: 50, pause: '10m' }] };
const MODELS: Record<string, ModelVariantSpec> = {
  'quiet': { activation: 'relu', replicas: 2, template },
  'quiet-route': { activation: 'relu', replicas: 2, template, traffic: route },
  'step-replicas': { activation: 'relu', replicas: 4, template, strategy: steps },
  'step-route': { activation: 'relu', replicas: 4, template, traffic: route, strategy: steps },
};
const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
/** A request about ModelVariant `mv`: the object itself, a child (`mv-stable`, its HTTPRoute `mv`) or an Event (`mv.17f…`). */
const about = (mv: string) => (e: AuditEvent) => e.name === mv || !!e.name?.startsWith(`${mv}-`) || !!e.name?.startsWith(`${mv}.`);

let ns: string;
let operator: RunningOperator;

beforeAll(async () => {
  const node = fakeGpuNode(NODE, 0) as k8s.V1Node;
  const resources = { ...node.status?.capacity, [RESOURCE]: '32' };
  await core().createNode({ body: { ...node, status: { ...node.status, capacity: resources, allocatable: resources } } });
  ns = await createTestNamespace('request-counts');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false', `--resync=${RESYNC_MS / 1000}s`], user: `counted-operator-${ns}` });
  await eventually('counting node Ready', async () =>
    (await core().readNode({ name: NODE })).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined);
  await operator.port();
  await Promise.all(Object.entries(MODELS).map(([name, spec]) => createModelVariant(ns, name, spec)));
  await Promise.all(Object.keys(MODELS).map((name) => waitForStatus(ns, name, 'Healthy', (s) => s.phase === 'Healthy')));
});
afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
  await core().deleteNode({ name: NODE }).catch(() => undefined);
});

/** Reconciles the operator has run so far (all results), from its /metrics. */
async function reconciles(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${await operator.port()}/metrics`)).text();
  return [...text.matchAll(/^activation_canary_reconcile_total\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
}

/** Drives `mv` from step 1 (25 %, weight reached) to step 2 (50 %, weight reached); returns its writes in between. */
async function oneStep(mv: string): Promise<AuditEvent[]> {
  await setActivation(ns, mv, 'gelu');
  await waitForStatus(ns, mv, 'step 1 (25 %) reached', (s) => s.currentStepIndex === 0 && !!s.weightReachedAt);
  await sleep(300); // inside step 1's 2 s pause: its StepWeightReached event is written, the step is not completed yet
  const eventsBefore = await eventReasons(ns, mv);
  const since = Date.now();
  await waitForStatus(ns, mv, 'step 2 (50 %) reached', (s) => s.currentStepIndex === 1 && !!s.weightReachedAt);
  await sleep(500); // the step's event, written after its status
  const writes = (await readAuditEvents({ user: operator.user, namespace: ns, since, until: Date.now(), verbs: WRITE_VERBS })).filter(about(mv));
  const t0 = writes[0]?.receivedAt ?? since;
  console.log(`${mv}: one step (25 % → 50 % of 4 replicas), ${writes.length} writes ${JSON.stringify(countByRequest(writes))}:\n` +
    writes.map((e) => `  +${((e.receivedAt - t0) / 1000).toFixed(2)}s ${e.verb} ${e.resource}${e.subresource ? `/${e.subresource}` : ''} ${e.name ?? ''} (${e.code})`).join('\n'));
  // Events: the step's two transitions, StepCompleted and StepWeightReached, once each.
  expect((await eventReasons(ns, mv)).slice(eventsBefore.length).sort()).toEqual(['StepCompleted', 'StepWeightReached']);
  return writes;
}

describe('apiserver requests of the operator, from the audit log', () => {
  it('makes no write for Healthy ModelVariants over several resyncs, lists nothing per reconcile, and reads a managed route from the cache, not the apiserver', async () => {
    await sleep(500); // the Healthy events and the last watch events settle
    const before = await reconciles();
    const since = Date.now();
    await sleep(6 * RESYNC_MS);
    const until = Date.now();
    const reconciled = await reconciles() - before;

    const writes = await readAuditEvents({ user: operator.user, namespace: ns, since, until, verbs: WRITE_VERBS });
    const reads = await countRequests({ user: operator.user, since, until, verbs: ['get', 'list'] });
    const routeReads = await countRequests({ user: operator.user, since, until, verbs: ['get'], resources: ['httproutes'] });
    console.log(`${Object.keys(MODELS).length} Healthy ModelVariants at rest for ${((until - since) / 1000).toFixed(1)} s: ${reconciled} reconciles, ` +
      `writes ${JSON.stringify(countByRequest(writes))}, gets and lists ${JSON.stringify(reads)}`);
    // Resyncs ran (every second, for each of the four), so "no write" is about reconciles that happened.
    expect(reconciled).toBeGreaterThanOrEqual(4 * 4);
    expect(countByRequest(writes)).toEqual({});
    // Reads are the informers' watches; a list is only an informer's relist (at most one each, after a
    // watch expired), never one per reconcile. The routers read the HTTPRoute from the route watch's
    // cache (docs/traffic.md): no GET of it at rest.
    expect(sum(reads) - sum(routeReads)).toBeLessThanOrEqual(INFORMERS);
    expect(sum(routeReads)).toBe(0);
  });

  it('writes a bounded number of times for one rollout step, each write accounted for', async () => {
    const [replicas, weighted] = await Promise.all([oneStep('step-replicas'), oneStep('step-route')]);

    // Status, only when it changes in meaning (docs/operator.md): the step completed, the new step's
    // target and the weight reached (3), plus at most two per pod the step adds or removes (its count in
    // status.replicas, its readiness in the message). Never one per reconcile.
    const statusBound = (podsMoved: number) => 3 + 2 * podsMoved;

    // The replicas router: the canary grows by one pod, then stable shrinks by one (one update each).
    const r = countByRequest(replicas);
    expect(Object.keys(r).sort()).toEqual(['create events', 'patch modelvariants/status', 'update deployments']);
    expect(r['create events']).toBe(2);
    expect(r['update deployments']).toBe(2);
    expect(r['patch modelvariants/status']).toBeLessThanOrEqual(statusBound(2));
    expect(replicas.length).toBeLessThanOrEqual(2 + 2 + statusBound(2));

    // A managed HTTPRoute: stable keeps its 4 pods, the canary grows by one (one update), and the route
    // takes the step's weight once that pod is Ready (one patch of the HTTPRoute).
    const w = countByRequest(weighted);
    expect(Object.keys(w).sort()).toEqual(['create events', 'patch httproutes', 'patch modelvariants/status', 'update deployments']);
    expect(w['create events']).toBe(2);
    expect(w['update deployments']).toBe(1);
    expect(w['patch httproutes']).toBe(1);
    expect(w['patch modelvariants/status']).toBeLessThanOrEqual(statusBound(1));
    expect(weighted.length).toBeLessThanOrEqual(2 + 1 + 1 + statusBound(1));
  });

  it('counts its own requests as the apiserver does, under client-go\'s metric names, and throttles none at this rate', async () => {
    await sleep(500); // both steppers pause 10 m at 50 %: nothing is in flight
    const text = await (await fetch(`http://127.0.0.1:${await operator.port()}/metrics`)).text();
    const samples = (family: string) => [...text.matchAll(new RegExp(`^${family}\\{([^}]*)\\} (\\S+)$`, 'gm'))]
      .map((m) => ({ labels: Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]])), value: Number(m[2]) }));
    const writes = samples('rest_client_requests_total').filter((x) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(x.labels.method ?? ''));
    const audited = await readAuditEvents({ user: operator.user, verbs: WRITE_VERBS });
    console.log(`the operator's own count of its writes: ${JSON.stringify(writes.map((x) => `${x.labels.method} ${x.labels.code}: ${x.value}`))}; the audit log's: ${audited.length}`);
    expect(writes.reduce((n, x) => n + x.value, 0)).toBe(audited.length);
    expect(samples('rest_client_requests_total').some((x) => x.labels.method === 'GET' && x.labels.code === '200' && x.value > 0)).toBe(true);
    // The default limit (20/s, bursts of 30) never held a request of this light load long enough to be worth
    // the operator's "waited for a token" log line (LONG_WAIT_MS, 1 s). A token's short wait can run late on a
    // loaded machine (a timer fires when the event loop gets to it), so the bound is the log line's, not less.
    const slowest = samples('rest_client_rate_limiter_duration_seconds_bucket').filter((x) => x.labels.le === String(LONG_WAIT_MS / 1000));
    const all = samples('rest_client_rate_limiter_duration_seconds_count');
    expect(slowest.reduce((n, x) => n + x.value, 0)).toBe(all.reduce((n, x) => n + x.value, 0));
    // The work queue under client-go's names: keys added, none waiting now.
    expect(samples('workqueue_adds_total')).toEqual([{ labels: { name: 'modelvariant' }, value: expect.any(Number) }]);
    expect(samples('workqueue_adds_total')[0]?.value).toBeGreaterThan(0);
    expect(samples('workqueue_depth')).toEqual([{ labels: { name: 'modelvariant' }, value: 0 }]);
  });
});
