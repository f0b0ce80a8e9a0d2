import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { LABEL_MODEL, LABEL_ROLE } from '../workload/names.ts';
import { gpusHeld, isGpuResource } from './gpus-held.ts';

interface PodShape {
  model?: string;
  role?: string;
  node?: string;
  phase?: string;
  terminating?: boolean;
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

function pod(p: PodShape): V1Pod {
  return {
    metadata: { labels: { [LABEL_MODEL]: p.model ?? 'sentiment', [LABEL_ROLE]: p.role ?? 'canary' }, ...(p.terminating ? { deletionTimestamp: new Date() } : {}) },
    spec: { ...(p.node === undefined ? { nodeName: 'gpu-a' } : p.node ? { nodeName: p.node } : {}), containers: [{ name: 'server', resources: { limits: p.limits ?? { 'nvidia.com/gpu': '1' }, ...(p.requests ? { requests: p.requests } : {}) } }] },
    status: { phase: p.phase ?? 'Running' },
  };
}

describe('gpusHeld', () => {
  it('sums the GPU requests of the role\'s pods bound to a node, terminating ones included', () => {
    const pods = [pod({}), pod({ limits: { 'nvidia.com/gpu': '2' } }), pod({ terminating: true }), pod({ role: 'stable', limits: { 'nvidia.com/gpu': '4' } })];
    expect(gpusHeld(pods, 'sentiment', 'canary')).toBe(4);
    expect(gpusHeld(pods, 'sentiment', 'stable')).toBe(4);
  });

  it('leaves out pods not yet scheduled, finished pods and other models\' pods', () => {
    const pods = [pod({ node: '' }), pod({ phase: 'Succeeded' }), pod({ phase: 'Failed' }), pod({ model: 'other' }), pod({ phase: 'Pending' })];
    expect(gpusHeld(pods, 'sentiment', 'canary')).toBe(1);
  });

  it('reads a request before a limit, and counts MIG slices and other vendors\' GPUs but not CPU or memory', () => {
    const pods = [
      pod({ limits: { 'nvidia.com/gpu': '2' }, requests: { 'nvidia.com/gpu': '2', cpu: '4', memory: '16Gi' } }),
      pod({ limits: { 'nvidia.com/mig-1g.5gb': '1', 'amd.com/gpu': '1', 'example.com/fpga': '3' } }),
    ];
    expect(gpusHeld(pods, 'sentiment', 'canary')).toBe(4);
  });

  it('names what counts as a GPU', () => {
    expect(['nvidia.com/gpu', 'nvidia.com/mig-3g.20gb', 'amd.com/gpu'].every(isGpuResource)).toBe(true);
    expect(['cpu', 'memory', 'example.com/fpga', 'hugepages-2Mi'].some(isGpuResource)).toBe(false);
  });
});
