/**
 * Fake nodes (kwok runs their pods) that offer an extended resource no other test asks for, so a
 * test's capacity arithmetic is its own: `<prefix>-<suffix>.example.com/gpu` on nodes of its own,
 * which it can cordon and uncordon.
 */
import * as k8s from '@kubernetes/client-node';
import { fakeGpuNode } from '../../harness/cluster.ts';
import { eventually, kubeConfig } from '../../harness/env.ts';

const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);

export interface PrivateNodes {
  /** The extended resource the nodes offer, e.g. quota-x1y2z.example.com/gpu. */
  resource: string;
  names: string[];
  /** Marks every node (un)schedulable, as `kubectl cordon` / `uncordon` do. */
  cordon(unschedulable: boolean): Promise<void>;
  remove(): Promise<void>;
}

/** Creates `count` Ready nodes offering `perNode` units of a resource of their own. */
export async function createPrivateNodes(prefix: string, count: number, perNode: number): Promise<PrivateNodes> {
  const suffix = Math.random().toString(36).slice(2, 7);
  const resource = `${prefix}-${suffix}.example.com/gpu`;
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${suffix}-${i}`);
  for (const name of names) {
    const node = fakeGpuNode(name, 0) as k8s.V1Node;
    const resources = { ...node.status?.capacity, [resource]: String(perNode) };
    await core().createNode({ body: { ...node, status: { ...node.status, capacity: resources, allocatable: resources } } });
  }
  await eventually(`nodes ${names.join(', ')} Ready`, async () => {
    const nodes = await core().listNode({});
    return names.every((n) => nodes.items.find((x) => x.metadata?.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
  });
  return {
    resource, names,
    async cordon(unschedulable) {
      for (const name of names) {
        await core().patchNode({ name, body: { spec: { unschedulable } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      }
    },
    async remove() {
      for (const name of names) await core().deleteNode({ name }).catch(() => undefined);
    },
  };
}
