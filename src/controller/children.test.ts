import { describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { OWNED_SPEC_FIELDS, apiMessage, foreignSpecManagers, ownedBy, replacementFor } from './children.ts';

describe('children: ownership and drift, pure parts', () => {
  it('owns only what names the ModelVariant uid in its ownerReferences', () => {
    expect(ownedBy({ metadata: { ownerReferences: [{ apiVersion: 'v', kind: 'k', name: 'n', uid: 'u1' }] } }, 'u1')).toBe(true);
    expect(ownedBy({ metadata: { ownerReferences: [{ apiVersion: 'v', kind: 'k', name: 'n', uid: 'u2' }] } }, 'u1')).toBe(false);
    expect(ownedBy({ metadata: {} }, 'u1')).toBe(false);
  });
  it('sees drift when another manager owns a spec field the operator sets, not status, metadata or other spec fields', () => {
    const managed = (entries: object[]) => ({ metadata: { managedFields: entries } });
    const deployment = OWNED_SPEC_FIELDS.Deployment ?? [];
    expect(foreignSpecManagers(managed([{ manager: 'someone', operation: 'Update', fieldsV1: { 'f:spec': { 'f:progressDeadlineSeconds': {} } } }]), deployment)).toEqual([]);
    expect(foreignSpecManagers(managed([
      { manager: 'activation-canary', operation: 'Apply', fieldsV1: { 'f:spec': {} } },
      { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {} } },
      { manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:metadata': {} } },
    ]), deployment)).toEqual([]);
    expect(foreignSpecManagers(managed([{ manager: 'kubectl', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }]), deployment)).toEqual(['kubectl (scale)']);
    expect(foreignSpecManagers(managed([{ manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:selector': {} } } }]), OWNED_SPEC_FIELDS.Service ?? [])).toEqual(['kubectl-edit']);
  });
  it('replaces the spec fields it sets, keeps what the apiserver allocated and the labels others added', () => {
    const live = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', resourceVersion: '42', labels: { team: 'ml', a: 'old' } },
      spec: { clusterIP: '10.0.0.7', selector: { edited: 'by-hand' }, ports: [{ port: 1 }] } };
    const want = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', labels: { a: 'new' } }, spec: { selector: { model: 'm' }, ports: [{ port: 8080 }] } };
    expect(replacementFor<k8s.V1Service>(want, live)).toEqual({ apiVersion: 'v1', kind: 'Service',
      metadata: { name: 's', resourceVersion: '42', labels: { team: 'ml', a: 'new' }, annotations: {} },
      spec: { clusterIP: '10.0.0.7', selector: { model: 'm' }, ports: [{ port: 8080 }] } });
  });
  it('takes the apiserver\'s message from a Status body, on one line', () => {
    const err = Object.assign(new Error('HTTP-Code: 422'), { code: 422, body: JSON.stringify({ kind: 'Status', message: 'Deployment.apps "x" is invalid:\n quantities must match' }) });
    expect(apiMessage(err)).toBe('Deployment.apps "x" is invalid: quantities must match');
  });
  it('words one refusal the same whatever order the apiserver lists its causes in', () => {
    const causes = [{ field: 'metadata.name', message: 'must not contain dots' }, { field: 'spec.ports[0].targetPort', message: 'must be no more than 15 characters' }];
    const refusal = (ordered: typeof causes) => ({ body: JSON.stringify({
      message: `Service "a.b" is invalid: [${ordered.map((c) => `${c.field}: ${c.message}`).join(', ')}]`, details: { causes: ordered } }) });
    expect(apiMessage(refusal(causes))).toBe(apiMessage(refusal([...causes].reverse())));
  });
});
