/**
 * What the operator costs the apiserver, read from the apiserver's audit log (the operator runs under a
 * user of its own): a Healthy ModelVariant costs no write at all over several resyncs, and its reads are
 * watches, not a LIST per reconcile; one rollout step costs a bounded number of writes, each accounted
 * for. Pods ask for an extended resource of this file's own fake node, so the test controls capacity.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { countByRequest, countRequests, countWrites, readAuditEvents, WRITE_VERBS } from '../harness/audit.ts';
import { fakeGpuNode } from '../harness/cluster.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { createModelVariant, eventReasons, gpuTemplate, setActivation, waitForStatus } from './support/model-variants.ts';

const suffix = Math.random().toString(36).slice(2, 7);
const RESOURCE = `counts-${suffix}.example.com/gpu`;
const NODE = `counts-${suffix}`;
/** The operator's informers (controller.ts): ModelVariants, Deployments, Services, ControllerRevisions, pods, nodes, ResourceQuotas. */
const INFORMERS = 7;
const RESYNC_MS = 2_000;
const template = withPodLifecycle(gpuTemplate(1, RESOURCE), { readyDelay: '2s' });
const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

let ns: string;
let operator: RunningOperator;

beforeAll(async () => {
  const node = fakeGpuNode(NODE, 0) as k8s.V1Node;
  const resources = { ...node.status?.capacity, [RESOURCE]: '16' };
  await core().createNode({ body: { ...node, status: { ...node.status, capacity: resources, allocatable: resources } } });
  await eventually('counting node Ready', async () =>
    (await core().readNode({ name: NODE })).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined);
  ns = await createTestNamespace('request-counts');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false', `--resync=${RESYNC_MS / 1000}s`], user: `counted-operator-${ns}` });
  await operator.port();
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

/** Five resyncs with nothing changing, once the last events settled: the window and the reconciles in it. */
async function atRest(): Promise<{ reconciled: number; since: number; until: number }> {
  await sleep(1_000); // the Healthy event and the last watch events settle
  const before = await reconciles();
  const since = Date.now();
  await sleep(5 * RESYNC_MS);
  return { reconciled: await reconciles() - before, since, until: Date.now() };
}

describe('apiserver requests of the operator, from the audit log', () => {
  it('makes no write for a Healthy ModelVariant over several resyncs, and lists nothing per reconcile', async () => {
    await createModelVariant(ns, 'quiet', { activation: 'relu', replicas: 2, template });
    await waitForStatus(ns, 'quiet', 'Healthy', (s) => s.phase === 'Healthy');
    const { reconciled, since, until } = await atRest();

    const writes = await countWrites({ user: operator.user, namespace: ns, since, until });
    const reads = await countRequests({ user: operator.user, since, until, verbs: ['get', 'list'] });
    console.log(`at rest for ${((until - since) / 1000).toFixed(1)} s: ${reconciled} reconciles, writes ${JSON.stringify(writes)}, gets and lists ${JSON.stringify(reads)}`);
    // Several resyncs ran (one every 2 s), so "no write" is about reconciles that happened, not about none.
    expect(reconciled).toBeGreaterThanOrEqual(4);
    expect(writes).toEqual({});
    // Reads are the informers' watches; a list is only an informer's relist (at most one each, after a
    // watch expired), never one per reconcile.
    expect(sum(reads)).toBeLessThanOrEqual(INFORMERS);
    expect(sum(reads)).toBeLessThan(reconciled);
  });

  it('makes no write for a Healthy ModelVariant behind a managed HTTPRoute, and reads the route once or twice per reconcile', async () => {
    await createModelVariant(ns, 'quiet-route', { activation: 'relu', replicas: 2, template,
      traffic: { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public' }], port: 8080 } } });
    await waitForStatus(ns, 'quiet-route', 'Healthy', (s) => s.phase === 'Healthy');
    const { reconciled, since, until } = await atRest();
    const writes = await countWrites({ user: operator.user, namespace: ns, since, until });
    const routeReads = await countRequests({ user: operator.user, since, until, verbs: ['get'], resources: ['httproutes'] });
    console.log(`behind a managed HTTPRoute, at rest for ${((until - since) / 1000).toFixed(1)} s: ${reconciled} reconciles (both ModelVariants), writes ${JSON.stringify(writes)}, route GETs ${JSON.stringify(routeReads)}`);
    expect(reconciled).toBeGreaterThanOrEqual(4);
    expect(writes).toEqual({});
    // The router reads the live route (reconcile, then getRoutes) on each of its ModelVariant's reconciles:
    // a known cost (docs/traffic.md), bounded by two per reconcile.
    expect(sum(routeReads)).toBeLessThanOrEqual(2 * reconciled);
  });

  it('writes a bounded number of times for one rollout step, each write accounted for', async () => {
    await createModelVariant(ns, 'stepping', {
      activation: 'relu', replicas: 4, template,
      strategy: { steps: [{ setWeight: 25, pause: '2s' }, { setWeight: 50, pause: '10m' }] },
    });
    await waitForStatus(ns, 'stepping', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'stepping', 'gelu');
    await waitForStatus(ns, 'stepping', 'step 1 (25 %) reached', (s) => s.currentStepIndex === 0 && !!s.weightReachedAt);
    // Inside step 1's pause: its StepWeightReached event is written, the step is not completed yet.
    await sleep(500);
    const eventsBefore = await eventReasons(ns, 'stepping');
    const since = Date.now();
    await waitForStatus(ns, 'stepping', 'step 2 (50 %) reached', (s) => s.currentStepIndex === 1 && !!s.weightReachedAt);
    await sleep(1_000); // the step's event, written after its status
    const until = Date.now();

    const writes = await readAuditEvents({ user: operator.user, namespace: ns, since, until, verbs: WRITE_VERBS });
    const counts = countByRequest(writes);
    const t0 = writes[0]?.receivedAt ?? since;
    console.log(`one step (25 % → 50 % of 4 replicas: one canary pod added, one stable pod removed), ${writes.length} writes ${JSON.stringify(counts)}:\n` +
      writes.map((e) => `  +${((e.receivedAt - t0) / 1000).toFixed(2)}s ${e.verb} ${e.resource}${e.subresource ? `/${e.subresource}` : ''} ${e.name ?? ''} (${e.code})`).join('\n'));

    // Events: the step's two transitions, StepCompleted and StepWeightReached, once each.
    const newEvents = (await eventReasons(ns, 'stepping')).slice(eventsBefore.length);
    expect(newEvents.sort()).toEqual(['StepCompleted', 'StepWeightReached']);
    expect(counts['create events']).toBe(2);
    // Deployments: one write per role whose size changes (the canary grows by one, then stable shrinks by one).
    expect(counts['update deployments']).toBe(2);
    // Status, only when it changes in meaning: the step completed (1), the new step's target (1), then
    // what status reports of the two roles as the Deployments move (status.replicas, the counts in the
    // message and in Available): each role's replicas and ready count, at most once each (4), and the
    // weight reached (1). Never a write per reconcile.
    expect(counts['patch modelvariants/status']).toBeLessThanOrEqual(7);
    // Nothing else: no Service, no ControllerRevision, no delete.
    expect(Object.keys(counts).sort()).toEqual(['create events', 'patch modelvariants/status', 'update deployments']);
    expect(writes.length).toBeLessThanOrEqual(11);
  });
});
