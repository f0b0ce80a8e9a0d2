import { describe, expect, it } from '@jest/globals';
import type { KubernetesObjectApi } from '@kubernetes/client-node';
import type { IHTTPRouteRule } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRouteRule';
import { describeRouterConformance } from './conformance.suite.ts';
import { createGatewayApiRouter } from './gateway-api.ts';
import { checkRules, managedHTTPRoute, readRouteState, withRouteState } from './http-route.ts';
import type { RouteState, RouteTarget } from './router.ts';

const target: RouteTarget = {
  namespace: 'ml', name: 'sentiment', stableService: 'sentiment-stable', canaryService: 'sentiment-canary', port: 8080,
  owner: { apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', name: 'sentiment', uid: 'uid-1' },
};
const ROUTE = 'HTTPRoute ml/sentiment';
const svc = (name: string, weight?: number, port = 8080) => ({ group: '', kind: 'Service', name, port, ...(weight !== undefined ? { weight } : {}) });
const managed = (state: RouteState) => managedHTTPRoute(target, { parentRefs: [{ name: 'public', namespace: 'gateways' }], port: 8080 }, state);

/** A route kept in Git: another model's rule, a rule for this model with filters and a third backend, a redirect. */
function userRules(): IHTTPRouteRule[] {
  return [
    { name: 'translation', matches: [{ path: { type: 'PathPrefix', value: '/translate' } }], backendRefs: [svc('translation', 1)] },
    {
      matches: [{ path: { type: 'PathPrefix', value: '/sentiment' }, headers: [{ type: 'Exact', name: 'x-tenant', value: 'acme' }] }, { path: { type: 'Exact', value: '/score' } }],
      filters: [
        { type: 'URLRewrite', urlRewrite: { hostname: 'sentiment.internal' } },
        { type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x-model', value: 'sentiment' }] } },
      ],
      backendRefs: [svc('sentiment-stable', 100), svc('sentiment-canary', 0), { ...svc('shadow-logger', 0), filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['authorization'] } }] }],
      timeouts: { request: '10s' },
    },
    { matches: [{ path: { type: 'Exact', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/sentiment' }, statusCode: 301 } }] },
  ];
}

describe('the gatewayAPI router: a managed HTTPRoute', () => {
  it('splits / between stable (100 − w) and canary (w) for every weight, and reads each weight back', () => {
    for (let w = 0; w <= 100; w++) {
      const route = managed({ weight: w });
      expect(route.spec.rules).toHaveLength(1);
      expect(route.spec.rules?.[0]?.backendRefs).toEqual([svc('sentiment-stable', 100 - w), svc('sentiment-canary', w)]);
      expect(readRouteState(route.spec.rules ?? [], target)).toEqual({ weight: w });
    }
  });

  it('is owned by the ModelVariant as its controller, labelled, and attached to the parents with Gateway API defaults', () => {
    const route = managedHTTPRoute(target, { parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }], hostnames: ['sentiment.example.com'], port: 8080 }, { weight: 5 });
    expect(route.toJSON()).toMatchObject({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
      metadata: {
        name: 'sentiment', namespace: 'ml',
        labels: { 'activationcanary.io/model': 'sentiment', 'app.kubernetes.io/managed-by': 'activation-canary' },
        ownerReferences: [{ apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', name: 'sentiment', uid: 'uid-1', controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways', sectionName: 'https' }],
        hostnames: ['sentiment.example.com'],
      },
    });
    expect(() => route.validate()).not.toThrow();
  });

  it('sends a header route to the canary alone in a first rule, and mirrors with a percent on the split rule', () => {
    const state = { weight: 10, headerRoute: { name: 'X-Activation-Variant', value: 'canary' }, mirrorPercent: 20 };
    const rules = managed(state).spec.rules ?? [];
    expect(rules[0]).toEqual({
      name: 'sentiment-canary-header',
      matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'x-activation-variant', value: 'canary' }] }],
      backendRefs: [svc('sentiment-canary', 1)],
    });
    expect(rules[1]?.filters).toEqual([{ type: 'RequestMirror', requestMirror: { backendRef: svc('sentiment-canary'), percent: 20 } }]);
    expect(readRouteState(rules, target)).toEqual({ ...state, headerRoute: { name: 'x-activation-variant', value: 'canary' } });
    expect(() => managed(state).validate()).not.toThrow();
  });
});

describe('the gatewayAPI router: reading a live route', () => {
  const rule = (stable?: number, canary?: number): IHTTPRouteRule => ({ backendRefs: [svc('sentiment-stable', stable), svc('sentiment-canary', canary)] });
  it.each([
    [900, 100, 10], [1, 1, 50], [undefined, undefined, 50], [3, 1, 25], [0, 0, 0], [0, 7, 100], [100, 0, 0], [2, 1, 33], [1, 2, 67],
  ])('reads stable %p / canary %p as a %p %% canary weight', (stable, canary, weight) => {
    expect(readRouteState([rule(stable, canary)], target).weight).toBe(weight);
  });

  it.each([
    [{ percent: 7 }, 7], [{ fraction: { numerator: 1, denominator: 4 } }, 25], [{ fraction: { numerator: 5 } }, 5], [{}, 100],
    [{ fraction: { numerator: 1, denominator: 1000 } }, 1], [{ percent: 0 }, undefined],
  ])('reads a mirror %j as %p %%', (amount, percent) => {
    const rules = [{ ...rule(90, 10), filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'sentiment-canary', port: 8080 }, ...amount } }] }];
    expect(readRouteState(rules, target)).toEqual({ weight: 10, ...(percent !== undefined ? { mirrorPercent: percent } : {}) });
  });

  it('reads the largest canary share and mirror among the model\'s rules: a second rule edited by hand is not hidden behind the first', () => {
    const mirror = { type: 'RequestMirror' as const, requestMirror: { backendRef: { name: 'sentiment-canary', port: 8080 }, percent: 30 } };
    expect(readRouteState([rule(80, 20), rule(10, 90)], target)).toEqual({ weight: 90 });
    expect(readRouteState([rule(100, 0), { ...rule(100, 0), filters: [mirror] }], target)).toEqual({ weight: 0, mirrorPercent: 30 });
  });

  it('ignores backends of the same name that are not this namespace\'s Services, and mirrors to something else', () => {
    const rules: IHTTPRouteRule[] = [{
      backendRefs: [svc('sentiment-stable', 50), { ...svc('sentiment-canary', 50), namespace: 'elsewhere' }, { group: 'example.io', kind: 'Backend', name: 'sentiment-canary', weight: 50 }],
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'audit-log', port: 80 }, percent: 100 } }],
    }];
    expect(readRouteState(rules, target)).toEqual({ weight: 0 });
    expect(checkRules(rules, target, ROUTE)?.code).toBe('NoRuleForModel');
  });
});

describe('the gatewayAPI router: an existing route', () => {
  it('says which rule lacks the canary and what to add, naming the route', () => {
    const rules = userRules();
    rules[1]!.backendRefs = rules[1]!.backendRefs!.filter((b) => b.name !== 'sentiment-canary');
    expect(checkRules(rules, target, ROUTE)).toEqual({
      code: 'NoRuleForModel',
      message: 'rule #2 of HTTPRoute ml/sentiment sends to sentiment-stable but not to sentiment-canary: add {name: sentiment-canary, port: 8080, weight: 0} to its backendRefs',
    });
  });

  it('says what rule to add when none sends to stable', () => {
    expect(checkRules([userRules()[0]!], target, ROUTE)).toEqual({
      code: 'NoRuleForModel',
      message: 'HTTPRoute ml/sentiment has no rule with a backendRef to Service sentiment-stable: add a rule with backendRefs [{name: sentiment-stable, port: 8080, weight: 100}, {name: sentiment-canary, port: 8080, weight: 0}]',
    });
    expect(checkRules(userRules(), target, ROUTE)).toBeUndefined();
  });

  it('changes only the two weights of the model\'s rule', () => {
    const before = userRules();
    const after = withRouteState(before, target, { weight: 30 });
    const expected = userRules();
    expected[1]!.backendRefs![0]!.weight = 70;
    expected[1]!.backendRefs![1]!.weight = 30;
    expect(JSON.stringify(after)).toBe(JSON.stringify(expected));
    expect(readRouteState(after, target)).toEqual({ weight: 30 });
  });

  it('adds a header rule before the model\'s rule with its matches, filters and timeouts, and the canary alone', () => {
    const rules = withRouteState(userRules(), target, { weight: 5, headerRoute: { name: 'x-tenant', value: 'canary' } });
    expect(rules.map((r) => r.name)).toEqual(['translation', 'sentiment-canary-header', undefined, undefined]);
    expect(rules[1]).toEqual({
      name: 'sentiment-canary-header',
      matches: [
        { path: { type: 'PathPrefix', value: '/sentiment' }, headers: [{ type: 'Exact', name: 'x-tenant', value: 'canary' }] },
        { path: { type: 'Exact', value: '/score' }, headers: [{ type: 'Exact', name: 'x-tenant', value: 'canary' }] },
      ],
      filters: userRules()[1]!.filters,
      backendRefs: [svc('sentiment-canary', 1)],
      timeouts: { request: '10s' },
    });
    expect(readRouteState(rules, target)).toEqual({ weight: 5, headerRoute: { name: 'x-tenant', value: 'canary' } });
  });

  it('keeps every other rule, filter and backend byte for byte through a rollout and back to stable', () => {
    const original = userRules();
    let rules = original;
    const steps: RouteState[] = [
      { weight: 0, headerRoute: { name: 'x-activation-variant', value: 'canary' } },
      { weight: 0, mirrorPercent: 50 },
      { weight: 5, mirrorPercent: 10, headerRoute: { name: 'x-activation-variant', value: 'canary' } },
      { weight: 25 }, { weight: 50, mirrorPercent: 100 }, { weight: 100 },
    ];
    for (const step of steps) {
      rules = withRouteState(rules, target, step);
      expect(readRouteState(rules, target)).toEqual(step);
      const others = rules.filter((r) => !r.backendRefs?.some((b) => b.name.startsWith('sentiment')));
      expect(JSON.stringify(others)).toBe(JSON.stringify([original[0], original[2]]));
    }
    rules = withRouteState(rules, target, { weight: 0 });
    expect(JSON.stringify(rules)).toBe(JSON.stringify(original));
  });

  it('weights every rule of the model, and mirrors on each', () => {
    const two: IHTTPRouteRule[] = [
      { matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [svc('sentiment-stable', 1), svc('sentiment-canary', 0)] },
      { matches: [{ path: { type: 'PathPrefix', value: '/v2' } }], backendRefs: [svc('sentiment-canary', 0), svc('sentiment-stable', 1)] },
    ];
    const rules = withRouteState(two, target, { weight: 40, mirrorPercent: 5, headerRoute: { name: 'x-c', value: '1' } });
    expect(rules.map((r) => r.backendRefs?.map((b) => `${b.name}=${b.weight}`))).toEqual([
      ['sentiment-canary=1'], ['sentiment-stable=60', 'sentiment-canary=40'], ['sentiment-canary=40', 'sentiment-stable=60'],
    ]);
    expect(rules[0]?.matches?.map((m) => m.path?.value)).toEqual(['/v1', '/v2']);
    expect(rules.filter((r) => r.filters?.some((f) => f.type === 'RequestMirror'))).toHaveLength(2);
  });

  it('gives the header rule only the first rule\'s match when a filter rewrites a path prefix (one PathPrefix match per rule)', () => {
    const rewrite = (prefix: string): IHTTPRouteRule => ({
      matches: [{ path: { type: 'PathPrefix', value: prefix } }],
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
      backendRefs: [svc('sentiment-stable', 1), svc('sentiment-canary', 0)],
    });
    const rules = withRouteState([rewrite('/a'), rewrite('/b')], target, { weight: 0, headerRoute: { name: 'x-c', value: '1' } });
    expect(rules[0]?.matches).toEqual([{ path: { type: 'PathPrefix', value: '/a' }, headers: [{ type: 'Exact', name: 'x-c', value: '1' }] }]);
    expect(rules[0]?.filters).toEqual(rewrite('/a').filters);
  });

  it('is the identity for the state the route already carries', () => {
    const rules = withRouteState(userRules(), target, { weight: 20, headerRoute: { name: 'x-a', value: 'b' }, mirrorPercent: 3 });
    expect(withRouteState(rules, target, readRouteState(rules, target))).toEqual(rules);
  });
});

describe('the gatewayAPI router: an experiment\'s candidates', () => {
  const gelu = 'sentiment-exp-gelu';
  const silu = 'sentiment-exp-silu';
  const names = (rules: IHTTPRouteRule[]) => rules.map((r) => r.backendRefs?.map((b) => `${b.name}=${b.weight}`));

  it.each([
    [[{ service: gelu, weight: 10 }, { service: silu, weight: 10 }], 80],
    [[{ service: gelu, weight: 25 }, { service: silu, weight: 25 }], 50],
    [[{ service: gelu, weight: 5 }, { service: silu, weight: 0 }], 95],
    [[{ service: gelu, weight: 1 }], 99],
  ])('gives each candidate %j exactly its weight and stable %p in a managed route, and reads them back', (experiment, stable) => {
    const route = managed({ weight: 0, experiment });
    expect(route.spec.rules?.[0]?.backendRefs).toEqual([svc('sentiment-stable', stable), svc('sentiment-canary', 0), ...experiment.map((c) => svc(c.service, c.weight))]);
    expect(readRouteState(route.spec.rules ?? [], target)).toEqual({ weight: 0, experiment });
  });

  it('adds the candidates to every rule of an existing route after its backends, with the canary\'s port, and leaves the rest byte for byte', () => {
    const original = userRules();
    original[1]!.backendRefs![1]!.port = 9000;
    const during = withRouteState(original, target, { weight: 0, experiment: [{ service: gelu, weight: 10 }, { service: silu, weight: 20 }] });
    expect(names(during)[1]).toEqual(['sentiment-stable=70', 'sentiment-canary=0', 'shadow-logger=0', `${gelu}=10`, `${silu}=20`]);
    expect(during[1]?.backendRefs?.[3]).toEqual(svc(gelu, 10, 9000));
    expect(JSON.stringify([during[0], during[2]])).toBe(JSON.stringify([original[0], original[2]]));
    expect(readRouteState(during, target)).toEqual({ weight: 0, experiment: [{ service: gelu, weight: 10 }, { service: silu, weight: 20 }] });
    expect(withRouteState(during, target, readRouteState(during, target))).toEqual(during);
    const after = withRouteState(during, target, { weight: 0 });
    expect(JSON.stringify(after)).toBe(JSON.stringify(original));
    expect(readRouteState(after, target)).toEqual({ weight: 0 });
  });

  it('sets a candidate without a ready pod to 0 and keeps it listed; drops a candidate no longer asked for', () => {
    const both = withRouteState(userRules(), target, { weight: 0, experiment: [{ service: gelu, weight: 10 }, { service: silu, weight: 10 }] });
    const zeroed = withRouteState(both, target, { weight: 0, experiment: [{ service: gelu, weight: 10 }, { service: silu, weight: 0 }] });
    expect(readRouteState(zeroed, target).experiment).toEqual([{ service: gelu, weight: 10 }, { service: silu, weight: 0 }]);
    expect(names(withRouteState(both, target, { weight: 0, experiment: [{ service: gelu, weight: 10 }] }))[1]).toEqual(['sentiment-stable=90', 'sentiment-canary=0', 'shadow-logger=0', `${gelu}=10`]);
  });

  it('reads the largest share among the model\'s rules, counts a weight left out as 1, and ignores other namespaces\' and other models\' Services', () => {
    const rules: IHTTPRouteRule[] = [
      { backendRefs: [svc('sentiment-stable', 90), svc('sentiment-canary', 0), svc(gelu, 10)] },
      { backendRefs: [svc('sentiment-stable', 1), svc('sentiment-canary', 0), { group: '', kind: 'Service', name: gelu, port: 8080 }] },
      { backendRefs: [svc('sentiment-stable', 90), svc('sentiment-canary', 0), { ...svc(silu, 10), namespace: 'elsewhere' }, svc('sentiment-experimental', 10)] },
      { backendRefs: [svc('translation-exp-gelu', 10)] },
    ];
    expect(readRouteState(rules, target)).toEqual({ weight: 0, experiment: [{ service: gelu, weight: 50 }] });
  });
});

describe('the gatewayAPI router: apiserver answers', () => {
  const failing = (err: unknown) => ({ read: async () => { throw err; } }) as unknown as KubernetesObjectApi;
  const router = (err: unknown, httpRoute?: string) =>
    createGatewayApiRouter(httpRoute ? { httpRoute, port: 8080 } : { parentRefs: [{ name: 'gw' }], port: 8080 }, { objects: failing(err) });
  const apiError = (code: number, body: unknown) => Object.assign(new Error(`HTTP-Code: ${code}`), { code, body });
  const ready = { stable: 0, canary: 0 };

  it('says in one line that Gateway API is not installed when its group or kind is not served', async () => {
    for (const err of [
      apiError(404, '404 page not found\n'),
      apiError(404, JSON.stringify({ kind: 'Status', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 })),
      new Error('Unrecognized API version and kind: gateway.networking.k8s.io/v1 HTTPRoute'),
    ]) {
      for (const r of [router(err), router(err, 'sentiment')]) {
        const problem = await r.getRoutes(target, ready);
        expect(problem).toEqual({ code: 'CRDNotInstalled', message: expect.stringContaining('httproutes.gateway.networking.k8s.io') });
        expect((problem as { message: string }).message).not.toContain('\n');
        expect(await r.reconcile(target)).toMatchObject({ code: 'CRDNotInstalled' });
        await expect(r.finalize(target)).resolves.toBeUndefined();
      }
    }
  });

  it('reports another 4xx as Rejected with the apiserver\'s message (finalize throws it), and throws on 5xx', async () => {
    const forbidden = apiError(403, JSON.stringify({ kind: 'Status', message: 'httproutes.gateway.networking.k8s.io "sentiment" is forbidden: User "x" cannot get', code: 403 }));
    expect(await router(forbidden, 'sentiment').getRoutes(target, ready)).toEqual({
      code: 'Rejected', message: 'the apiserver refused reading HTTPRoute ml/sentiment (HTTP 403): httproutes.gateway.networking.k8s.io "sentiment" is forbidden: User "x" cannot get',
    });
    await expect(router(forbidden, 'sentiment').finalize(target)).rejects.toThrow('refused reading HTTPRoute ml/sentiment (HTTP 403)');
    await expect(router(forbidden).finalize(target)).rejects.toThrow('(HTTP 403)');
    await expect(router(apiError(503, 'unavailable'), 'sentiment').getRoutes(target, ready)).rejects.toThrow('HTTP-Code: 503');
  });
});

describeRouterConformance('gatewayAPI', {
  newRouter: () => createGatewayApiRouter({ httpRoute: 'sentiment', port: 8080 }, { objects: {} as KubernetesObjectApi }),
  sharesReplicas: false,
});
