/**
 * The routers' reads of route objects through the route informer's cache (`cachedRouteReads`), on the
 * real apiserver: a read is answered from the cache (no GET), except when the cache is older than what
 * the operator itself last wrote or saw of the object, which must then be read live, so a reconcile
 * never plans from the weight before its own write. The cache here is a snapshot of one real LIST
 * that never updates: the worst case of a watch that lags, and it makes every outcome deterministic.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { cachedRouteReads, type RouteCache } from '../../src/controller/route-io.ts';
import { createTestNamespace, deleteTestNamespace, kubeConfig } from '../harness/env.ts';
import { createRoute, editRoute } from './support/route-objects.ts';

const API_VERSION = 'gateway.networking.k8s.io/v1';
const rule = (canary: number) => ({ backendRefs: [{ name: 'm-stable', port: 8080, weight: 100 - canary }, { name: 'm-canary', port: 8080, weight: canary }] });
const canaryWeight = (r: k8s.KubernetesObject) => ((r as { spec?: { rules?: ReturnType<typeof rule>[] } }).spec?.rules?.[0]?.backendRefs?.[1]?.weight);

let ns: string;
let snapshot: Map<string, k8s.KubernetesObject>;
let objects: k8s.KubernetesObjectApi;
let routes: k8s.KubernetesObjectApi;
const ref = (name: string) => ({ apiVersion: API_VERSION, kind: 'HTTPRoute', metadata: { namespace: ns, name } });

beforeAll(async () => {
  ns = await createTestNamespace('route-cache');
  for (const name of ['seen', 'written', 'deleted']) await createRoute('httproutes', ns, name, { rules: [rule(0)] });
  objects = k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
  snapshot = new Map((await objects.list(API_VERSION, 'HTTPRoute', ns)).items.map((r) => [r.metadata?.name ?? '', r]));
  const frozen: RouteCache = { get: (namespace, name) => (namespace === ns ? snapshot.get(name) : undefined), hasSynced: () => true };
  routes = cachedRouteReads(objects, new Map([[`${API_VERSION} HTTPRoute`, frozen]]));
});
afterAll(async () => {
  if (ns) await deleteTestNamespace(ns);
});

describe('route reads through the route informer cache', () => {
  it('answers from the cache, not the apiserver, when the operator has not written the route', async () => {
    await editRoute('httproutes', ns, 'seen', (r) => { r.spec.rules = [rule(70)]; });
    // The frozen cache still has 0: what the reconcile reads until the watch delivers the edit (which then wakes it).
    expect(canaryWeight(await routes.read(ref('seen')))).toBe(0);
  });

  it('reads live after its own write until the cache has caught up with it', async () => {
    const written = await routes.patch({ ...ref('written'), spec: { rules: [rule(30)] } } as k8s.KubernetesObject, undefined, undefined, 'activation-canary', undefined, k8s.PatchStrategy.MergePatch);
    const read = await routes.read(ref('written'));
    expect(canaryWeight(read)).toBe(30);
    expect(read.metadata?.resourceVersion).toBe(written.metadata?.resourceVersion);
  });

  it('reads live after a write that failed (a 409 of a stale resourceVersion)', async () => {
    const cached = snapshot.get('seen') as k8s.KubernetesObject;
    await expect(routes.replace({ ...cached, spec: { rules: [rule(10)] } } as k8s.KubernetesObject)).rejects.toMatchObject({ code: 409 });
    expect(canaryWeight(await routes.read(ref('seen')))).toBe(70);
  });

  it('does not answer from the cache for a route it deleted', async () => {
    await routes.delete(ref('deleted'));
    await expect(routes.read(ref('deleted'))).rejects.toMatchObject({ code: 404 });
    // Still gone on the next read, although the frozen cache holds it.
    await expect(routes.read(ref('deleted'))).rejects.toMatchObject({ code: 404 });
  });

  it('passes reads of other kinds to the apiserver', async () => {
    const cm = await objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: ns, name: 'other' }, data: { a: '1' } } as k8s.KubernetesObject);
    expect((await routes.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: ns, name: 'other' } })).metadata?.uid).toBe(cm.metadata?.uid);
  });
});
