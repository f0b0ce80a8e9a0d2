import { describe, expect, it } from '@jest/globals';
import { planMeasurements } from './measure.ts';
import { measureRound, planRound, type RoundQuerier } from './measure-round.ts';
import type { QueryResult, VectorResult } from './prometheus-response.ts';
import type { AnalysisSpec, AnalysisTarget } from './spec.ts';

// The querier is an in-memory stand-in that records what it is asked; the same queries against the
// real Prometheus are in test/integration/analysis-batching.test.ts.
const prometheus = { address: 'http://prom:9090' };
const at = new Date('2026-11-28T14:00:00Z');
const target = (name: string, canaryVariant = 'gelu'): AnalysisTarget => ({ namespace: 'ml', name, canaryVariant, stableVariant: 'relu' });
const saturation: AnalysisSpec = { prometheus, slis: [{ name: 'saturation', builtin: 'activationSaturation', max: 0.05 }] };

function recorder(vectors: (promql: string) => VectorResult, single: (promql: string) => QueryResult = () => ({ kind: 'value', value: 1 })) {
  const asked: { kind: 'vector' | 'single'; promql: string; at: Date | undefined }[] = [];
  const querier: RoundQuerier = {
    query: async (promql, when) => { asked.push({ kind: 'single', promql, at: when }); return single(promql); },
    queryVector: async (promql, when) => { asked.push({ kind: 'vector', promql, at: when }); return vectors(promql); },
  };
  return { querier, asked };
}
const labels = (model: string, role = 'canary', variant = 'gelu') => ({ namespace: 'ml', model, role, variant });

describe('planRound', () => {
  it('sends one query per built-in template and window for every ModelVariant using it', () => {
    const round = planRound(['a', 'b', 'c'].map((n) => planMeasurements(saturation, target(n))));
    // The ratio and its sample count: two queries for three ModelVariants.
    expect(round.batches).toHaveLength(2);
    expect(round.singles).toEqual([]);
    expect(round.batches[0]).toContain('model=~"a|b|c"');
  });

  it('batches different windows apart, and a ratio bound adds stable to the same batch', () => {
    const slis = (window: string, ratio?: number): AnalysisSpec => ({ prometheus, slis: [{ name: 'lat', builtin: 'latencyP95', window, minSamples: 0, ...(ratio ? { maxRatioToStable: ratio } : {}) }] });
    const round = planRound([planMeasurements(slis('1m', 1.2), target('a')), planMeasurements(slis('2m'), target('b'))]);
    expect(round.batches).toHaveLength(2);
    expect(round.batches.find((q) => q.includes('[1m]'))).toContain('role=~"canary|stable",variant=~"gelu|relu"');
    expect(round.batches.find((q) => q.includes('[2m]'))).toContain('model=~"b",role=~"canary",variant=~"gelu"');
  });

  it('runs custom queries per ModelVariant, identical ones once, and passes spec errors through', () => {
    const custom: AnalysisSpec = { prometheus, slis: [
      { name: 'score', query: 'avg(score{model="{{name}}"})', max: 1 },
      { name: 'shared', query: 'sum(up)', max: 1 },
      { name: 'bad', query: 'x{a="{{nope}}"}', max: 1 },
    ] };
    const round = planRound([planMeasurements(custom, target('a')), planMeasurements(custom, target('b'))]);
    expect(round.batches).toEqual([]);
    expect(round.singles).toEqual(['avg(score{model="a"})', 'sum(up)', 'avg(score{model="b"})']);
    expect(round.sources[0]?.[2]).toMatchObject({ kind: 'error', error: { code: 'UnknownTemplateVariable' } });
  });
});

describe('measureRound', () => {
  it('fans the batched answers out: each ModelVariant is judged on its own series, a missing one has no data', async () => {
    const { querier, asked } = recorder((promql) => ({ kind: 'vector', series: promql.startsWith('sum by (namespace, model, role, variant) (increase(')
      ? [{ labels: labels('a'), value: 5000 }, { labels: labels('c'), value: 7000 }]
      : [{ labels: labels('a'), value: 0.01 }, { labels: labels('c'), value: Number.NaN }] }));
    const plans = ['a', 'b', 'c'].map((n) => planMeasurements(saturation, target(n)));
    const { measurements, sent } = await measureRound(querier, plans, at, 4);
    expect(sent).toEqual({ batched: 2, single: 0 });
    expect(asked.every((q) => q.kind === 'vector' && q.at === at)).toBe(true);
    expect(measurements.map((m) => m.measuredAt)).toEqual([at, at, at]);
    expect(measurements.map((m) => [m.slis[0]?.canary, m.slis[0]?.canarySamples])).toEqual([
      [{ kind: 'value', value: 0.01 }, { kind: 'value', value: 5000 }],
      [{ kind: 'noData' }, { kind: 'noData' }],
      [{ kind: 'value', value: Number.NaN }, { kind: 'value', value: 7000 }],
    ]);
  });

  it('gives each ModelVariant the error of a batch that failed or threw, and still answers the rest', async () => {
    const { querier } = recorder((promql) => {
      if (promql.startsWith('sum by (namespace, model, role, variant) (increase(')) throw new Error('socket hang up');
      return { kind: 'error', error: { code: 'Timeout', address: 'http://prom:9090', timeoutMs: 1000, message: 'did not answer' } };
    }, () => ({ kind: 'value', value: 0.3 }));
    const spec: AnalysisSpec = { ...saturation, slis: [...saturation.slis ?? [], { name: 'score', query: 'score{model="{{name}}"}', max: 1 }] };
    const { measurements } = await measureRound(querier, [planMeasurements(spec, target('a'))], at, 2);
    expect(measurements[0]?.slis[0]?.canary).toMatchObject({ kind: 'error', error: { code: 'Timeout' } });
    expect(measurements[0]?.slis[0]?.canarySamples).toMatchObject({ kind: 'error', error: { code: 'Unreachable' } });
    expect(measurements[0]?.slis[1]?.canary).toEqual({ kind: 'value', value: 0.3 });
  });
});
