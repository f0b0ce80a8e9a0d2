/**
 * Routes a platform team keeps in Git and shares with the operator (the `existing` mode of the
 * gatewayAPI and istio routers), for the GitOps test: per provider, the route object as it is
 * committed, the ModelVariant that points at it (weights, a header route and a mirror among its
 * steps), the `ignoreDifferences` docs/gitops.md gives for it, and a reading of the live route (which
 * of the operator's changes it carries, and the model's weights).
 */
import * as k8s from '@kubernetes/client-node';
import type { ModelVariantSpec } from '../../../src/api/types.ts';

/** What the live route carries of the operator's changes, and the model's (stable, canary) weights. */
export interface LiveRoute {
  header: boolean;
  mirror: boolean;
  weights: [number, number];
  /** Rules (HTTPRoute) or http routes (VirtualService) in all. */
  rules: number;
  /** Matches of the model's rule. */
  matches: number;
}

export interface SharedRoute {
  provider: 'gatewayAPI' | 'istio';
  /** The Application (and Git directory) of the route; the ModelVariant's is `model`. */
  routesApp: string;
  model: string;
  file: string;
  object: object;
  /** The object with a second path match on the model's rule: a platform team's own change. */
  withSecondMatch(): object;
  /** docs/gitops.md's ignoreDifferences for this kind. */
  ignoreDifferences: object[];
  /** The route Application's health with no controller behind the route (Argo CD's own health checks). */
  routesHealth: string;
  spec(activation: string, template: ModelVariantSpec['template']): ModelVariantSpec;
  read(api: k8s.CustomObjectsApi, namespace: string): Promise<LiveRoute>;
}

const STEPS: NonNullable<ModelVariantSpec['strategy']>['steps'] = [
  { setWeight: 30, pause: '3s' }, { setHeaderRoute: { name: 'x-canary', value: 'always' }, pause: '3s' },
  { setMirror: { percent: 10 }, pause: '3s' }, { setWeight: 60, pause: '3s' },
];

const getSpec = async (api: k8s.CustomObjectsApi, group: string, plural: string, namespace: string, name: string) =>
  ((await api.getNamespacedCustomObject({ group, version: 'v1', plural, namespace, name })) as { spec: Record<string, unknown> }).spec;

/** The two shared routes: an HTTPRoute and a VirtualService. */
export const sharedRoutes = (): SharedRoute[] => [httpRoute(), virtualService()];

function httpRoute(): SharedRoute {
  const model = 'routed';
  type Rule = { name?: string; matches?: object[]; filters?: { type: string }[]; backendRefs: { weight: number }[] };
  const route = (paths: string[]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: model },
    spec: {
      parentRefs: [{ name: 'ml-gateway' }],
      rules: [{ matches: paths.map((value) => ({ path: { type: 'PathPrefix', value } })),
        backendRefs: [{ name: `${model}-stable`, port: 8080, weight: 100 }, { name: `${model}-canary`, port: 8080, weight: 0 }] }],
    },
  });
  return {
    provider: 'gatewayAPI', routesApp: 'routes', model, file: 'routes/httproute.yaml',
    object: route(['/v1/predict']),
    withSecondMatch: () => route(['/v1/predict', '/v2/predict']),
    ignoreDifferences: [{
      group: 'gateway.networking.k8s.io', kind: 'HTTPRoute',
      jqPathExpressions: ['.spec.rules[].backendRefs[]?.weight', '.spec.rules[]? | select((.name // "") | endswith("-canary-header"))',
        '.spec.rules[].filters[]? | select(.type == "RequestMirror")'],
    }],
    routesHealth: 'Progressing', // Argo CD's HTTPRoute health waits for a Gateway implementation's status.parents
    spec: (activation, template) => ({ activation, replicas: 2, template, traffic: { provider: 'gatewayAPI', gatewayAPI: { httpRoute: model, port: 8080 } }, strategy: { steps: STEPS } }),
    async read(api, namespace) {
      const rules = (await getSpec(api, 'gateway.networking.k8s.io', 'httproutes', namespace, model)).rules as Rule[];
      const modelRule = rules.find((r) => !r.name?.endsWith('-canary-header'));
      return {
        header: rules.some((r) => r.name?.endsWith('-canary-header')),
        mirror: rules.some((r) => r.filters?.some((f) => f.type === 'RequestMirror')),
        weights: [modelRule?.backendRefs[0]?.weight ?? -1, modelRule?.backendRefs[1]?.weight ?? -1],
        rules: rules.length,
        matches: modelRule?.matches?.length ?? 0,
      };
    },
  };
}

function virtualService(): SharedRoute {
  const model = 'meshed';
  type Http = { name?: string; match?: object[]; mirror?: object; route: { weight?: number }[] };
  const route = (prefixes: string[]) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: model },
    spec: {
      hosts: ['models.example.com'],
      http: [{ match: prefixes.map((prefix) => ({ uri: { prefix } })),
        route: [{ destination: { host: `${model}-stable`, port: { number: 8080 } }, weight: 100 }, { destination: { host: `${model}-canary`, port: { number: 8080 } }, weight: 0 }] }],
    },
  });
  return {
    provider: 'istio', routesApp: 'mesh-routes', model, file: 'mesh-routes/virtualservice.yaml',
    object: route(['/v1/predict']),
    withSecondMatch: () => route(['/v1/predict', '/v2/predict']),
    ignoreDifferences: [{
      group: 'networking.istio.io', kind: 'VirtualService',
      jqPathExpressions: ['.spec.http[].route[]?.weight', '.spec.http[]? | select((.name // "") | endswith("-canary-header"))',
        '.spec.http[].mirror', '.spec.http[].mirrorPercentage'],
    }],
    routesHealth: 'Healthy', // Argo CD has no health check for VirtualServices
    spec: (activation, template) => ({ activation, replicas: 2, template, traffic: { provider: 'istio', istio: { virtualService: model, port: 8080 } }, strategy: { steps: STEPS } }),
    async read(api, namespace) {
      const http = (await getSpec(api, 'networking.istio.io', 'virtualservices', namespace, model)).http as Http[];
      const modelRoute = http.find((r) => !r.name?.endsWith('-canary-header'));
      return {
        header: http.some((r) => r.name?.endsWith('-canary-header')),
        mirror: http.some((r) => r.mirror !== undefined),
        weights: [modelRoute?.route[0]?.weight ?? -1, modelRoute?.route[1]?.weight ?? -1],
        rules: http.length,
        matches: modelRoute?.match?.length ?? 0,
      };
    },
  };
}
