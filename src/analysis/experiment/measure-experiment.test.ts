/**
 * The experiment's queries and data, pure: counted SLIs as increase() over the experiment, sampled ones
 * as a subquery of one-interval values, stable and candidates selected by role and variant, and the
 * judge's data from Prometheus' answers (failures and no data become missing sides, never zeros).
 */
import { describe, expect, it } from '@jest/globals';
import type { AnalysisSpec } from '../spec.ts';
import { experimentData, experimentJudgeSpec, planExperimentQueries, type Answers, type ExperimentSpec } from './measure-experiment.ts';

const analysis: AnalysisSpec = {
  prometheus: { address: 'http://prom:9090' },
  slis: [
    { name: 'accuracy', builtin: 'accuracy', min: 0.8 },
    { name: 'latency', builtin: 'latencyP95', max: 0.5 },
    { name: 'errors', builtin: 'errorRate', max: 0.01, minSamples: 40 },
    { name: 'score', query: 'max(score{model="{{name}}",role="{{role}}",variant="{{variant}}"}[{{window}}])', max: 1 },
  ],
};
const experiment: ExperimentSpec = {
  candidates: [{ activation: 'gelu' }, { activation: 'leaky_relu' }], minSamples: 12, confidenceLevel: 0.95, power: 0.8,
  slis: [
    { name: 'accuracy', minimumEffect: { absolute: 0.01 } }, { name: 'latency', minimumEffect: { relative: 0.1 } },
    { name: 'errors', minimumEffect: { absolute: 0.002 } }, { name: 'score', worse: 'lower', minimumEffect: { absolute: 0.1 } },
  ],
  rankBy: [{ sli: 'accuracy', prefer: 'higher' }],
};
const target = { namespace: 'ml', name: 'clf', stableVariant: 'relu' };
const plan = planExperimentQueries(analysis, experiment, target, 600_400, 30_000);
const of = (sli: string, side: string) => plan.find((p) => p.sli === sli && p.side === side)?.measure;

describe('experimentJudgeSpec', () => {
  it("takes a built-in's direction or `worse`, and samples per interval for sampled SLIs, the SLI's minSamples for counted ones", () => {
    expect(experimentJudgeSpec(analysis, experiment).slis).toEqual([
      { name: 'accuracy', direction: 'lowerIsWorse', minimumEffect: { absolute: 0.01 }, minSamples: 100 },
      { name: 'latency', direction: 'higherIsWorse', minimumEffect: { relative: 0.1 }, minSamples: 12 },
      { name: 'errors', direction: 'higherIsWorse', minimumEffect: { absolute: 0.002 }, minSamples: 40 },
      { name: 'score', direction: 'lowerIsWorse', minimumEffect: { absolute: 0.1 }, minSamples: 12 },
    ]);
  });
});

describe('planExperimentQueries', () => {
  it('counts accuracy over the whole experiment for stable and each candidate, selected by role and variant', () => {
    expect(of('accuracy', 'stable')).toEqual({
      kind: 'counts',
      events: { kind: 'instant', promql: 'sum(increase(inference_correct_predictions_total{namespace="ml",model="clf",role="stable",variant="relu"}[10m])) or vector(0)' },
      total: { kind: 'instant', promql: 'sum(increase(inference_labelled_predictions_total{namespace="ml",model="clf",role="stable",variant="relu"}[10m]))' },
    });
    expect(of('errors', 'leaky_relu')).toMatchObject({ kind: 'counts', events: { promql: expect.stringContaining('role="experiment",variant="leaky_relu",code=~"5.."}[10m]') } });
  });

  it('counts non-finite predictions, and samples saturation (units of one prediction are not independent trials)', () => {
    const more: AnalysisSpec = { ...analysis, slis: [{ name: 'nan', builtin: 'nonFinite', max: 0.01 }, { name: 'sat', builtin: 'activationSaturation', max: 0.3 }] };
    const x = { ...experiment, slis: [{ name: 'nan', minimumEffect: { absolute: 0.01 } }, { name: 'sat', minimumEffect: { absolute: 0.05 } }] };
    const p = planExperimentQueries(more, x, target, 60_000, 10_000);
    expect(p.find((q) => q.sli === 'nan')?.measure).toMatchObject({ kind: 'counts', total: { promql: expect.stringContaining('inference_predictions_total{') } });
    expect(p.find((q) => q.sli === 'sat')?.measure).toMatchObject({ kind: 'samples', samples: { kind: 'matrix', promql: expect.stringMatching(/\[1m:10s\]$/) } });
  });

  it('samples latency once per interval with a subquery whose window is the interval', () => {
    expect(of('latency', 'gelu')).toEqual({ kind: 'samples', samples: { kind: 'matrix',
      promql: '(histogram_quantile(0.95, sum by (le) (rate(inference_request_duration_seconds_bucket{namespace="ml",model="clf",role="experiment",variant="gelu"}[30s]))))[10m:30s]' } });
    expect(of('score', 'stable')).toEqual({ kind: 'samples', samples: { kind: 'matrix', promql: '(max(score{model="clf",role="stable",variant="relu"}[30s]))[10m:30s]' } });
  });

  it('says why an SLI cannot be measured instead of sending a query', () => {
    const bad = planExperimentQueries({ ...analysis, slis: [{ name: 'accuracy', query: 'sum(x{{{oops}}})' }] }, { ...experiment, slis: [experiment.slis[0] as ExperimentSpec['slis'][number]] }, target, 60_000, 10_000);
    expect(bad[0]?.measure).toMatchObject({ kind: 'samples', samples: { kind: 'invalid', message: expect.stringContaining('oops') } });
  });
});

describe('experimentData', () => {
  const answers = (entries: [string, unknown][]): Answers => new Map(entries) as Answers;
  const promql = (q: unknown) => (q as { promql: string }).promql;
  const acc = of('accuracy', 'gelu') as { events: unknown; total: unknown };
  const lat = of('latency', 'gelu') as { samples: unknown };

  it('reads counts (rounded, events never above trials) and samples with their rates', () => {
    const data = experimentData(plan, answers([
      [promql(acc.events), { kind: 'value', value: 950.4 }], [promql(acc.total), { kind: 'value', value: 1000.2 }],
      [promql(lat.samples), { kind: 'series', values: [0.1, 0.2], dropped: 1 }],
    ]), 600_000, 30_000);
    expect(data.accuracy?.candidates.gelu).toEqual({ kind: 'counts', events: 950, total: 1000, ratePerSecond: 1000 / 600 });
    expect(data.latency?.candidates.gelu).toEqual({ kind: 'samples', values: [0.1, 0.2], ratePerSecond: 1 / 30 });
  });

  it('keeps a failed query as an Error side and a side without data as NoData, never zero', () => {
    const data = experimentData(plan, answers([
      [promql(acc.events), { kind: 'value', value: 3 }], [promql(acc.total), { kind: 'noData' }],
      [promql(lat.samples), { kind: 'error', error: { code: 'Timeout', message: 'Prometheus gave up' } }],
    ]), 600_000, 30_000);
    expect(data.accuracy?.candidates.gelu).toMatchObject({ kind: 'missing', reason: 'NoData' });
    expect(data.latency?.candidates.gelu).toEqual({ kind: 'missing', reason: 'Error', message: 'Prometheus gave up' });
    expect(data.accuracy?.stable).toMatchObject({ kind: 'missing', reason: 'Error' });
  });
});
