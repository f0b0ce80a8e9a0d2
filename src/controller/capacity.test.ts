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

describe('computeCapacity', () => {
  it('counts pods that fit node by node, not by the cluster total', () => {
    const c = computeCapacity([node('a', 4), node('b', 4)], [pod('a', 3), pod('b', 3)], 'nvidia.com/gpu', 2);
    expect(c.fits).toBe(0);
    expect(c.detail).toBe('a: 1/4 free, b: 1/4 free');
  });
  it('ignores finished and unbound pods and skips cordoned or non-matching nodes', () => {
    const nodes = [node('a', 4), node('b', 8, { unschedulable: true }), node('c', 8, {}, { pool: 'other' })];
    const c = computeCapacity(nodes, [pod('a', 4, 'Succeeded'), pod(undefined, 4)], 'nvidia.com/gpu', 1, {});
    expect(c.fits).toBe(4 + 8);
    const selected = computeCapacity(nodes, [], 'nvidia.com/gpu', 1, { pool: 'gpu' });
    expect(selected.fits).toBe(0);
    expect(selected.detail).toMatch(/no ready node offers nvidia.com\/gpu/);
  });
  it('lets the tightest ResourceQuota on the resource limit the pods that fit', () => {
    const quota = (name: string, hard: string, used: string) => ({ metadata: { name }, status: { hard: { 'requests.nvidia.com/gpu': hard }, used: { 'requests.nvidia.com/gpu': used } } });
    expect(quotaRoom([quota('a', '8', '6'), quota('b', '4', '1')], 'nvidia.com/gpu', 1)).toEqual({ fits: 2, detail: 'ResourceQuota a: 2/8 requests.nvidia.com/gpu free' });
    expect(quotaRoom([], 'nvidia.com/gpu', 1)).toBeUndefined();
    expect(quotaRoom([{ ...quota('scoped', '1', '1'), spec: { scopes: ['Terminating'] } }], 'nvidia.com/gpu', 1)).toBeUndefined();
  });
});
