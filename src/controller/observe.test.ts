import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { readyAtRisk } from './observe.ts';

const deployment = (replicas: number, generation: number, status: V1Deployment['status']): V1Deployment => ({
  metadata: { name: 'm-stable', generation }, spec: { replicas, selector: {}, template: {} }, status,
});

describe('readyAtRisk: ready pods a Deployment may still take down on its own', () => {
  it.each([
    ['none at rest', deployment(4, 2, { observedGeneration: 2, replicas: 4, updatedReplicas: 4, readyReplicas: 4 }), 0],
    ['none while it scales up', deployment(4, 3, { observedGeneration: 3, replicas: 4, updatedReplicas: 2, readyReplicas: 2 }), 0],
    ['one while pods of an older template are left (maxUnavailable 1)', deployment(4, 3, { observedGeneration: 3, replicas: 4, updatedReplicas: 2, readyReplicas: 4 }), 1],
    ['its only pod when a new template is not observed yet', deployment(1, 3, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1 }), 1],
    ['the excess and one more while a scale-down is not observed yet', deployment(2, 3, { observedGeneration: 2, replicas: 4, updatedReplicas: 4, readyReplicas: 4 }), 3],
    ['none while its new pods are still loading', deployment(4, 3, { observedGeneration: 3, replicas: 4, updatedReplicas: 4, readyReplicas: 2 }), 0],
  ])('%s', (_name, d, expected) => {
    expect(readyAtRisk(d)).toBe(expected);
  });
});
