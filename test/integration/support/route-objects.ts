/**
 * Raw access to route objects (HTTPRoute, VirtualService) as a user or Argo CD touches them, for tests
 * that change routes under a running operator: read, create, replace (with a field manager of one's
 * own, as `kubectl edit` does), delete.
 */
import * as k8s from '@kubernetes/client-node';
import { kubeConfig } from '../../harness/env.ts';
import type { RouteKind } from './route-sampler.ts';

const API = { httproutes: ['gateway.networking.k8s.io', 'v1', 'HTTPRoute'], virtualservices: ['networking.istio.io', 'v1', 'VirtualService'] } as const;
const custom = () => kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const ref = (kind: RouteKind, namespace: string, name: string) => ({ group: API[kind][0], version: API[kind][1], plural: kind, namespace, name });

export type RouteObject = Record<string, unknown> & { metadata: k8s.V1ObjectMeta; spec: Record<string, unknown> };

export const getRoute = (kind: RouteKind, namespace: string, name: string) =>
  custom().getNamespacedCustomObject(ref(kind, namespace, name)) as Promise<RouteObject>;

export async function findRoute(kind: RouteKind, namespace: string, name: string): Promise<RouteObject | undefined> {
  try {
    return await getRoute(kind, namespace, name);
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export const createRoute = (kind: RouteKind, namespace: string, name: string, spec: object, fieldManager = 'argocd-controller') =>
  custom().createNamespacedCustomObject({
    group: API[kind][0], version: API[kind][1], plural: kind, namespace, fieldManager,
    body: { apiVersion: `${API[kind][0]}/${API[kind][1]}`, kind: API[kind][2], metadata: { name }, spec },
  }) as Promise<RouteObject>;

/** Reads the route, lets `edit` change it, and writes it back as `fieldManager` (a 409 from a concurrent write is retried). */
export async function editRoute(kind: RouteKind, namespace: string, name: string, edit: (r: RouteObject) => void, fieldManager = 'kubectl-edit'): Promise<RouteObject> {
  for (let attempt = 0; ; attempt++) {
    const live = structuredClone(await getRoute(kind, namespace, name));
    edit(live);
    try {
      return (await custom().replaceNamespacedCustomObject({ ...ref(kind, namespace, name), body: live, fieldManager })) as RouteObject;
    } catch (err) {
      if ((err as { code?: number }).code !== 409 || attempt >= 5) throw err;
    }
  }
}

export const deleteRoute = (kind: RouteKind, namespace: string, name: string) => custom().deleteNamespacedCustomObject(ref(kind, namespace, name));

/** An HTTPRoute rule's backendRefs, as the tests edit them. */
export type Rule = { name?: string; matches?: unknown[]; filters?: unknown[]; backendRefs?: { name: string; port?: number; weight?: number }[] };
export const rulesOf = (r: RouteObject) => (r.spec.rules ?? []) as Rule[];
