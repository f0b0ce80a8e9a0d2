import { describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { ChildWriter, OWNED_SPEC_FIELDS, apiMessage, driftOf, foreignSpecManagers, keepSpecOwnership, ownedBy, refusalOf, replacementFor } from './children.ts';

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
  it('takes a foreign manager that set the replicas the operator wants for no drift, but any foreign template, selector or other value for drift', () => {
    const deployment = OWNED_SPEC_FIELDS.Deployment ?? [];
    const scaled = { manager: 'an-autoscaler', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } };
    const edited = { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:template': {} } } };
    const live = (replicas: number, ...entries: object[]) => ({ metadata: { managedFields: entries }, spec: { replicas, template: { spec: { containers: [{ name: 'm', image: 'a' }] } } } });
    const want = (replicas: number) => ({ kind: 'Deployment', spec: { replicas, template: { spec: { containers: [{ name: 'm', image: 'a' }] } } } });
    expect(driftOf(live(5, scaled), want(2), deployment)).toEqual(['an-autoscaler (scale)']);
    expect(driftOf(live(5, scaled), want(5), deployment)).toEqual([]);
    // A template another manager owns is drift even when it reads the same: defaults make equality unreliable there.
    expect(driftOf(live(2, edited), want(2), deployment)).toEqual(['kubectl-edit']);
    expect(driftOf(live(5, scaled, edited), want(5), deployment)).toEqual(['kubectl-edit']);
    // A scalar the operator does not set is not "the same": someone else set it.
    expect(driftOf(live(5, scaled), { kind: 'Deployment' }, deployment)).toEqual(['an-autoscaler (scale)']);
  });
  it('keeps in the cached children exactly the ownership the drift check reads, and nothing else', () => {
    // The managedFields of a Deployment as the apiserver keeps them: the operator's create, the
    // controller-manager's status, then foreign writes of various depths.
    const operator = { manager: 'activation-canary', operation: 'Update', apiVersion: 'apps/v1', time: '2026-11-30T12:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {}, 'f:selector': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"server"}': { 'f:image': {} } } } } } } };
    const status = { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } };
    const scale = { manager: 'kubectl', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } };
    const edit = { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:annotations': {} }, 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': {} } } } } };
    const other = { manager: 'someone', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:progressDeadlineSeconds': {} } } };
    const metadataOnly = { manager: 'labeller', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': {} } } };
    const variants: object[][] = [[], [operator], [operator, status], [operator, status, scale], [operator, edit, other, metadataOnly], [scale, edit, other, status]];
    for (const entries of variants) {
      for (const [kind, fields] of Object.entries(OWNED_SPEC_FIELDS)) {
        const obj = () => ({ kind, metadata: { name: 'm-stable', resourceVersion: '7', managedFields: structuredClone(entries) } }) as k8s.KubernetesObject;
        const kept = keepSpecOwnership(obj());
        expect(foreignSpecManagers(kept, fields)).toEqual(foreignSpecManagers(obj(), fields));
        expect(kept.metadata?.name).toBe('m-stable');
        expect(kept.metadata?.resourceVersion).toBe('7');
      }
    }
    const trimmed = keepSpecOwnership({ metadata: { managedFields: [operator, status, scale, edit, metadataOnly] } } as k8s.KubernetesObject).metadata?.managedFields;
    expect(trimmed).toEqual([
      { manager: 'kubectl', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:template': {} } } },
    ]);
    // A child nobody else touched keeps no managedFields at all (deleted, not emptied).
    expect(keepSpecOwnership({ metadata: { name: 'x', managedFields: [operator, status] } } as k8s.KubernetesObject).metadata).toEqual({ name: 'x' });
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
  it('cleans the apiserver\'s message as any server text and cuts it to 200 characters', () => {
    const err = Object.assign(new Error('HTTP-Code: 500'), { code: 500, body: { kind: 'Status', message: `Internal error occurred: \u001b[31mfailed${' x'.repeat(300)}` } });
    const message = apiMessage(err);
    expect(message).toMatch(/^Internal error occurred: failed x x/);
    expect(message).toHaveLength(200);
    expect(message).not.toContain('\u001b');
  });
  it('words one refusal the same whatever order the apiserver lists its causes in', () => {
    const causes = [{ field: 'metadata.name', message: 'must not contain dots' }, { field: 'spec.ports[0].targetPort', message: 'must be no more than 15 characters' }];
    const refusal = (ordered: typeof causes) => ({ body: JSON.stringify({
      message: `Service "a.b" is invalid: [${ordered.map((c) => `${c.field}: ${c.message}`).join(', ')}]`, details: { causes: ordered } }) });
    expect(apiMessage(refusal(causes))).toBe(apiMessage(refusal([...causes].reverse())));
  });
  it('tells a final refusal (4xx) from one worth retrying (5xx) and from errors that are no refusal', () => {
    expect([403, 422, 400].map(refusalOf)).toEqual(['final', 'final', 'final']);
    expect([500, 503].map(refusalOf)).toEqual(['retry', 'retry']);
    expect([409, 429, undefined, 200].map(refusalOf)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('ChildWriter: what the apiserver refuses', () => {
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'm-stable', namespace: 'ml' }, spec: {} };
  /** An objects API whose create fails with `code` and a Status carrying `message`, or with a network error. */
  const failingCreate = (code: number | undefined, message: string) => ({
    create: () => Promise.reject(code === undefined ? new TypeError('fetch failed') : Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', message }) })),
  }) as unknown as k8s.KubernetesObjectApi;

  it('reports a full service IP range (a 5xx) with the apiserver\'s words and marks it to retry', async () => {
    const writer = new ChildWriter(failingCreate(500, 'Internal error occurred: failed to allocate a serviceIP for Service "m-stable": range is full'), 'uid');
    expect(await writer.ensure(service, undefined)).toBe('unchanged');
    expect(writer.problems).toEqual([{ code: 'Rejected', kind: 'Service', name: 'm-stable', status: 500, retry: true,
      message: 'the apiserver refused Service m-stable (HTTP 500): Internal error occurred: failed to allocate a serviceIP for Service "m-stable": range is full' }]);
    expect(writer.retryable()).toBe(writer.problems[0]);
  });

  it('reports a quota refusal (a 4xx) without asking for a retry, and throws a network error as it is', async () => {
    const quota = new ChildWriter(failingCreate(403, 'services "m-stable" is forbidden: exceeded quota: q, requested: services=1, used: services=1, limited: services=1'), 'uid');
    await quota.ensure(service, undefined);
    expect(quota.problems[0]).toMatchObject({ code: 'Rejected', status: 403, message: expect.stringContaining('exceeded quota') });
    expect(quota.retryable()).toBeUndefined();
    await expect(new ChildWriter(failingCreate(undefined, ''), 'uid').ensure(service, undefined)).rejects.toThrow('fetch failed');
  });
});
