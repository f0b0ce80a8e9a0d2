/**
 * toDesired with strategy.experiment: the intent, the problems the CRD cannot catch (a candidate equal
 * to stable, a query SLI without `worse`, the istio provider; gatewayAPI is accepted), and the winner as the desired variant
 * only while the spec still says what the experiment ran from.
 */
import { describe, expect, it } from '@jest/globals';
import type { ModelVariant, ModelVariantSpec, ModelVariantStatus } from '../api/types.ts';
import { toDesired } from './desired.ts';

const spec = (over: Partial<ModelVariantSpec> = {}): ModelVariantSpec => ({
  activation: 'relu', replicas: 8, template: { spec: { containers: [{ name: 'server', image: 'reg/m:1' }] } },
  strategy: {
    analysis: { prometheus: { address: 'http://prometheus:9090' }, interval: '15s', slis: [
      { name: 'accuracy', builtin: 'accuracy', min: 0.5 }, { name: 'custom', query: 'sum(x{model="{{name}}"})', max: 1 }] },
    experiment: { candidates: [{ activation: 'gelu', weight: 10 }, { activation: 'silu', weight: 10 }], duration: '20m',
      slis: [{ name: 'accuracy', minimumEffect: { absolute: 0.01 } }], rankBy: [{ sli: 'accuracy', prefer: 'higher' }] },
  },
  ...over,
});
const mv = (s: ModelVariantSpec, status: ModelVariantStatus = { stableActivation: 'relu' }): ModelVariant => ({ metadata: { name: 'sentiment', namespace: 'ml', generation: 1 }, spec: s, status });

describe('toDesired: strategy.experiment', () => {
  it('carries the candidates, the duration, the interval and promoteWinner (default true)', () => {
    const d = toDesired(mv(spec()));
    expect(d.problems).toEqual([]);
    expect(d.experiment).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), candidates: [{ activation: 'gelu', weight: 10 }, { activation: 'silu', weight: 10 }],
      durationMs: 1_200_000, promoteWinner: true, intervalMs: 15_000 });
  });

  it('refuses a candidate equal to stable, a query SLI without worse, and the istio provider, naming each field', () => {
    const s = spec({ traffic: { provider: 'istio', istio: { hosts: ['m'] } } });
    s.strategy!.experiment!.candidates[0]!.activation = 'relu';
    s.strategy!.experiment!.slis.push({ name: 'custom', minimumEffect: { relative: 0.1 } });
    const { problems } = toDesired(mv(s));
    expect(problems).toEqual([
      expect.stringMatching(/^spec.strategy.experiment needs traffic.provider replicas or gatewayAPI in this version: .* not built for istio yet$/),
      expect.stringMatching(/^spec.strategy.experiment.candidates\[0\].activation relu is the stable activation/),
      expect.stringMatching(/^spec.strategy.experiment.slis\[1\] \(custom\) has a query: set worse/),
    ]);
  });

  it('accepts the gatewayAPI provider', () => {
    expect(toDesired(mv(spec({ traffic: { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public' }], port: 8080 } } }))).problems).toEqual([]);
  });

  it('refuses a judged SLI of profile triton or dcgm (no variant label: every candidate is role experiment, so their series cannot be told apart)', () => {
    const s = spec();
    s.strategy!.analysis!.slis!.push({ name: 'gpu', builtin: 'gpuUtilization', profile: 'dcgm', max: 0.9 }, { name: 'p95', builtin: 'latencyP95', profile: 'triton', max: 1 });
    s.strategy!.experiment!.slis.push({ name: 'gpu', minimumEffect: { absolute: 0.05 } }, { name: 'p95', worse: 'higher', minimumEffect: { relative: 0.1 } });
    expect(toDesired(mv(s)).problems).toEqual([
      expect.stringMatching(/^spec.strategy.experiment.slis\[1\] \(gpu\) reads profile dcgm, whose series carry no variant label: .*candidates/),
      expect.stringMatching(/^spec.strategy.experiment.slis\[2\] \(p95\) reads profile triton/),
    ]);
  });

  it('refuses a rankBy that prefers the direction in which its SLI gets worse (nothing could win on it)', () => {
    const s = spec();
    s.strategy!.analysis!.slis!.push({ name: 'latency', builtin: 'latencyP95', max: 1 });
    s.strategy!.experiment!.slis.push({ name: 'latency', minimumEffect: { absolute: 0.01 } }, { name: 'custom', worse: 'lower', minimumEffect: { absolute: 0.1 } });
    s.strategy!.experiment!.rankBy = [{ sli: 'accuracy', prefer: 'lower' }, { sli: 'latency', prefer: 'higher' }, { sli: 'custom', prefer: 'higher' }];
    expect(toDesired(mv(s)).problems).toEqual([
      expect.stringMatching(/^spec.strategy.experiment.rankBy\[0\] prefers lower accuracy, but lower is worse for it: .*prefer higher/),
      expect.stringMatching(/^spec.strategy.experiment.rankBy\[1\] prefers higher latency, but higher is worse for it/),
    ]);
  });

  it('serves the decided winner while spec.activation and the experiment are unchanged, and says so in change', () => {
    const id = toDesired(mv(spec())).experiment?.id;
    const status: ModelVariantStatus = { stableActivation: 'relu', stableRevision: 'x', experiment: { id, phase: 'Decided', baseActivation: 'relu', winner: 'gelu' } };
    const d = toDesired(mv(spec(), status));
    expect(d.problems).toEqual([]);
    expect(d.variant.activation).toBe('gelu');
    expect(d.change).toMatch(/the winner of strategy.experiment; spec.activation says relu/);
    expect(toDesired(mv(spec({ activation: 'mish' }), status)).variant.activation).toBe('mish');
  });
});
