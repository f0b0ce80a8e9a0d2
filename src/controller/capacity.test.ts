import { describe, expect, it } from '@jest/globals';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { computeCapacity, quotaRoom } from './capacity.ts';

const node = (name: string, gpus: number, extra: Partial<V1Node['spec']> = {}, labels: Record<string, string> = {}): V1Node => ({
  metadata: { name, labels }, spec: { ...extra },
  status: { allocatable: { 'nvidia.com/gpu': String(gpus) }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const pod = (nodeName: string | undefined, gpus: number, phase = 'Running'): V1Pod => ({
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }] },
  status: { phase },
});

const GPU = [{ resource: 'nvidia.com/gpu', perPod: 1 }];

describe('computeCapacity', () => {
  it('counts pods that fit node by node, not by the cluster total', () => {
    const c = computeCapacity([node('a', 4), node('b', 4)], [pod('a', 3), pod('b', 3)], [{ resource: 'nvidia.com/gpu', perPod: 2 }]);
    expect(c.fits).toBe(0);
    expect(c.detail).toBe('a: 1/4 free, b: 1/4 free');
  });
  it('ignores finished and unbound pods and skips cordoned or non-matching nodes', () => {
    const nodes = [node('a', 4), node('b', 8, { unschedulable: true }), node('c', 8, {}, { pool: 'other' })];
    const c = computeCapacity(nodes, [pod('a', 4, 'Succeeded'), pod(undefined, 4)], GPU);
    expect(c.fits).toBe(4 + 8);
    expect(c.detail).toBe('a: 4/4 free, c: 8/8 free; not for this template: b (Unschedulable)');
    const selected = computeCapacity(nodes, [], GPU, { nodeSelector: { pool: 'gpu' }, tolerations: [] });
    expect(selected.fits).toBe(0);
    expect(selected.detail).toBe('no node that would take this template offers nvidia.com/gpu; not for this template: a (NodeAffinity), b (Unschedulable), c (NodeAffinity)');
    expect(computeCapacity([], [], GPU).detail).toBe('no ready node offers nvidia.com/gpu');
  });
  it('counts only the nodes whose taints the template tolerates, as the scheduler does', () => {
    const tainted = node('t', 8, { taints: [{ key: 'gpu', value: 'reserved', effect: 'NoSchedule' }] });
    const preferred = node('p', 2, { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] });
    expect(computeCapacity([tainted, preferred], [], GPU).fits).toBe(2);
    expect(computeCapacity([tainted, preferred], [], GPU, { nodeSelector: {}, tolerations: [{ key: 'gpu', operator: 'Equal', value: 'reserved', effect: 'NoSchedule' }] }).fits).toBe(10);
  });
  it('lets the scarcest of several resources decide per node (a MIG slice and memory-backed resources together)', () => {
    const mig = (name: string, slices: number, other: number): V1Node => ({ ...node(name, 0), status: { ...node(name, 0).status, allocatable: { 'nvidia.com/mig-1g.5gb': String(slices), 'example.com/nic': String(other) } } });
    const asks = [{ resource: 'nvidia.com/mig-1g.5gb', perPod: 1 }, { resource: 'example.com/nic', perPod: 2 }];
    const c = computeCapacity([mig('m', 7, 4), mig('n', 1, 8)], [], asks);
    expect(c.fits).toBe(2 + 1);
    expect(c.detail).toBe('m: 7/7 free (example.com/nic: 4/4 free), n: 1/1 free (example.com/nic: 8/8 free)');
  });
  it('lets the tightest ResourceQuota on the resource limit the pods that fit', () => {
    const quota = (name: string, hard: string, used: string) => ({ metadata: { name }, status: { hard: { 'requests.nvidia.com/gpu': hard }, used: { 'requests.nvidia.com/gpu': used } } });
    expect(quotaRoom([quota('a', '8', '6'), quota('b', '4', '1')], 'nvidia.com/gpu', 1)).toEqual({ fits: 2, detail: 'ResourceQuota a: 2/8 requests.nvidia.com/gpu free' });
    expect(quotaRoom([], 'nvidia.com/gpu', 1)).toBeUndefined();
    expect(quotaRoom([{ ...quota('scoped', '1', '1'), spec: { scopes: ['Terminating'] } }], 'nvidia.com/gpu', 1)).toBeUndefined();
  });
});
