/**
 * The `istio` router's fixtures for the route conformance suite: its routers in both modes, and a
 * user's VirtualService as one kept in Git would look (another model's route, the model's route with a
 * match, retries, a timeout, header manipulation and a third destination, a redirect), naming the role
 * Services by a short name and by their full name. The DestinationRule/subset form is checked by
 * istio-router.test.ts.
 */
import type * as k8s from '@kubernetes/client-node';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { createIstioRouter } from '../../../src/traffic/istio.ts';
import { findModelRoutes, headerRouteName, isCanary, isServiceHost, type HttpRoute, type WeightedDestination } from '../../../src/traffic/istio-routes.ts';
import type { RouteTarget } from '../../../src/traffic/router.ts';
import type { RouteFixtures } from './router-conformance.ts';

const httpOf = (live: k8s.KubernetesObject) => (live as unknown as VirtualService).spec?.http ?? [];
const isModel = (d: WeightedDestination, t: RouteTarget) =>
  isServiceHost(d.destination.host, t.stableService, t.namespace) || isServiceHost(d.destination.host, t.canaryService, t.namespace);

function userVirtualService(t: RouteTarget, route: string, model: WeightedDestination[]): k8s.KubernetesObject {
  return new VirtualService({
    metadata: { name: route, labels: { 'app.kubernetes.io/part-of': 'ml-platform' }, annotations: { 'argocd.argoproj.io/tracking-id': `ml:${route}` } },
    spec: {
      hosts: ['models.example.com'],
      gateways: ['gateways/public'],
      http: [
        { name: 'translation', match: [{ uri: { prefix: '/translate' } }], route: [{ destination: { host: 'translation', port: { number: 8080 } } }] },
        {
          name: t.name,
          match: [{ uri: { prefix: `/${t.name}` }, headers: { 'x-tenant': { exact: 'acme' } } }, { uri: { exact: '/score' } }],
          rewrite: { authority: 'sentiment.internal' },
          headers: { request: { add: { 'x-model': t.name } } },
          retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset' },
          timeout: '10s',
          route: [...model, { destination: { host: 'shadow-logger', port: { number: 8080 } }, weight: 0, headers: { request: { remove: ['authorization'] } } }],
        },
        { match: [{ uri: { exact: '/old' } }], redirect: { uri: `/${t.name}`, redirectCode: 301 } },
      ],
    },
  }) as unknown as k8s.KubernetesObject;
}

export const istioFixtures: RouteFixtures = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  managed: (deps) => createIstioRouter({ hosts: ['models.example.com'], gateways: ['gateways/public'], port: 8080 }, deps),
  existing: (route, deps) => createIstioRouter({ virtualService: route, port: 8080 }, deps),
  userRoute: (t, route) => userVirtualService(t, route, [
    { destination: { host: t.stableService, port: { number: 8080 } }, weight: 100 },
    { destination: { host: `${t.canaryService}.${t.namespace}.svc.cluster.local`, port: { number: 8080 } }, weight: 0 },
  ]),
  userRouteWithoutCanary: (t, route) => userVirtualService(t, route, [{ destination: { host: t.stableService, port: { number: 8080 } }, weight: 100 }]),
  weightEdit: (live, t, weight) => {
    const http = structuredClone(httpOf(live));
    for (const m of findModelRoutes(http, t)) {
      const dests = http[m.index]?.route ?? [];
      const [stable, canary] = [dests[m.stable], m.canary !== undefined ? dests[m.canary] : undefined];
      if (stable) stable.weight = 100 - weight;
      if (canary) canary.weight = weight;
    }
    return { apiVersion: live.apiVersion, kind: live.kind, metadata: { name: live.metadata?.name, namespace: live.metadata?.namespace }, spec: { http } };
  },
  unrelated: (live, t) => {
    const spec = (live as unknown as VirtualService).spec ?? {};
    const models = new Set(findModelRoutes(httpOf(live), t).map((m) => m.index));
    return {
      ...spec,
      http: httpOf(live).filter((r, i) => !models.has(i) && r.name !== headerRouteName(t.name)),
      modelRoutes: httpOf(live).filter((_, i) => models.has(i)).map((r): HttpRoute => {
        const { mirror, mirrorPercentage, ...rest } = r;
        const mine = !!mirror && isCanary(mirror, t, 'service');
        return { ...rest, ...(mine ? {} : { mirror, mirrorPercentage }), route: r.route?.filter((d) => !isModel(d, t)) };
      }),
    };
  },
};
