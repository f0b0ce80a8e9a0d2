import { describe, expect, it } from '@jest/globals';
import { measureAnalysis, type MetricQuerier } from './measure.ts';
import type { QueryResult } from './prometheus-response.ts';
import type { AnalysisSpec, AnalysisTarget } from './spec.ts';

// The provider here is an in-memory stand-in that records the PromQL it is asked; real Prometheus
// answers to the same queries are tested in test/integration/prometheus-analysis.test.ts.
const target: AnalysisTarget = { namespace: 'ml', name: 'sentiment', canaryVariant: 'gelu', stableVariant: 'relu' };
const now = new Date('2026-11-28T14:00:00Z');
const prometheus = { address: 'http://prom:9090' };

function recorder(answer: (promql: string) => QueryResult | Promise<QueryResult> = () => ({ kind: 'value', value: 1 })) {
  const asked: { promql: string; at: Date | undefined }[] = [];
  let inFlight = 0;
  let peak = 0;
  const querier: MetricQuerier = {
    async query(promql, at) {
      asked.push({ promql, at });
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return answer(promql);
    },
  };
  return { querier, asked, peak: () => peak };
}

describe('measureAnalysis', () => {
  it('queries only the canary for an SLI without a ratio bound or minimum samples', async () => {
    const { querier, asked } = recorder(() => ({ kind: 'value', value: 0.004 }));
    const m = await measureAnalysis(querier, { prometheus, slis: [{ name: 'q', query: 'x{model="{{name}}",role="{{role}}",variant="{{variant}}"}', max: 1 }] }, target, now);
    expect(asked.map((a) => a.promql)).toEqual(['x{model="sentiment",role="canary",variant="gelu"}']);
    expect(m).toEqual({ measuredAt: now, slis: [{ name: 'q', window: '1m', minSamples: 0, samplesUnit: 'samples', canary: { kind: 'value', value: 0.004 } }] });
  });

  it('queries stable, with its own variant, only when a ratio bound needs it, and sample counts when a minimum applies', async () => {
    const { querier, asked } = recorder();
    const m = await measureAnalysis(querier, { prometheus, slis: [{ name: 'lat', builtin: 'latencyP95', maxRatioToStable: 1.2 }] }, target, now);
    expect(asked).toHaveLength(4);
    expect(asked.filter((a) => a.promql.includes('role="stable",variant="relu"'))).toHaveLength(2);
    expect(m.slis[0]).toMatchObject({ minSamples: 50, samplesUnit: 'requests', stable: { kind: 'value' }, canarySamples: { kind: 'value' }, stableSamples: { kind: 'value' } });
  });

  it('evaluates every query at the same instant, now', async () => {
    const { querier, asked } = recorder();
    await measureAnalysis(querier, { prometheus, slo: {}, slis: [{ name: 'a', builtin: 'accuracy', min: 0.9, minRatioToStable: 0.98 }] }, target, now);
    expect(new Set(asked.map((a) => a.at))).toEqual(new Set([now]));
  });

  it('keeps at most `concurrency` queries in flight', async () => {
    const { querier, asked, peak } = recorder();
    const slis = ['activationSaturation', 'deadUnits', 'nonFinite', 'latencyP95', 'errorRate', 'accuracy'].map((b) => ({ name: b, builtin: b, maxRatioToStable: 2 }));
    await measureAnalysis(querier, { prometheus, slo: {}, slis }, target, now, { concurrency: 3 });
    expect(asked.length).toBeGreaterThan(10);
    expect(peak()).toBe(3);
  });

  it('sends an identical query once', async () => {
    const { querier, asked } = recorder();
    const spec: AnalysisSpec = { prometheus, slis: [{ name: 'a', query: 'up', max: 1 }, { name: 'b', query: 'up', min: 0 }] };
    const m = await measureAnalysis(querier, spec, target, now);
    expect(asked).toHaveLength(1);
    expect(m.slis.map((s) => s.canary)).toEqual([{ kind: 'value', value: 1 }, { kind: 'value', value: 1 }]);
  });

  it('records a failed query in its own SLI and still measures the others', async () => {
    const { querier } = recorder((q) => (q.startsWith('bad') ? { kind: 'error', error: { code: 'BadQuery', status: 400, errorType: 'bad_data', query: q, message: 'parse error' } } : { kind: 'value', value: 2 }));
    const m = await measureAnalysis(querier, { prometheus, slis: [{ name: 'a', query: 'bad{', max: 1 }, { name: 'b', query: 'good', max: 1 }] }, target, now);
    expect(m.slis.map((s) => s.canary.kind)).toEqual(['error', 'value']);
  });

  it('never throws, even when the provider does', async () => {
    const { querier } = recorder(() => { throw Object.assign(new Error('boom'), { code: 'ECONNRESET' }); });
    const m = await measureAnalysis(querier, { prometheus, slis: [{ name: 'a', query: 'up', max: 1 }] }, target, now);
    expect(m.slis[0]?.canary).toMatchObject({ kind: 'error', error: { code: 'Unreachable' } });
  });

  it.each([
    [{ name: 'x', builtin: 'p99', max: 1 }, 'UnknownBuiltin', 'unknown builtin "p99"'],
    [{ name: 'x', query: 'm{pod="{{pod}}"}', max: 1 }, 'UnknownTemplateVariable', '{{pod}}'],
    [{ name: 'x', query: 'up', max: 1, window: 'soon' }, 'InvalidWindow', 'SLI x: window "soon"'],
    [{ name: 'x', max: 1 }, 'InvalidSli', 'neither builtin nor query'],
    [{ name: 'x', builtin: 'accuracy', query: 'up', max: 1 }, 'InvalidSli', 'both builtin and query'],
    [{ name: 'x', builtin: 'accuracy', profile: 'triton', max: 1 }, 'UnknownBuiltin', 'unknown builtin "accuracy" in profile triton'],
    [{ name: 'x', query: 'up', profile: 'dcgm', max: 1 }, 'InvalidSli', 'profile applies only to a builtin'],
  ])('records a spec problem (%j) as %s in that SLI, without querying it', async (sli, code, text) => {
    const { querier, asked } = recorder();
    const m = await measureAnalysis(querier, { prometheus, slis: [sli] }, target, now);
    expect(asked).toHaveLength(0);
    expect(m.slis[0]?.canary).toMatchObject({ kind: 'error', error: { code, message: expect.stringContaining(text) } });
  });

  it('reads a built-in from its profile: Triton\'s latencyP95 from its summary', async () => {
    const { querier, asked } = recorder();
    await measureAnalysis(querier, { prometheus, slis: [{ name: 'p95', builtin: 'latencyP95', profile: 'triton', max: 1 }] }, target, now);
    expect(asked.some((q) => q.promql.startsWith('max(nv_inference_request_summary_us{'))).toBe(true);
  });

  it('asks for a samplesQuery when a custom SLI sets minSamples', async () => {
    const { querier } = recorder();
    const m = await measureAnalysis(querier, { prometheus, slis: [{ name: 'x', query: 'up', max: 1, minSamples: 10 }] }, target, now);
    expect(m.slis[0]).toMatchObject({ canary: { kind: 'value' }, canarySamples: { kind: 'error', error: { code: 'InvalidSli', message: expect.stringContaining('samplesQuery') } } });
  });

  it('writes a fractional window as a Prometheus range', async () => {
    const { querier, asked } = recorder();
    const m = await measureAnalysis(querier, { prometheus, slis: [{ name: 'x', query: 'rate(x[{{window}}])', max: 1, window: '1.5m' }] }, target, now);
    expect(asked[0]?.promql).toBe('rate(x[1m30s])');
    expect(m.slis[0]?.window).toBe('1m30s');
  });

  it('measures the canary\'s default bad and total events on the short and the long window', async () => {
    const { querier, asked } = recorder();
    const m = await measureAnalysis(querier, { prometheus, slo: { shortWindow: '30s', longWindow: '3m' } }, target, now);
    expect(asked).toHaveLength(4);
    for (const a of asked) expect(a.promql).toContain('role="canary",variant="gelu"');
    expect(asked.filter((a) => a.promql.includes('[30s]'))).toHaveLength(2);
    expect(m.burnRate).toMatchObject({ shortWindow: '30s', longWindow: '3m', customQueries: false, short: { errors: { kind: 'value' }, total: { kind: 'value' } } });
  });

  it('uses a custom error and total query', async () => {
    const { querier, asked } = recorder();
    const m = await measureAnalysis(querier, { prometheus, slo: { errorQuery: 'e[{{window}}]', totalQuery: 't[{{window}}]' } }, target, now);
    expect(asked.map((a) => a.promql).sort()).toEqual(['e[1m]', 'e[5m]', 't[1m]', 't[5m]']);
    expect(m.burnRate?.customQueries).toBe(true);
  });

  it('does not measure a burn rate without an slo', async () => {
    const { querier, asked } = recorder();
    expect(await measureAnalysis(querier, { prometheus }, target, now)).toEqual({ measuredAt: now, slis: [] });
    expect(asked).toHaveLength(0);
  });
});
