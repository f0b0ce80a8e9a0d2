/**
 * GPU awareness and bad input on the real scheduler: a canary that cannot fit is held with a
 * condition naming the shortfall; a GPU request no node can satisfy is reported with the scheduler's
 * words (node trouble is an observation, never an invalid spec) without a hot loop, while the operator keeps serving other ModelVariants. The test brings its own
 * fake nodes with a resource name of its own, so other tests' pods cannot change the arithmetic.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { fakeGpuNode } from '../harness/cluster.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { createModelVariant, deployment, gpuTemplate, setActivation, waitForStatus } from './support/model-variants.ts';

const suffix = Math.random().toString(36).slice(2, 7);
const RESOURCE = `capacity-${suffix}.example.com/gpu`;
const NODES = [`capacity-${suffix}-a`, `capacity-${suffix}-b`];
/** A resource of its own on two more nodes: `open` (1 unit) and `tainted` (4 units, dedicated=ml:NoSchedule). */
const TAINT_RESOURCE = `taint-${suffix}.example.com/gpu`;
const OPEN = `taint-${suffix}-open`;
const TAINTED = `taint-${suffix}-tainted`;
let ns: string;
let operator: RunningOperator;
const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);

beforeAll(async () => {
  ns = await createTestNamespace('capacity');
  const create = async (name: string, resource: string, units: number, taints?: k8s.V1Taint[]) => {
    const node = fakeGpuNode(name, 0) as k8s.V1Node;
    const resources = { ...node.status?.capacity, [resource]: String(units) };
    await core().createNode({ body: { ...node, spec: { ...node.spec, ...(taints ? { taints } : {}) }, status: { ...node.status, capacity: resources, allocatable: resources } } });
  };
  for (const name of NODES) await create(name, RESOURCE, 4);
  await create(OPEN, TAINT_RESOURCE, 1);
  await create(TAINTED, TAINT_RESOURCE, 4, [{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }]);
  await eventually('capacity nodes Ready', async () => {
    const nodes = await core().listNode({});
    return [...NODES, OPEN, TAINTED].every((n) => nodes.items.find((x) => x.metadata?.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
  });
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
  for (const name of [...NODES, OPEN, TAINTED]) await core().deleteNode({ name }).catch(() => undefined);
});

async function reconcileCount(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${await operator.port()}/metrics`)).text();
  return [...text.matchAll(/^activation_canary_reconcile_total\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
}

describe('GPU capacity', () => {
  it('holds a canary that does not fit, with a condition naming the shortfall and the free GPUs per node', async () => {
    // Three 4-GPU pods on two 4-GPU nodes: two run, one stays Pending with the scheduler's reason.
    await createModelVariant(ns, 'big', { activation: 'relu', replicas: 3, template: gpuTemplate(4, RESOURCE), strategy: { steps: [{ setWeight: 50, pause: '1m' }] } });
    const stable = await waitForStatus(ns, 'big', 'stable deploying with a Pending pod', (s) => /2\/3 ready .*unschedulable/.test(s.message ?? ''));
    expect(stable.message).toMatch(/2\/3 ready .*Insufficient capacity-/);

    await setActivation(ns, 'big', 'gelu');
    const held = await waitForStatus(ns, 'big', 'held for capacity', (s) => s.conditions?.some((c) => c.type === 'CapacityAvailable' && c.status === 'False') ?? false);
    expect(held.phase).toBe('Paused');
    const c = held.conditions?.find((x) => x.type === 'CapacityAvailable');
    expect(c?.reason).toBe('InsufficientCapacity');
    expect(c?.message).toContain(`needs 1 more pod(s) × 4 ${RESOURCE}`);
    expect(c?.message).toMatch(/but 0 fit \(capacity-\w+-a: 0\/4 free, capacity-\w+-b: 0\/4 free\)/);
    // The stable pod that could never be scheduled went (it served nothing); the two that serve stay.
    expect((await deployment(ns, 'big-stable'))?.spec?.replicas).toBe(2);
    expect((await deployment(ns, 'big-canary'))?.spec?.replicas ?? 0).toBe(0);
    expect(held.capacityHoldSince).toBeDefined();
  });

  it('counts a tainted node only for a template that tolerates its taint, as the scheduler places the pods', async () => {
    const template = (tolerate: boolean) => {
      const t = gpuTemplate(1, TAINT_RESOURCE);
      return tolerate ? { ...t, spec: { ...t.spec, containers: t.spec?.containers ?? [], tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }] } } : t;
    };
    const steps = [{ setWeight: 50, pause: '1m' }];
    // The intolerant one takes the open node's only unit; the tolerant one can only go to the tainted node.
    await createModelVariant(ns, 'intolerant', { activation: 'relu', replicas: 1, template: template(false), strategy: { maxUnavailable: 0, steps } });
    await waitForStatus(ns, 'intolerant', 'Healthy', (s) => s.phase === 'Healthy');
    await createModelVariant(ns, 'tolerant', { activation: 'relu', replicas: 1, template: template(true), strategy: { maxUnavailable: 0, steps } });
    await waitForStatus(ns, 'tolerant', 'Healthy', (s) => s.phase === 'Healthy');

    await setActivation(ns, 'intolerant', 'gelu');
    await setActivation(ns, 'tolerant', 'gelu');
    const held = await waitForStatus(ns, 'intolerant', 'held for capacity', (s) => s.conditions?.some((c) => c.type === 'CapacityAvailable' && c.status === 'False') ?? false);
    expect(held.conditions?.find((c) => c.type === 'CapacityAvailable')?.message).toContain(`but 0 fit (${OPEN}: 0/1 free; not for this template: ${TAINTED} (Taint))`);
    const walking = await waitForStatus(ns, 'tolerant', 'canary at its weight', (s) => !!s.weightReachedAt);
    expect(walking.conditions?.find((c) => c.type === 'CapacityAvailable')?.status).toBe('True');
    // The scheduler agrees: the tolerant canary's pod runs on the tainted node.
    const pods = await core().listNamespacedPod({ namespace: ns, labelSelector: 'activationcanary.io/model=tolerant,activationcanary.io/role=canary' });
    expect(pods.items.map((p) => p.spec?.nodeName)).toEqual([TAINTED]);
  });

  it('reports a GPU request no node can satisfy with the scheduler\'s reason (an observation, not a spec error), without a hot loop, and keeps serving others', async () => {
    await createModelVariant(ns, 'huge', { activation: 'relu', replicas: 1, template: gpuTemplate(16, RESOURCE) });
    const status = await waitForStatus(ns, 'huge', 'stable Pending with the scheduler\'s reason', (s) => /unschedulable: .*Insufficient capacity-/.test(s.message ?? ''));
    expect(status.phase).toBe('Progressing');
    expect(status.conditions?.find((c) => c.type === 'SpecValid')?.status).toBe('True');

    const before = await reconcileCount();
    await new Promise((r) => setTimeout(r, 5000));
    expect(await reconcileCount() - before).toBeLessThan(10);

    await createModelVariant(ns, 'small', { activation: 'relu', replicas: 1, template: gpuTemplate(1) });
    await waitForStatus(ns, 'small', 'Healthy', (s) => s.phase === 'Healthy');
  });
});
