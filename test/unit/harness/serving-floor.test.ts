import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { expectFloorKept, floorResult, isServing, servingPods } from '../../integration/support/serving-floor.ts';

const pod = (name: string, o: { model?: string; ready?: 'True' | 'False'; terminating?: boolean } = {}): V1Pod => ({
  metadata: {
    name, labels: { 'activationcanary.io/model': o.model ?? 'sentiment' },
    ...(o.terminating ? { deletionTimestamp: new Date() } : {}),
  },
  status: { phase: 'Running', conditions: o.ready ? [{ type: 'Ready', status: o.ready }] : [] },
});

describe('counting the pods that receive traffic', () => {
  it('counts Ready pods of the model that are not terminating', () => {
    const pods = [
      pod('s-1', { ready: 'True' }),
      pod('s-0', { ready: 'True' }),
      pod('loading', { ready: 'False' }),
      pod('pending'),
      pod('leaving', { ready: 'True', terminating: true }),
      pod('other-model', { ready: 'True', model: 'other' }),
    ];
    expect(servingPods(pods, 'sentiment')).toEqual(['s-0', 's-1']);
    expect(isServing(pod('x', { ready: 'True', terminating: true }))).toBe(false);
    expect(isServing({ metadata: { name: 'bare' } })).toBe(false);
  });

  it('reports the minimum and every sample below the floor, and fails with a readable list of them', () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const result = floorResult([
      { at: t0, ready: 4, floor: 3, pods: ['a', 'b', 'c', 'd'] },
      { at: t0 + 200, ready: 2, floor: 3, pods: ['a', 'b'] },
      { at: t0 + 400, ready: 3, floor: 3, pods: ['a', 'b', 'e'] },
    ]);
    expect(result.min).toBe(2);
    expect(result.violations).toEqual([{ at: t0 + 200, ready: 2, floor: 3, pods: ['a', 'b'] }]);
    expect(() => expectFloorKept(result)).toThrow('the serving floor was broken in 1 of 3 samples (min 2):\n  +0.20s (2026-01-01T00:00:00.200Z): 2 serving < floor 3: [a, b]');
    expect(() => expectFloorKept(floorResult([{ at: t0, ready: 3, floor: 3, pods: ['a', 'b', 'c'] }]))).not.toThrow();
    expect(() => expectFloorKept(floorResult([], ['boom']))).toThrow(/never sampled; every list failed, e.g. boom/);
  });
});
