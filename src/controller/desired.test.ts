import { describe, expect, it } from '@jest/globals';
import type { ModelVariant, ModelVariantSpec } from '../api/types.ts';
import { toDesired } from './desired.ts';

const mv = (over: Partial<ModelVariantSpec>): ModelVariant => ({
  metadata: { name: 'sentiment', namespace: 'ml', generation: 1 },
  spec: { activation: 'gelu', replicas: 4, template: { spec: { containers: [{ name: 'server', image: 'reg/m:1' }] } }, ...over },
});

describe('toDesired: steps and routes', () => {
  it('carries the weight and the header route forward, and a mirror for its own step only', () => {
    const d = toDesired(mv({
      traffic: { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'gw' }], port: 8080 } },
      strategy: { steps: [
        { setHeaderRoute: { name: 'X-Activation-Variant', value: 'canary' }, pause: '1m' },
        { setMirror: { percent: 20 }, pause: '1m' },
        { setWeight: 5, pause: '2m' },
        { setWeight: 50 },
      ] },
    }));
    const header = { name: 'x-activation-variant', value: 'canary' };
    expect(d.problems).toEqual([]);
    expect(d.weighted).toBe(true);
    expect(d.steps).toEqual([
      { weight: 0, headerRoute: header, pauseMs: 60_000 },
      { weight: 0, headerRoute: header, mirrorPercent: 20, pauseMs: 60_000 },
      { weight: 5, headerRoute: header, pauseMs: 120_000 },
      { weight: 50, headerRoute: header },
    ]);
  });
  it('refuses header routes and mirrors with the replicas provider, naming the step and what to use', () => {
    const d = toDesired(mv({ strategy: { steps: [{ setMirror: { percent: 10 } }, { setHeaderRoute: { name: 'x', value: 'y' } }, { setWeight: 50 }] } }));
    expect(d.weighted).toBeUndefined();
    expect(d.problems).toEqual([
      'spec.strategy.steps[0].setMirror needs a route object to carry it: use traffic.provider gatewayAPI or istio, or remove the step',
      'spec.strategy.steps[1].setHeaderRoute needs a route object to carry it: use traffic.provider gatewayAPI or istio, or remove the step',
    ]);
  });
  it('accepts every provider', () => {
    for (const traffic of [{ provider: 'replicas' as const }, { provider: 'istio' as const, istio: { virtualService: 'vs' } }, { provider: 'gatewayAPI' as const, gatewayAPI: { httpRoute: 'r', port: 8080 } }]) {
      expect(toDesired(mv({ traffic })).problems).toEqual([]);
    }
  });
});

describe('toDesired: what the apiserver cannot check (found by the spec fuzzer)', () => {
  const prometheus = { address: 'http://prometheus:9090' };
  it('refuses a query template it could not render, naming the field: an unknown variable or a placeholder outside a quoted label value', () => {
    const d = toDesired(mv({ strategy: { analysis: { prometheus,
      slis: [{ name: 'ok', query: 'm{model="{{name}}"}', max: 1 }, { name: 'bare', query: 'sum(rate({{name}}_total[1m]))', max: 1 }, { name: 'typo', query: 'm{pod="{{pod}}"}', max: 1 }],
      slo: { errorQuery: 'e{model=`{{name}}`}', totalQuery: 't{model="{{name}}"}' } } } }));
    expect(d.problems).toEqual([
      expect.stringMatching(/^spec\.strategy\.analysis\.slis\[1\]\.query: \{\{name\}\} must be inside a double- or single-quoted string/),
      expect.stringMatching(/^spec\.strategy\.analysis\.slis\[2\]\.query: unknown template variable \{\{pod\}\}/),
      expect.stringMatching(/^spec\.strategy\.analysis\.slo\.errorQuery: \{\{name\}\} must be inside .* in a backtick string/),
    ]);
  });
  it('refuses a pod template whose env, ports or resources have the wrong shape, naming the field (make fuzz, seed 11, case 502)', () => {
    const template = { spec: { containers: [{ name: 'server', image: 'reg/m:1', env: 'ACTIVATION=relu' }] } } as unknown as ModelVariantSpec['template'];
    expect(toDesired(mv({ template })).problems).toEqual(['spec.template.spec.containers[0].env must be a list of {name, value} (it is a string)']);
  });
  it('refuses a name no Service can take, stored before the CRD refused it', () => {
    expect(toDesired({ ...mv({}), metadata: { name: 'a.b', namespace: 'ml' } }).problems).toEqual([
      expect.stringMatching(/^metadata\.name "a\.b" must be a DNS label that starts with a letter/),
    ]);
  });
});
