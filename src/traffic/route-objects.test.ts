import { describe, expect, it } from '@jest/globals';
import { isTypeNotServed, lastForeignWriter, ownedByAnother, problemOrThrow, type ManagedFieldsEntry } from './route-objects.ts';
import type { RouteTarget } from './router.ts';

const RULES = ['f:spec', 'f:rules'];
const entry = (manager: string, time: string | Date, fields: object = { 'f:spec': { 'f:rules': {} } }, more: Partial<ManagedFieldsEntry> = {}): ManagedFieldsEntry =>
  ({ manager, operation: 'Update', time, fieldsV1: fields, ...more });

describe('who last wrote a route\'s rules', () => {
  it.each<[string, ManagedFieldsEntry[], string | undefined]>([
    ['nobody', [], undefined],
    ['only the operator', [entry('activation-canary', '2026-01-01T00:00:05Z', undefined, { operation: 'Apply' })], undefined],
    ['someone after the operator', [entry('activation-canary', '2026-01-01T00:00:05Z'), entry('kubectl-edit', '2026-01-01T00:00:09Z')], 'kubectl-edit'],
    ['the operator after someone', [entry('argocd-controller', '2026-01-01T00:00:09Z'), entry('activation-canary', new Date('2026-01-01T00:00:10Z'))], undefined],
    ['the operator and someone in the same second', [entry('kubectl-edit', '2026-01-01T00:00:09Z'), entry('activation-canary', '2026-01-01T00:00:09Z')], undefined],
    ['someone who wrote other fields later', [entry('activation-canary', '2026-01-01T00:00:05Z'), entry('kubectl-label', '2026-01-01T00:00:09Z', { 'f:metadata': { 'f:labels': {} } })], undefined],
    ['a status writer', [entry('activation-canary', '2026-01-01T00:00:05Z'), entry('gateway-controller', '2026-01-01T00:00:09Z', { 'f:spec': { 'f:rules': {} } }, { subresource: 'status' })], undefined],
    ['a user before the operator ever wrote', [entry('kubectl-client-side-apply', '2026-01-01T00:00:01Z')], 'kubectl-client-side-apply'],
  ])('%s', (_what, entries, expected) => {
    expect(lastForeignWriter(entries, RULES)).toBe(expected);
  });
});

describe('apiserver answers', () => {
  const err = (code: number, body: unknown) => Object.assign(new Error(`HTTP-Code: ${code}`), { code, body });

  it('tells a missing object (named in the 404) from a resource type the apiserver does not serve', () => {
    expect(isTypeNotServed(err(404, JSON.stringify({ reason: 'NotFound', details: { name: 'sentiment', kind: 'httproutes' } })))).toBe(false);
    expect(isTypeNotServed(err(404, { reason: 'NotFound', details: {} }))).toBe(true);
    expect(isTypeNotServed(err(404, '404 page not found\n'))).toBe(true);
    expect(isTypeNotServed(new Error('Unrecognized API version and kind: example.io/v1 Foo'))).toBe(true);
    expect(isTypeNotServed(err(403, {}))).toBe(false);
  });

  it('turns a 4xx into Rejected with the apiserver\'s message, and rethrows conflicts, throttling and 5xx', () => {
    const invalid = err(422, JSON.stringify({ message: 'HTTPRoute.gateway.networking.k8s.io "r" is invalid:\n spec.rules[0].backendRefs[0].weight: Invalid value' }));
    expect(problemOrThrow(invalid, 'httproutes.gateway.networking.k8s.io', 'HTTPRoute', 'a write of HTTPRoute ml/r')).toEqual({
      code: 'Rejected',
      message: 'the apiserver refused a write of HTTPRoute ml/r (HTTP 422): HTTPRoute.gateway.networking.k8s.io "r" is invalid: spec.rules[0].backendRefs[0].weight: Invalid value',
    });
    for (const code of [409, 429, 500, 503]) expect(() => problemOrThrow(err(code, {}), 'x', 'X', 'y')).toThrow(`HTTP-Code: ${code}`);
    expect(() => problemOrThrow(new Error('ECONNREFUSED'), 'x', 'X', 'y')).toThrow('ECONNREFUSED');
  });

  it('words one refusal the same whatever order the apiserver lists its causes in (found by the spec fuzzer)', () => {
    // kube-openapi walks a schema's properties in map order, so two refusals of one object list their
    // errors in different orders; a message that changed with the order rewrote TrafficRouted on every
    // pass and woke the ModelVariant again: a reconcile loop (make fuzz, seed 7, case 22).
    const causes = [
      { reason: 'FieldValueInvalid', message: 'Invalid value: "ü": spec.hostnames[1] in body should match', field: 'spec.hostnames[1]' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "𝤃": spec.parentRefs[0].group in body should match', field: 'spec.parentRefs[0].group' },
    ];
    const refusal = (ordered: typeof causes) => err(422, JSON.stringify({
      message: `HTTPRoute.gateway.networking.k8s.io "m" is invalid: [${ordered.map((c) => `${c.field}: ${c.message}`).join(', ')}]`,
      details: { name: 'm', causes: ordered },
    }));
    const a = problemOrThrow(refusal(causes), 'httproutes.gateway.networking.k8s.io', 'HTTPRoute', 'creating HTTPRoute ml/m');
    const b = problemOrThrow(refusal([...causes].reverse()), 'httproutes.gateway.networking.k8s.io', 'HTTPRoute', 'creating HTTPRoute ml/m');
    expect(a).toEqual(b);
    expect(a).toMatchObject({ message: expect.stringContaining('spec.hostnames[1]') });
  });

  it('names the other owner of an object, or says it has none', () => {
    const target: RouteTarget = {
      namespace: 'ml', name: 'sentiment', stableService: 'sentiment-stable', canaryService: 'sentiment-canary', port: 8080,
      owner: { apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', name: 'sentiment', uid: 'uid-1' },
    };
    const other = { metadata: { ownerReferences: [{ apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', name: 'translation', uid: 'uid-2' }] } };
    expect(ownedByAnother('HTTPRoute ml/sentiment', other, target).message).toMatch(/^HTTPRoute ml\/sentiment belongs to ModelVariant ml\/translation \(uid uid-2\), not to ModelVariant ml\/sentiment/);
    expect(ownedByAnother('HTTPRoute ml/sentiment', {}, target).message).toContain('belongs to no ModelVariant (it has no ownerReference)');
  });
});
