import { describe, expect, it } from '@jest/globals';
import type { V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import { CapacityLedger } from './capacity-ledger.ts';
import type { Placement } from './placement.ts';

const GPU = [{ resource: 'nvidia.com/gpu', perPod: 1 }];
const ANYWHERE: Placement = { nodeSelector: {}, tolerations: [] };

const node = (name: string, gpus: number, spec: V1Node['spec'] = {}, ready = 'True'): V1Node => ({
  metadata: { name }, spec,
  status: { allocatable: { 'nvidia.com/gpu': String(gpus), cpu: '8' }, conditions: [{ type: 'Ready', status: ready }] },
});
const pod = (name: string, nodeName: string | undefined, gpus: number, phase = 'Running'): V1Pod => ({
  metadata: { namespace: 'ml', name },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': String(gpus), cpu: '1' } } }] },
  status: { phase },
});

function ledgerWith(nodes: V1Node[], pods: V1Pod[] = []): CapacityLedger {
  const l = new CapacityLedger();
  for (const n of nodes) l.setNode(n);
  for (const p of pods) l.setPod(p);
  return l;
}

describe('CapacityLedger', () => {
  it('takes GPUs when a pod is bound to a node, not while it waits for one', () => {
    const l = ledgerWith([node('a', 4)]);
    l.setPod(pod('p', undefined, 3));
    expect(l.capacity(GPU, ANYWHERE).fits).toBe(4);
    l.setPod(pod('p', 'a', 3));
    expect(l.capacity(GPU, ANYWHERE)).toEqual({ resource: 'nvidia.com/gpu', perPod: 1, fits: 1, detail: 'a: 1/4 free' });
  });

  it('counts a pod once however often its updates arrive, and moves it when it is rebound', () => {
    const l = ledgerWith([node('a', 4), node('b', 4)]);
    for (let i = 0; i < 3; i++) l.setPod(pod('p', 'a', 2));
    expect(l.heldOn('a', 'nvidia.com/gpu')).toBe(2);
    l.setPod(pod('p', 'b', 2));
    expect([l.heldOn('a', 'nvidia.com/gpu'), l.heldOn('b', 'nvidia.com/gpu')]).toEqual([0, 2]);
  });

  it('frees what a pod held when it is deleted or finishes, and ignores a delete it never counted', () => {
    const l = ledgerWith([node('a', 8)], [pod('p', 'a', 3), pod('q', 'a', 2)]);
    l.deletePod(pod('p', 'a', 3));
    expect(l.capacity(GPU, ANYWHERE).fits).toBe(6);
    l.setPod(pod('q', 'a', 2, 'Succeeded'));
    expect(l.capacity(GPU, ANYWHERE).fits).toBe(8);
    l.deletePod(pod('never-seen', 'a', 5));
    expect(l.capacity(GPU, ANYWHERE).detail).toBe('a: 8/8 free');
    expect(l.size()).toEqual({ nodes: 1, holdingPods: 0 });
  });

  it('leaves a cordoned node out for a template that does not tolerate the cordon, and counts it again when uncordoned', () => {
    const l = ledgerWith([node('a', 4), node('b', 4)], [pod('p', 'a', 1)]);
    l.setNode(node('b', 4, { unschedulable: true }));
    expect(l.capacity(GPU, ANYWHERE)).toMatchObject({ fits: 3, detail: 'a: 3/4 free; not for this template: b (Unschedulable)' });
    l.setNode(node('b', 4));
    expect(l.capacity(GPU, ANYWHERE)).toMatchObject({ fits: 7, detail: 'a: 3/4 free, b: 4/4 free' });
  });

  it('counts a tainted node only for templates that tolerate the taint', () => {
    const reserved: V1Taint = { key: 'gpu', value: 'reserved', effect: 'NoSchedule' };
    const l = ledgerWith([node('a', 2), node('t', 8)]);
    l.setNode(node('t', 8, { taints: [reserved] }));
    expect(l.capacity(GPU, ANYWHERE)).toMatchObject({ fits: 2, detail: 'a: 2/2 free; not for this template: t (Taint)' });
    const tolerating: Placement = { nodeSelector: {}, tolerations: [{ key: 'gpu', operator: 'Equal', value: 'reserved', effect: 'NoSchedule' }] };
    expect(l.capacity(GPU, tolerating).fits).toBe(10);
  });

  it('follows a node that goes away, comes back NotReady, and has its allocatable changed (a GPU lost)', () => {
    const l = ledgerWith([node('a', 4), node('b', 4)], [pod('p', 'b', 1)]);
    l.deleteNode(node('b', 4));
    expect(l.capacity(GPU, ANYWHERE).detail).toBe('a: 4/4 free');
    l.setNode(node('b', 4, {}, 'False'));
    expect(l.capacity(GPU, ANYWHERE).detail).toBe('a: 4/4 free; not for this template: b (NotReady)');
    l.setNode(node('b', 3));
    // The pod bound to b is still counted: its delete has not come.
    expect(l.capacity(GPU, ANYWHERE)).toMatchObject({ fits: 6, detail: 'a: 4/4 free, b: 2/3 free' });
  });

  it('keeps MIG slices and whole GPUs apart, and lets the scarcest asked resource decide', () => {
    const mig: V1Node = { metadata: { name: 'm' }, status: { allocatable: { 'nvidia.com/mig-1g.5gb': '7', 'example.com/nic': '4' }, conditions: [{ type: 'Ready', status: 'True' }] } };
    const slicePod: V1Pod = { metadata: { namespace: 'ml', name: 's' }, spec: { nodeName: 'm', containers: [
      { name: 'a', resources: { requests: { 'nvidia.com/mig-1g.5gb': '2' } } }, { name: 'b', resources: { limits: { 'example.com/nic': '1' } } }] }, status: { phase: 'Running' } };
    const l = ledgerWith([mig], [slicePod]);
    const asks = [{ resource: 'nvidia.com/mig-1g.5gb', perPod: 1 }, { resource: 'example.com/nic', perPod: 2 }];
    expect(l.capacity(asks, ANYWHERE)).toEqual({ resource: 'nvidia.com/mig-1g.5gb', perPod: 1, fits: 1, detail: 'm: 5/7 free (example.com/nic: 3/4 free)' });
    expect(l.heldOn('m', 'nvidia.com/gpu')).toBe(0);
  });
});
