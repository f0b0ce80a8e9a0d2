import { describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { ModelVariant } from '../api/types.ts';
import { observeRole, readyAtRisk } from './observe.ts';

const deployment = (replicas: number, generation: number, status: V1Deployment['status']): V1Deployment => ({
  metadata: { name: 'm-stable', generation }, spec: { replicas, selector: {}, template: {} }, status,
});

describe('readyAtRisk: ready pods a Deployment may still take down on its own', () => {
  it.each([
    ['none at rest', deployment(4, 2, { observedGeneration: 2, replicas: 4, updatedReplicas: 4, readyReplicas: 4 }), 0],
    ['none while it scales up', deployment(4, 3, { observedGeneration: 3, replicas: 2, updatedReplicas: 2, readyReplicas: 2 }), 0],
    ['none while its new pods are still loading', deployment(4, 3, { observedGeneration: 3, replicas: 4, updatedReplicas: 4, readyReplicas: 2 }), 0],
    ['one while pods of an older template are left (maxUnavailable 1)', deployment(4, 3, { observedGeneration: 3, replicas: 4, updatedReplicas: 2, readyReplicas: 4 }), 1],
    ['its only pod when a new template is not observed yet', deployment(1, 3, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1 }), 1],
    ['the excess and one more while a scale-down is not observed yet', deployment(2, 3, { observedGeneration: 2, replicas: 4, updatedReplicas: 4, readyReplicas: 4 }), 3],
    // Stable replaced in place at 2 replicas (one old pod already going), then grown to 3 before its
    // status caught up: it still reports 2 ready, of which only 1 is sure.
    ['one of fewer than spec.replicas when a rolling update may already be taking one down', deployment(3, 4, { observedGeneration: 3, replicas: 2, updatedReplicas: 0, readyReplicas: 2 }), 1],
  ])('%s', (_name, d, expected) => {
    expect(readyAtRisk(d)).toBe(expected);
  });

  it('trusts the pod cache when it shows fewer Ready pods than the status', () => {
    expect(readyAtRisk(deployment(4, 3, { observedGeneration: 3, replicas: 4, updatedReplicas: 2, readyReplicas: 4 }), 3)).toBe(2);
  });
});

describe('observeRole', () => {
  const mv = { apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', metadata: { name: 'm', namespace: 'ml' }, spec: { activation: 'relu', template: {} } } as ModelVariant;
  const pod = (name: string, nodeName?: string): V1Pod => ({
    metadata: { name, namespace: 'ml', labels: { 'activationcanary.io/model': 'm', 'activationcanary.io/role': 'stable' } },
    spec: { containers: [], ...(nodeName ? { nodeName } : {}) },
  });

  it('counts pods the Deployment wants but the cache does not show yet as unscheduled, with Pending ones', () => {
    const d = deployment(4, 3, { observedGeneration: 3, replicas: 3, updatedReplicas: 3, readyReplicas: 2 });
    const role = observeRole(mv, 'stable', d, 'ACTIVATION', [pod('a', 'node-a'), pod('b', 'node-a'), pod('c')]);
    expect(role?.unscheduled).toBe(2);
  });
});
