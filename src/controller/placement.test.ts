import { describe, expect, it } from '@jest/globals';
import type { V1Node, V1NodeSelectorRequirement, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { matchesNodeAffinity, nodeRefusal, placementOf, tolerates, UNSCHEDULABLE_TAINT, type Placement } from './placement.ts';

const node = (labels: Record<string, string> = {}, spec: V1Node['spec'] = {}, ready = 'True', name = 'n1'): V1Node =>
  ({ metadata: { name, labels }, spec, status: { conditions: [{ type: 'Ready', status: ready }] } });
const required = (...terms: { matchExpressions?: V1NodeSelectorRequirement[]; matchFields?: V1NodeSelectorRequirement[] }[]): Placement =>
  ({ nodeSelector: {}, tolerations: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });

describe('tolerates (core/v1 Toleration.ToleratesTaint)', () => {
  const taint: V1Taint = { key: 'gpu', value: 'a100', effect: 'NoSchedule' };
  it.each<[string, V1Toleration, boolean]>([
    ['Equal with the same key, value and effect', { key: 'gpu', operator: 'Equal', value: 'a100', effect: 'NoSchedule' }, true],
    ['Equal is the default operator', { key: 'gpu', value: 'a100' }, true],
    ['Equal with another value', { key: 'gpu', value: 'h100' }, false],
    ['Exists with the key, any value', { key: 'gpu', operator: 'Exists' }, true],
    ['Exists with an empty key tolerates every taint', { operator: 'Exists' }, true],
    ['an empty effect matches every effect', { key: 'gpu', operator: 'Exists', effect: '' }, true],
    ['another effect', { key: 'gpu', operator: 'Exists', effect: 'NoExecute' }, false],
    ['another key', { key: 'tpu', operator: 'Exists' }, false],
    ['an empty key with Equal tolerates nothing', { value: 'a100' }, false],
  ])('%s: %p', (_, toleration, want) => {
    expect(tolerates(toleration, taint)).toBe(want);
  });
});

describe('matchesNodeAffinity (nodeSelector and required node affinity)', () => {
  const gpuNode = node({ 'gpu.model': 'a100', 'gpu.count': '8', zone: 'z1' }, {}, 'True', 'gpu-7');
  it.each<[string, Placement, boolean]>([
    ['no constraint', { nodeSelector: {}, tolerations: [] }, true],
    ['a matching nodeSelector', { nodeSelector: { zone: 'z1' }, tolerations: [] }, true],
    ['a nodeSelector with another value', { nodeSelector: { zone: 'z2' }, tolerations: [] }, false],
    ['In', required({ matchExpressions: [{ key: 'gpu.model', operator: 'In', values: ['h100', 'a100'] }] }), true],
    ['NotIn', required({ matchExpressions: [{ key: 'gpu.model', operator: 'NotIn', values: ['a100'] }] }), false],
    ['NotIn on a missing label matches', required({ matchExpressions: [{ key: 'spot', operator: 'NotIn', values: ['true'] }] }), true],
    ['Exists', required({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }), true],
    ['DoesNotExist', required({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }), false],
    ['Gt compares integers', required({ matchExpressions: [{ key: 'gpu.count', operator: 'Gt', values: ['4'] }] }), true],
    ['Lt compares integers', required({ matchExpressions: [{ key: 'gpu.count', operator: 'Lt', values: ['4'] }] }), false],
    ['Gt on a label that is not an integer never matches', required({ matchExpressions: [{ key: 'gpu.model', operator: 'Gt', values: ['1'] }] }), false],
    ['expressions of a term are ANDed', required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }, { key: 'gpu.model', operator: 'In', values: ['h100'] }] }), false],
    ['terms are ORed', required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z9'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }), true],
    ['matchFields on metadata.name', required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['gpu-7'] }] }), true],
    ['an empty term matches nothing', required({}), false],
  ])('%s: %p', (_, placement, want) => {
    expect(matchesNodeAffinity(gpuNode, placement)).toBe(want);
  });
});

describe('nodeRefusal', () => {
  const none = placementOf(undefined);
  it('refuses NotReady nodes, cordoned nodes unless the unschedulable taint is tolerated, and untolerated NoSchedule and NoExecute taints', () => {
    expect(nodeRefusal(node({}, {}, 'False'), none)).toBe('NotReady');
    expect(nodeRefusal(node({}, { unschedulable: true }), none)).toBe('Unschedulable');
    expect(nodeRefusal(node({}, { unschedulable: true }), { ...none, tolerations: [{ key: UNSCHEDULABLE_TAINT.key, operator: 'Exists' }] })).toBeUndefined();
    expect(nodeRefusal(node({}, { taints: [{ key: 'k', effect: 'NoExecute' }] }), none)).toBe('Taint');
    expect(nodeRefusal(node({}, { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }), none)).toBeUndefined();
    expect(nodeRefusal(node({ a: 'b' }), { ...none, nodeSelector: { a: 'c' } })).toBe('NodeAffinity');
  });
  it('reads nodeSelector, affinity and tolerations from a pod spec', () => {
    const spec = { containers: [], nodeSelector: { a: 'b' }, tolerations: [{ operator: 'Exists' }], affinity: { nodeAffinity: {} } };
    expect(placementOf(spec)).toEqual({ nodeSelector: { a: 'b' }, tolerations: [{ operator: 'Exists' }], affinity: { nodeAffinity: {} } });
  });
});
