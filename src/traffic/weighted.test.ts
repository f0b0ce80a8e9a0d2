import { describe, expect, it } from '@jest/globals';
import { describeRouterConformance } from './conformance.suite.ts';
import { createGatewayApiRouter } from './gateway-api.ts';
import { createIstioRouter } from './istio.ts';
import { weightedSplit } from './weighted.ts';

const objects = {} as never;
describeRouterConformance('gatewayAPI', { newRouter: () => createGatewayApiRouter({ httpRoute: 'r', port: 8080 }, { objects }), sharesReplicas: false });
describeRouterConformance('istio', { newRouter: () => createIstioRouter({ virtualService: 'r' }, { objects }), sharesReplicas: false });

describe('sizing with a weighted router', () => {
  it.each([
    [4, 5, undefined, { stable: 4, canary: 1, weight: 5 }],
    [4, 25, undefined, { stable: 4, canary: 1, weight: 25 }],
    [4, 26, undefined, { stable: 4, canary: 2, weight: 26 }],
    [4, 50, undefined, { stable: 4, canary: 2, weight: 50 }],
    [1, 10, undefined, { stable: 1, canary: 1, weight: 10 }],
    [10, 33, undefined, { stable: 10, canary: 4, weight: 33 }],
    [4, 100, undefined, { stable: 4, canary: 4, weight: 100 }],
    [4, 0, undefined, { stable: 4, canary: 0, weight: 0 }],
    [4, 50, 1, { stable: 4, canary: 1, weight: 50 }],
    [4, 100, 1, { stable: 4, canary: 4, weight: 100 }],
    [0, 50, undefined, { stable: 0, canary: 0, weight: 0 }],
  ])('%i replicas at %i%% (canaryReplicas %s) run %o', (n, w, fixed, split) => {
    expect(weightedSplit(n, w, fixed)).toEqual(split);
  });
});
