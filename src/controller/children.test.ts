import { describe, expect, it } from '@jest/globals';
import { apiMessage, foreignSpecManagers, ownedBy } from './children.ts';

describe('children: ownership and drift, pure parts', () => {
  it('owns only what names the ModelVariant uid in its ownerReferences', () => {
    expect(ownedBy({ metadata: { ownerReferences: [{ apiVersion: 'v', kind: 'k', name: 'n', uid: 'u1' }] } }, 'u1')).toBe(true);
    expect(ownedBy({ metadata: { ownerReferences: [{ apiVersion: 'v', kind: 'k', name: 'n', uid: 'u2' }] } }, 'u1')).toBe(false);
    expect(ownedBy({ metadata: {} }, 'u1')).toBe(false);
  });
  it('sees drift when another manager owns part of spec, not when it owns status or metadata only', () => {
    const managed = (entries: object[]) => ({ metadata: { managedFields: entries } });
    expect(foreignSpecManagers(managed([
      { manager: 'activation-canary', operation: 'Apply', fieldsV1: { 'f:spec': {} } },
      { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {} } },
      { manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:metadata': {} } },
    ]))).toEqual([]);
    expect(foreignSpecManagers(managed([{ manager: 'kubectl', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }]))).toEqual(['kubectl (scale)']);
  });
  it('takes the apiserver\'s message from a Status body, on one line', () => {
    const err = Object.assign(new Error('HTTP-Code: 422'), { code: 422, body: JSON.stringify({ kind: 'Status', message: 'Deployment.apps "x" is invalid:\n quantities must match' }) });
    expect(apiMessage(err)).toBe('Deployment.apps "x" is invalid: quantities must match');
  });
});
