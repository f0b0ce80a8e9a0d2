/**
 * The `gatewayAPI` router's fixtures for the route conformance suite: its routers in both modes, and
 * a user's HTTPRoute as one kept in Git would look (another model's rule, the model's rule with a
 * rewrite, a header modifier, a timeout and a third backend with a filter of its own, a redirect).
 */
import type * as k8s from '@kubernetes/client-node';
import type { IHTTPRouteRule } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRouteRule';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { createGatewayApiRouter } from '../../../src/traffic/gateway-api.ts';
import { isModelRule } from '../../../src/traffic/http-route.ts';
import type { RouteTarget } from '../../../src/traffic/router.ts';
import type { RouteFixtures } from './router-conformance.ts';

const svc = (name: string, weight?: number) => ({ name, port: 8080, ...(weight !== undefined ? { weight } : {}) });
const rulesOf = (live: k8s.KubernetesObject) => ((live as unknown as HTTPRoute).spec.rules ?? []);
const model = (t: RouteTarget) => [t.stableService, t.canaryService];

function userHTTPRoute(t: RouteTarget, route: string, modelRefs: IHTTPRouteRule['backendRefs']): k8s.KubernetesObject {
  return new HTTPRoute({
    metadata: { name: route, labels: { 'app.kubernetes.io/part-of': 'ml-platform' }, annotations: { 'argocd.argoproj.io/tracking-id': `ml:${route}` } },
    spec: {
      parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }],
      hostnames: ['models.example.com'],
      rules: [
        { name: 'translation', matches: [{ path: { type: 'PathPrefix', value: '/translate' } }], backendRefs: [svc('translation', 1)] },
        {
          matches: [{ path: { type: 'PathPrefix', value: `/${t.name}` }, headers: [{ name: 'x-tenant', value: 'acme' }] }, { path: { type: 'Exact', value: '/score' } }],
          filters: [
            { type: 'URLRewrite', urlRewrite: { hostname: 'sentiment.internal' } },
            { type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x-model', value: t.name }] } },
          ],
          backendRefs: [...(modelRefs ?? []), { ...svc('shadow-logger', 0), filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['authorization'] } }] }],
          timeouts: { request: '10s' },
        },
        { matches: [{ path: { type: 'Exact', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: `/${t.name}` }, statusCode: 301 } }] },
      ],
    },
  }) as unknown as k8s.KubernetesObject;
}

export const gatewayApiFixtures: RouteFixtures = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  managed: (deps) => createGatewayApiRouter({ parentRefs: [{ name: 'public', namespace: 'gateways' }], hostnames: ['models.example.com'], port: 8080 }, deps),
  existing: (route, deps) => createGatewayApiRouter({ httpRoute: route, port: 8080 }, deps),
  userRoute: (t, route) => userHTTPRoute(t, route, [svc(t.stableService, 100), svc(t.canaryService, 0)]),
  userRouteWithoutCanary: (t, route) => userHTTPRoute(t, route, [svc(t.stableService, 1)]),
  weightEdit: (live, t, weight) => ({
    apiVersion: live.apiVersion, kind: live.kind, metadata: { name: live.metadata?.name, namespace: live.metadata?.namespace },
    spec: {
      rules: rulesOf(live).map((r) => (!isModelRule(r, t) ? r : {
        ...r,
        backendRefs: r.backendRefs?.map((b) => (b.name === t.stableService ? { ...b, weight: 100 - weight } : b.name === t.canaryService ? { ...b, weight } : b)),
      })),
    },
  }),
  unrelated: (live, t) => {
    const spec = (live as unknown as HTTPRoute).spec;
    return {
      ...spec,
      rules: rulesOf(live).filter((r) => !r.backendRefs?.some((b) => model(t).includes(b.name))),
      modelRules: rulesOf(live).filter((r) => isModelRule(r, t)).map((r) => ({
        ...r,
        backendRefs: r.backendRefs?.filter((b) => !model(t).includes(b.name)),
        filters: r.filters?.filter((f) => f.type !== 'RequestMirror'),
      })),
    };
  },
};
