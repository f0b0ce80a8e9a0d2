import { describe, expect, it } from '@jest/globals';
import { ApiException, type KubernetesObjectApi } from '@kubernetes/client-node';
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { describeRouterConformance } from './conformance.suite.ts';
import { createIstioRouter } from './istio.ts';
import { ISTIO_CRD, checkDestinationRules, checkModelRoutes, virtualServiceNotFound } from './istio-problems.ts';
import { headerRouteName, managedHttp, readRouteState, serviceHosts, withRouteState, type HttpRoute } from './istio-routes.ts';
import { isTypeNotServed, ownedByAnother, problemOrThrow } from './route-objects.ts';
import type { RouteTarget } from './router.ts';

const target: RouteTarget = {
  namespace: 'ml', name: 'sentiment', stableService: 'sentiment-stable', canaryService: 'sentiment-canary', port: 8080,
  owner: { apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', name: 'sentiment', uid: 'uid-1' },
};
const noObjects = {} as KubernetesObjectApi;

describeRouterConformance('istio (managed)', { newRouter: () => createIstioRouter({ hosts: ['sentiment.ml.svc.cluster.local'] }, { objects: noObjects }), sharesReplicas: false });
describeRouterConformance('istio (existing)', { newRouter: () => createIstioRouter({ virtualService: 'public' }, { objects: noObjects }), sharesReplicas: false });

/** A user's route to the two role Services, by the host form given. */
const serviceRoute = (stable = 'sentiment-stable', canary = 'sentiment-canary', weights: [number, number] = [100, 0]): HttpRoute => ({
  route: [{ destination: { host: stable, port: { number: 8080 } }, weight: weights[0] }, { destination: { host: canary, port: { number: 8080 } }, weight: weights[1] }],
});
const subsetRoute = (host = 'sentiment', weights: [number, number] = [100, 0]): HttpRoute => ({
  route: [{ destination: { host, subset: 'stable' }, weight: weights[0] }, { destination: { host, subset: 'canary' }, weight: weights[1] }],
});
/** Everything a user's VirtualService may hold besides the model's weights. */
const busyHttp = (): HttpRoute[] => [
  { name: 'admin', match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'admin.ops.svc.cluster.local' } }], timeout: '3s' },
  {
    name: 'model',
    match: [{ uri: { prefix: '/v1/predict' }, headers: { 'x-tenant': { exact: 'acme' } } }],
    retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset' },
    timeout: '10s',
    headers: { request: { set: { 'x-served-by': 'mesh' } } },
    route: [
      { destination: { host: 'sentiment-stable.ml.svc.cluster.local', port: { number: 8080 } }, weight: 80, headers: { response: { add: { 'x-role': 'stable' } } } },
      { destination: { host: 'sentiment-canary.ml.svc.cluster.local', port: { number: 8080 } }, weight: 0 },
      { destination: { host: 'shadow-model.ml.svc.cluster.local' }, weight: 20 },
    ],
    mirror: { host: 'audit-log.ops.svc.cluster.local' },
    mirrorPercentage: { value: 1 },
  },
  { name: 'fallback', route: [{ destination: { host: 'static-site' } }], fault: { delay: { percentage: { value: 0.1 }, fixedDelay: '1s' } } },
];

describe('the istio router finds the model in a VirtualService', () => {
  it('accepts every name of the role Services: short, <svc>.<ns>, <svc>.<ns>.svc and the full name', () => {
    expect(serviceHosts('sentiment-stable', 'ml')).toEqual(['sentiment-stable', 'sentiment-stable.ml', 'sentiment-stable.ml.svc', 'sentiment-stable.ml.svc.cluster.local']);
    for (const [stable, canary] of [['sentiment-stable', 'sentiment-canary'], ['sentiment-stable.ml', 'sentiment-canary.ml.svc'], ['sentiment-stable.ml.svc.cluster.local', 'sentiment-canary.ml.svc.cluster.local']] as const) {
      expect(readRouteState(withRouteState([serviceRoute(stable, canary)], target, { weight: 25 }), target)).toEqual({ weight: 25 });
    }
  });
  it('does not take a Service of another namespace for the model', () => {
    expect(checkModelRoutes([serviceRoute('sentiment-stable.other', 'sentiment-canary.other')], target, 'public')).toMatchObject({ code: 'NoRuleForModel' });
  });
  it('routes host <name> by the subsets stable and canary', () => {
    const http = withRouteState([subsetRoute('sentiment.ml.svc.cluster.local')], target, { weight: 40 });
    expect(http[0]?.route).toEqual([
      { destination: { host: 'sentiment.ml.svc.cluster.local', subset: 'stable' }, weight: 60 },
      { destination: { host: 'sentiment.ml.svc.cluster.local', subset: 'canary' }, weight: 40 },
    ]);
    expect(readRouteState(http, target)).toEqual({ weight: 40 });
  });
});

describe('the istio router writes and reads back weights', () => {
  it.each([0, 1, 5, 25, 33, 50, 99, 100])('sets the canary to %i%% and stable to the rest, and reads the same weight back', (w) => {
    const http = withRouteState([serviceRoute()], target, { weight: w });
    expect(http[0]?.route?.map((d) => d.weight)).toEqual([100 - w, w]);
    expect(readRouteState(http, target)).toEqual({ weight: w });
  });
  it('reads the canary share of the two destinations, the largest among the model routes', () => {
    expect(readRouteState([serviceRoute(undefined, undefined, [3, 1])], target)).toEqual({ weight: 25 });
    expect(readRouteState([serviceRoute(undefined, undefined, [0, 0])], target)).toEqual({ weight: 0 });
    // A second route edited by hand to send the canary more is not hidden behind the first.
    expect(readRouteState([serviceRoute(undefined, undefined, [3, 1]), serviceRoute(undefined, undefined, [0, 100])], target)).toEqual({ weight: 100 });
    const mirrored = withRouteState([serviceRoute(), serviceRoute()], target, { weight: 0, mirrorPercent: 20 });
    expect(readRouteState([serviceRoute(), mirrored[1] as NonNullable<(typeof mirrored)[1]>], target)).toEqual({ weight: 0, mirrorPercent: 20 });
  });
  it('weights every route that sends to the model', () => {
    const http = withRouteState([{ ...serviceRoute(), match: [{ uri: { prefix: '/a' } }] }, subsetRoute()], target, { weight: 10 });
    expect(http.map((r) => r.route?.map((d) => d.weight))).toEqual([[90, 10], [90, 10]]);
  });
  it('changes nothing but the model destinations\' weights, leaving other routes, retries, timeouts, headers, faults and other destinations as written', () => {
    const before = busyHttp();
    const after = withRouteState(before, target, { weight: 25 });
    expect(before).toEqual(busyHttp());
    expect(JSON.stringify(after[0])).toBe(JSON.stringify(before[0]));
    expect(JSON.stringify(after[2])).toBe(JSON.stringify(before[2]));
    const { route: routeAfter, ...restAfter } = after[1] ?? {};
    const { route: routeBefore, ...restBefore } = before[1] ?? {};
    expect(JSON.stringify(restAfter)).toBe(JSON.stringify(restBefore));
    // The two model destinations share what they had (80); the shadow model keeps its 20.
    expect(routeAfter?.map((d) => d.weight)).toEqual([60, 20, 20]);
    expect(JSON.stringify(routeAfter?.map(({ weight: _, ...d }) => d))).toBe(JSON.stringify(routeBefore?.map(({ weight: _, ...d }) => d)));
    expect(readRouteState(after, target)).toEqual({ weight: 25 });
  });
  it('writes an equal copy when the route already carries the state', () => {
    const http = withRouteState(busyHttp(), target, { weight: 0 });
    expect(http).toEqual(busyHttp());
  });
});

describe('the istio router\'s header route', () => {
  it('puts a route first that sends requests with the exact header to the canary', () => {
    const http = withRouteState([serviceRoute()], target, { weight: 5, headerRoute: { name: 'X-Activation-Variant', value: 'canary' } });
    expect(http[0]).toEqual({
      name: headerRouteName('sentiment'),
      match: [{ headers: { 'x-activation-variant': { exact: 'canary' } } }],
      route: [{ destination: { host: 'sentiment-canary', port: { number: 8080 } }, weight: 100 }],
    });
    expect(http[1]?.route?.map((d) => d.weight)).toEqual([95, 5]);
    expect(readRouteState(http, target)).toEqual({ weight: 5, headerRoute: { name: 'x-activation-variant', value: 'canary' } });
  });
  it('keeps the model route\'s own matches in the header route, so other paths of the host are not sent to the canary', () => {
    const http = withRouteState(busyHttp(), target, { weight: 0, headerRoute: { name: 'x-variant', value: 'gelu' } });
    expect(http).toHaveLength(4);
    expect(http[0]?.match).toEqual([{ uri: { prefix: '/v1/predict' }, headers: { 'x-tenant': { exact: 'acme' }, 'x-variant': { exact: 'gelu' } } }]);
    expect(http[0]?.route).toEqual([{ destination: { host: 'sentiment-canary.ml.svc.cluster.local', port: { number: 8080 } }, weight: 100 }]);
    expect(http.slice(1)).toEqual(busyHttp());
    expect(readRouteState(http, target)).toEqual({ weight: 0, headerRoute: { name: 'x-variant', value: 'gelu' } });
  });
  it('sends the header to the canary subset in the subset form', () => {
    const http = withRouteState([subsetRoute()], target, { weight: 0, headerRoute: { name: 'x-variant', value: 'gelu' } });
    expect(http[0]?.route).toEqual([{ destination: { host: 'sentiment', subset: 'canary' }, weight: 100 }]);
  });
  it('is removed, and replaced rather than added twice', () => {
    const once = withRouteState([serviceRoute()], target, { weight: 5, headerRoute: { name: 'x-a', value: '1' } });
    const twice = withRouteState(once, target, { weight: 5, headerRoute: { name: 'x-b', value: '2' } });
    expect(twice).toHaveLength(2);
    expect(readRouteState(twice, target)?.headerRoute).toEqual({ name: 'x-b', value: '2' });
    expect(withRouteState(twice, target, { weight: 5 })).toEqual(withRouteState([serviceRoute()], target, { weight: 5 }));
  });
});

describe('the istio router\'s mirror', () => {
  it('mirrors a percentage of requests to the canary and reads it back', () => {
    const http = withRouteState([serviceRoute()], target, { weight: 0, mirrorPercent: 20 });
    expect(http[0]).toMatchObject({ mirror: { host: 'sentiment-canary', port: { number: 8080 } }, mirrorPercentage: { value: 20 } });
    expect(readRouteState(http, target)).toEqual({ weight: 0, mirrorPercent: 20 });
    expect(withRouteState(http, target, { weight: 0 })).toEqual([serviceRoute()]);
  });
  it.each([[undefined, 100], [7, 7], [0.1, 1], [0, undefined]])('reads a mirror of mirrorPercentage %p as %p%%', (value, percent) => {
    const http = [{ ...subsetRoute(), mirror: { host: 'sentiment', subset: 'canary' }, ...(value !== undefined ? { mirrorPercentage: { value } } : {}) }];
    expect(readRouteState(http, target)).toEqual({ weight: 0, ...(percent !== undefined ? { mirrorPercent: percent } : {}) });
  });
  it('takes a mirror of 0% for no mirror', () => {
    expect(withRouteState([serviceRoute()], target, { weight: 0, mirrorPercent: 0 })).toEqual([serviceRoute()]);
  });
  it('leaves a mirror of the user\'s to another service alone when no mirror is asked', () => {
    const http = withRouteState(busyHttp(), target, { weight: 0 });
    expect(http[1]).toMatchObject({ mirror: { host: 'audit-log.ops.svc.cluster.local' }, mirrorPercentage: { value: 1 } });
    expect(readRouteState(http, target)?.mirrorPercent).toBeUndefined();
  });
});

describe('the istio router\'s managed VirtualService', () => {
  it('routes to the two role Services by their full names and the port', () => {
    const http = managedHttp(target, { weight: 30, mirrorPercent: 10, headerRoute: { name: 'x-variant', value: 'canary' } });
    const stable = { host: 'sentiment-stable.ml.svc.cluster.local', port: { number: 8080 } };
    const canary = { host: 'sentiment-canary.ml.svc.cluster.local', port: { number: 8080 } };
    expect(http).toEqual([
      { name: headerRouteName('sentiment'), match: [{ headers: { 'x-variant': { exact: 'canary' } } }], route: [{ destination: canary, weight: 100 }] },
      { route: [{ destination: stable, weight: 70 }, { destination: canary, weight: 30 }], mirror: canary, mirrorPercentage: { value: 10 } },
    ]);
    expect(() => new VirtualService({ metadata: { name: 'sentiment' }, spec: { hosts: ['sentiment.example.com'], http } }).validate()).not.toThrow();
  });
  it('leaves the port out when the model has none', () => {
    expect(managedHttp({ ...target, port: 0 }, { weight: 0 })[0]?.route?.[0]?.destination).toEqual({ host: 'sentiment-stable.ml.svc.cluster.local' });
  });
});

describe('the istio router\'s problems say what to fix', () => {
  const vsCrd = ISTIO_CRD.VirtualService;
  it('says the Istio CRD is not installed, in one line, for a 404 on the resource type', () => {
    const noType = new ApiException(404, 'Failed to fetch resource metadata for networking.istio.io/v1/VirtualService: HTTP-Code: 404', '404 page not found\n', {});
    expect(problemOrThrow(noType, vsCrd.crd, vsCrd.kind, 'reading VirtualService ml/public')).toEqual({
      code: 'CRDNotInstalled',
      message: 'the Istio VirtualService CRD (virtualservices.networking.istio.io, version v1: Istio 1.22 or later) is not installed on this cluster: install it, or choose another traffic provider',
    });
    const dr = ISTIO_CRD.DestinationRule;
    expect(problemOrThrow(new Error('Unrecognized API version and kind: networking.istio.io/v1 DestinationRule'), dr.crd, dr.kind, 'listing')?.message)
      .toContain('destinationrules.networking.istio.io');
  });
  it('tells a missing VirtualService from a missing CRD, and says what to create', () => {
    const missing = new ApiException(404, 'Not Found', JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'virtualservices.networking.istio.io "public" not found', details: { name: 'public', kind: 'virtualservices' } }), {});
    expect(isTypeNotServed(missing)).toBe(false);
    expect(virtualServiceNotFound(target, 'public')).toEqual({
      code: 'RouteNotFound',
      message: 'VirtualService ml/public not found (traffic.istio.virtualService): create it with an HTTP route whose destinations are ' +
        '{host: sentiment-stable, weight: 100} and {host: sentiment-canary, weight: 0}, or set traffic.istio.hosts instead of virtualService ' +
        'to let the operator create and own VirtualService sentiment',
    });
  });
  it('passes the apiserver\'s refusal on, and leaves server errors and conflicts to the caller', () => {
    const invalid = new ApiException(422, 'Unprocessable', JSON.stringify({ kind: 'Status', message: 'VirtualService.networking.istio.io "public" is invalid: spec.http[0].route[0].weight: Invalid value' }), {});
    expect(problemOrThrow(invalid, vsCrd.crd, vsCrd.kind, 'updating VirtualService ml/public')).toEqual({
      code: 'Rejected',
      message: 'the apiserver refused updating VirtualService ml/public (HTTP 422): VirtualService.networking.istio.io "public" is invalid: spec.http[0].route[0].weight: Invalid value',
    });
    for (const err of [new ApiException(503, 'Unavailable', '', {}), new ApiException(409, 'Conflict', '', {}), new Error('connect ECONNREFUSED 127.0.0.1:6443')]) {
      expect(() => problemOrThrow(err, vsCrd.crd, vsCrd.kind, 'reading')).toThrow(err);
    }
  });
  it('never adopts a VirtualService it did not create, and names another owner', () => {
    const vs = (ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[]) => ({ metadata: { ...(ownerReferences ? { ownerReferences } : {}) } });
    expect(ownedByAnother('VirtualService ml/sentiment', vs(), target)).toEqual({
      code: 'OwnedByAnother',
      message: 'VirtualService ml/sentiment belongs to no ModelVariant (it has no ownerReference), not to ModelVariant ml/sentiment; ' +
        'the operator never takes over an object it does not own: rename or delete it, or point spec.traffic at another one',
    });
    expect(ownedByAnother('VirtualService ml/public', vs([{ apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', name: 'translation', uid: 'uid-2' }]), target).message)
      .toContain('belongs to ModelVariant ml/translation (uid uid-2), not to ModelVariant ml/sentiment');
  });
  it('says which route to add when no route sends to the model', () => {
    expect(checkModelRoutes([{ route: [{ destination: { host: 'other' } }] }], target, 'public')).toEqual({
      code: 'NoRuleForModel',
      message: 'VirtualService ml/public has no HTTP route for this model: add one whose route has the destinations {host: sentiment-stable, weight: 100} ' +
        'and {host: sentiment-canary, weight: 0} (or host sentiment with subsets stable and canary of a DestinationRule)',
    });
  });
  it('says which canary destination each model route lacks', () => {
    const http: HttpRoute[] = [
      { name: 'main', route: [{ destination: { host: 'sentiment-stable' }, weight: 100 }] },
      { route: [{ destination: { host: 'sentiment.ml.svc.cluster.local', subset: 'stable' } }] },
    ];
    expect(checkModelRoutes(http, target, 'public')).toEqual({
      code: 'NoRuleForModel',
      message: 'VirtualService ml/public: http[0] (main) routes to sentiment-stable but not to the canary: add the destination {host: sentiment-canary, weight: 0} to it; ' +
        'http[1] routes to sentiment.ml.svc.cluster.local subset stable but not to the canary: add the destination {host: sentiment.ml.svc.cluster.local, subset: canary, weight: 0} to it',
    });
    expect(checkModelRoutes(busyHttp(), target, 'public')).toEqual({ routes: [{ index: 1, form: 'service', stable: 0, canary: 1 }] });
  });
  describe('for the subset form, the DestinationRule', () => {
    const rule = (subsets: { name: string; labels?: Record<string, string> }[], host = 'sentiment'): IDestinationRule =>
      ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'sentiment', namespace: 'ml' }, spec: { host, subsets } });
    const good = [{ name: 'stable', labels: { 'activationcanary.io/role': 'stable' } }, { name: 'canary', labels: { 'activationcanary.io/role': 'canary' } }];
    it('is accepted with subsets stable and canary selecting the roles', () => {
      expect(checkDestinationRules([rule(good)], target)).toBeUndefined();
      expect(checkDestinationRules([rule(good, 'sentiment.ml.svc.cluster.local')], target)).toBeUndefined();
    });
    it('must exist for host <name>', () => {
      expect(checkDestinationRules([rule(good, 'other')], target)).toEqual({
        code: 'NoRuleForModel',
        message: 'the VirtualService routes to host sentiment by subsets, but no DestinationRule in ml has host sentiment: create one with host: sentiment and ' +
          'subsets [{name: stable, labels: {activationcanary.io/role: stable}}, {name: canary, labels: {activationcanary.io/role: canary}}]',
      });
    });
    it('must have both subsets, each selecting its role only', () => {
      expect(checkDestinationRules([rule([{ name: 'stable', labels: { 'activationcanary.io/role': 'stable', 'activationcanary.io/variant': 'relu' } }])], target)).toEqual({
        code: 'NoRuleForModel',
        message: 'DestinationRule ml/sentiment (host sentiment): set the labels of subset stable to {activationcanary.io/role: stable} and add the subset {name: canary, labels: {activationcanary.io/role: canary}}',
      });
    });
  });
});
