import { describe, expect, it } from '@jest/globals';
import { endpointWeights, routeWeights } from './gateway-stand-in.ts';

const ep = (pod: string, role: string) => ({ pod, role, variant: role === 'stable' ? 'relu' : 'gelu', url: `http://127.0.0.1/${pod}` });

describe('the demo gateway stand-in', () => {
  it('reads the weights of the ordinary rule, not of a header route', () => {
    const route = { spec: { rules: [
      { matches: [{ headers: [{ name: 'x-activation-variant', value: 'canary' }] }], backendRefs: [{ name: 'm-canary', weight: 1 }] },
      { backendRefs: [{ name: 'm-stable', weight: 95 }, { name: 'm-canary', weight: 5 }] },
    ] } };
    expect(routeWeights(route, 'm')).toEqual({ stable: 95, canary: 5 });
    expect(routeWeights({ spec: { rules: [{ backendRefs: [{ name: 'm-stable' }] }] } }, 'm')).toEqual({ stable: 1, canary: 0 });
    expect(routeWeights({ spec: {} }, 'm')).toBeUndefined();
  });
  it('spreads each role\'s share evenly over its endpoints', () => {
    const eps = [ep('s1', 'stable'), ep('s2', 'stable'), ep('c1', 'canary')];
    const { weights, unroutable } = endpointWeights(eps, { stable: 95, canary: 5 });
    expect(weights.map((w) => Math.round(w * 1000) / 1000)).toEqual([0.475, 0.475, 0.05]);
    expect(unroutable).toBe(0);
  });
  it('does not count a share whose pods are Ready but whose servers are still starting', () => {
    const { unroutable, starting } = endpointWeights([ep('s1', 'stable')], { stable: 95, canary: 5 }, (role) => (role === 'canary' ? 1 : 1));
    expect(unroutable).toBe(0);
    expect(starting).toBeCloseTo(0.05);
  });
  it('counts the share of a role without endpoints as unroutable (a gateway would answer 503)', () => {
    const { weights, unroutable } = endpointWeights([ep('s1', 'stable')], { stable: 90, canary: 10 }, (role) => (role === 'canary' ? 0 : 1));
    expect(weights).toEqual([0.9]);
    expect(unroutable).toBeCloseTo(0.1);
  });
});
