import { describe, expect, it } from '@jest/globals';
import { describeRouterConformance } from './conformance.suite.ts';
import { createReplicasRouter, readyWeight, replicaSplit } from './replicas.ts';

describeRouterConformance('replicas', {
  newRouter: createReplicasRouter,
  readyFor: (router, total, weight) => router.replicasFor(total, weight),
  keepsTotal: true,
});

describe('the replicas provider', () => {
  it('rounds the canary share to whole replicas', () => {
    expect(replicaSplit(4, 25)).toEqual({ stable: 3, canary: 1 });
    expect(replicaSplit(4, 10)).toEqual({ stable: 3, canary: 1 });
    expect(replicaSplit(3, 50)).toEqual({ stable: 1, canary: 2 });
  });
  it('reports the real ready ratio, not the requested weight', () => {
    expect(readyWeight({ stable: 3, canary: 1 })).toBe(25);
    expect(readyWeight({ stable: 2, canary: 1 })).toBe(33);
    expect(readyWeight({ stable: 0, canary: 0 })).toBe(0);
  });
});
