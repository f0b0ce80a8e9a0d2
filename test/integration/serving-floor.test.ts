/**
 * The serving-floor sampler watches what users would: pods of a model that are Ready and not
 * terminating. Here it watches a plain Deployment (no operator) whose pods take two seconds to become
 * Ready, so that scaling up adds no serving pod before it is Ready, and deleting pods makes a dip that
 * the sampler must see, and report.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { LABEL } from '../../src/api/types.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { expectFloorKept, startFloorSampler, type FloorResult } from './support/serving-floor.ts';

let ns: string;
const model = 'floor-model';
const apps = () => kubeConfig().makeApiClient(k8s.AppsV1Api);
const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);

beforeAll(async () => { ns = await createTestNamespace('serving-floor'); });
afterAll(async () => { await deleteTestNamespace(ns); });

async function scale(replicas: number): Promise<void> {
  await apps().patchNamespacedDeploymentScale({ namespace: ns, name: model, body: { spec: { replicas } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
}

const readyReplicas = (n: number) => eventually(`${n} ready replicas`, async () => {
  const d = await apps().readNamespacedDeployment({ namespace: ns, name: model });
  return d.status?.readyReplicas === n && d.status.replicas === n ? true : undefined;
}, 30_000);

describe('the serving-floor sampler', () => {
  beforeAll(async () => {
    const labels = { app: model, [LABEL.model]: model };
    await apps().createNamespacedDeployment({ namespace: ns, body: {
      metadata: { name: model },
      spec: {
        replicas: 3, selector: { matchLabels: labels },
        template: withPodLifecycle({ metadata: { labels }, spec: { containers: [{ name: 'server', image: 'example.com/model:1' }] } }, { readyDelay: '2s' }),
      },
    } });
    await readyReplicas(3);
  });

  it('counts only Ready pods: scaling up keeps the floor, and new pods count once Ready', async () => {
    const sampler = startFloorSampler({ namespace: ns, model, floor: 3 });
    const listPods = async () => (await core().listNamespacedPod({ namespace: ns, labelSelector: `${LABEL.model}=${model}` })).items;
    const original = new Set((await listPods()).map((p) => p.metadata?.name));
    const scaledFrom = sampler.samples.length;
    await scale(5);
    await readyReplicas(5);
    await eventually('the sampler sees 5 serving', async () => (sampler.samples.at(-1)?.ready === 5 ? true : undefined), 5_000, 50);
    // The new pods cannot be Ready before 2 s after their creation (creationTimestamp is whole seconds, so
    // at or before the real instant): samples taken until then must count three, however busy the machine.
    const created = (await listPods()).filter((p) => !original.has(p.metadata?.name)).map((p) => new Date(p.metadata?.creationTimestamp ?? 0).getTime());
    expect(created).toHaveLength(2);
    const loading = sampler.samples.slice(scaledFrom).filter((x) => x.at < Math.min(...created) + 2000);
    await scale(3);
    await readyReplicas(3);
    await new Promise((r) => setTimeout(r, 600));
    const result = await sampler.stop();
    expectFloorKept(result);
    expect(result.min).toBe(3);
    expect(loading.length).toBeGreaterThan(0);
    expect(loading.map((x) => x.ready)).toEqual(loading.map(() => 3));
    expect(Math.max(...result.samples.map((s) => s.ready))).toBe(5);
    expect(result.samples.at(-1)?.ready).toBe(3);
    expect(result.samples.length).toBeGreaterThan(10);
  });

  it('sees the dip when pods are deleted, and says when, how deep and which pods served', async () => {
    const sampler = startFloorSampler({ namespace: ns, model, floor: () => 3, intervalMs: 100 });
    await new Promise((r) => setTimeout(r, 500));
    const pods = await core().listNamespacedPod({ namespace: ns, labelSelector: `${LABEL.model}=${model}` });
    const [survivor, ...victims] = pods.items.map((p) => p.metadata?.name ?? '').sort();
    for (const name of victims) await core().deleteNamespacedPod({ namespace: ns, name });
    // The Deployment's status may still say 3 ready right after the delete: wait on what the sampler saw.
    await eventually('the dip and the recovery', async () => (sampler.samples.some((s) => s.ready < 3) && sampler.samples.at(-1)?.ready === 3 ? true : undefined), 30_000, 100);
    await new Promise((r) => setTimeout(r, 500));
    const result: FloorResult = await sampler.stop();
    expect(result.min).toBe(1);
    expect(result.violations.length).toBeGreaterThan(3); // ~2 s of samples every 100 ms
    expect(result.violations.every((v) => v.ready < 3 && v.floor === 3 && v.pods.length === v.ready)).toBe(true);
    expect(result.violations.some((v) => v.ready === 1 && v.pods[0] === survivor)).toBe(true);
    expect(result.samples.at(-1)?.ready).toBe(3);
    expect(() => expectFloorKept(result)).toThrow(new RegExp(`^the serving floor was broken in ${result.violations.length} of ${result.samples.length} samples \\(min 1\\):\\n  \\+\\d+\\.\\d\\ds \\(\\S+\\): [12] serving < floor 3: \\[`));
  });
});
