/**
 * measureAnalysis + judge against a real Prometheus scraping telemetry shaped like the reference model
 * server's, one ModelVariant per scenario, all measured at the same instant: a healthy canary passes;
 * saturation, latency (absolute and relative to stable), non-finite predictions and a burn on both
 * windows fail with a message naming the SLI, value, bound and window; a burn on the short window only
 * does not fail; no series, and series without traffic, are inconclusive; an outage is an Error that
 * rolls back only at inconclusiveLimit.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { judge, type AnalysisResult } from '../../src/analysis/judge.ts';
import { measureAnalysis } from '../../src/analysis/measure.ts';
import { createPrometheusProvider, type AnalysisLogger, type PrometheusProvider } from '../../src/analysis/prometheus-provider.ts';
import type { AnalysisSpec, SliSpec } from '../../src/analysis/spec.ts';
import { freePort } from '../harness/ports.ts';
import { serveRegistry, type Exporter } from './support/exporter.ts';
import { startLocalPrometheus, waitForSamples, type LocalPrometheus } from './support/local-prometheus.ts';
import { HEALTHY, modelTelemetry, type TrafficProfile } from './support/model-telemetry.ts';

const logger: AnalysisLogger = { warn: () => undefined, debug: () => undefined };
const namespace = 'ml';
const fresh = { consecutiveFailures: 0, consecutiveInconclusive: 0 };
const slis: SliSpec[] = [
  { name: 'saturation', builtin: 'activationSaturation', max: 0.05, window: '10s' },
  { name: 'latencyP95', builtin: 'latencyP95', max: 0.25, maxRatioToStable: 1.5, window: '10s' },
  { name: 'accuracy', builtin: 'accuracy', min: 0.9, window: '10s' },
  { name: 'nonFinite', builtin: 'nonFinite', max: 0.001, window: '10s' },
];
const slo = { objective: 0.99, shortWindow: '4s', longWindow: '24s', burnRateThreshold: 10 };
/** For the spike: budget 10 %, so 100 % errors for ~5 s burn ~10 on 4 s but ~2 on 24 s. */
const spikeSlo = { objective: 0.9, shortWindow: '4s', longWindow: '24s', burnRateThreshold: 5 };

/** model name → canary profile ('silent': no series; 'idle': series that never grow), stable always healthy. */
const scenarios: Record<string, TrafficProfile | 'silent' | 'idle'> = {
  healthy: HEALTHY,
  saturated: { ...HEALTHY, saturatedFraction: 0.2 },
  slow: { ...HEALTHY, latencySeconds: 0.4 },
  slower: { ...HEALTHY, latencySeconds: 0.2 },
  burning: { ...HEALTHY, errorFraction: 0.3 },
  nan: { ...HEALTHY, nonFiniteFraction: 0.5 },
  spike: HEALTHY,
  silent: 'silent',
  idle: 'idle',
};

let prom: LocalPrometheus | undefined;
let exporter: Exporter | undefined;
let provider: PrometheusProvider;
let ticker: NodeJS.Timeout | undefined;
const results = new Map<string, AnalysisResult>();
const spec = (model: string): AnalysisSpec => ({
  prometheus: { address: 'unused: the provider is built by the test' }, failureLimit: 1, inconclusiveLimit: 3,
  slo: model === 'spike' ? spikeSlo : slo,
  slis: model === 'idle' ? slis.map((s) => ({ ...s, minSamples: 0 })) : slis,
});
const target = (model: string) => ({ namespace, name: model, canaryVariant: 'gelu', stableVariant: 'relu' });

beforeAll(async () => {
  const registry = new Registry();
  const telemetry = modelTelemetry(registry);
  for (const [model, canary] of Object.entries(scenarios)) {
    const role = (r: 'stable' | 'canary', variant: string) => ({ namespace, model, role: r, variant, pod: `${model}-${r}-0` });
    telemetry.serve(role('stable', 'relu'), HEALTHY);
    if (canary === 'idle') telemetry.idle(role('canary', 'gelu'));
    else if (canary !== 'silent') telemetry.serve(role('canary', 'gelu'), canary);
  }
  ticker = setInterval(() => telemetry.tick(), 100);
  exporter = await serveRegistry(registry);
  prom = await startLocalPrometheus({ targets: [exporter.target] });
  provider = createPrometheusProvider({ address: prom.url, timeoutMs: 5000, logger });
  await waitForSamples(prom.url, 'inference_requests_total{model="healthy",role="canary"}');
  const t0 = Date.now();
  // Enough history for the 24 s long window; the spike's errors start 5 s before the measurement.
  await new Promise((r) => setTimeout(r, 20_000));
  telemetry.serve({ namespace, model: 'spike', role: 'canary', variant: 'gelu', pod: 'spike-canary-0' }, { ...HEALTHY, errorFraction: 1 });
  await new Promise((r) => setTimeout(r, Math.max(0, t0 + 25_000 - Date.now())));
  const now = new Date();
  await Promise.all(Object.keys(scenarios).map(async (model) => {
    results.set(model, judge(spec(model), await measureAnalysis(provider, spec(model), target(model), now), fresh, { plannedRolloutMs: 120_000 }));
  }));
}, 90_000);

afterAll(async () => {
  if (ticker) clearInterval(ticker);
  provider?.close();
  await prom?.stop();
  await exporter?.close();
});

const result = (model: string): AnalysisResult => {
  const r = results.get(model);
  if (!r) throw new Error(`scenario ${model} was not measured`);
  return r;
};
const sli = (model: string, name: string) => result(model).slis.find((s) => s.name === name);

describe('analysis against a real Prometheus', () => {
  it('passes a healthy canary on every SLI and the burn rate, and continues', () => {
    const r = result('healthy');
    expect(r.slis.map((s) => [s.name, s.verdict, s.reason])).toEqual(slis.map((s) => [s.name, 'Successful', 'WithinBounds']));
    expect(r).toMatchObject({ verdict: 'Successful', decision: { action: 'continue' }, burnRate: { verdict: 'Successful', reason: 'WithinBudget' } });
    expect(r.status.slis[0]).toMatchObject({ name: 'saturation', verdict: 'Successful' });
    expect(Number(r.status.slis[0]?.canaryValue)).toBeCloseTo(0.01, 6);
    expect(r.status.slis[0]?.samples).toBeGreaterThan(1000);
    expect(r.status.burnRate).toMatchObject({ short: '0', long: '0', budgetRemaining: '1' });
  });

  it('fails and rolls back a saturated canary, naming the SLI, value, bound and window', () => {
    const r = result('saturated');
    expect(sli('saturated', 'saturation')).toMatchObject({ verdict: 'Failed', reason: 'AboveMax' });
    expect(r.message).toMatch(/^SLI saturation: canary value 0\.2 is above max 0\.05 over 10s, \d+ units observed$/);
    expect(r.decision).toMatchObject({ action: 'rollback', reason: 'FailureLimitReached' });
  });

  it('fails a canary above the absolute latency bound', () =>
    expect(sli('slow', 'latencyP95')).toMatchObject({ verdict: 'Failed', reason: 'AboveMax', canaryValue: expect.closeTo(0.4875, 3) }));

  it('fails a canary within the absolute latency bound but 2.5× slower than stable', () => {
    const s = sli('slower', 'latencyP95');
    expect(s).toMatchObject({ verdict: 'Failed', reason: 'AboveMaxRatioToStable', canaryValue: expect.closeTo(0.245, 3), stableValue: expect.closeTo(0.0975, 3) });
    expect(s?.message).toContain('× stable 0.0975, above maxRatioToStable 1.5 over 10s');
  });

  it('fails a canary with non-finite predictions, on the SLI and on the burn rate of both windows', () => {
    expect(sli('nan', 'nonFinite')).toMatchObject({ verdict: 'Failed', reason: 'AboveMax', canaryValue: expect.closeTo(0.5, 3) });
    expect(result('nan').burnRate).toMatchObject({ verdict: 'Failed', reason: 'BurnRateExceeded' });
  });

  it('fails a canary burning its error budget on both windows, with every SLI passing', () => {
    const r = result('burning');
    expect(r.slis.every((s) => s.verdict === 'Successful')).toBe(true);
    expect(r.burnRate).toMatchObject({ verdict: 'Failed', reason: 'BurnRateExceeded', short: expect.closeTo(30, 0), long: expect.closeTo(30, 0) });
    expect(r.burnRate?.message).toMatch(/both exceed 10/);
    expect(r.status.burnRate).toMatchObject({ verdict: 'Failed', budgetRemaining: '0' });
    expect(r.decision.action).toBe('rollback');
  });

  it('does not fail on a burn of the short window only, and reports it', () => {
    const r = result('spike');
    expect(r.burnRate).toMatchObject({ verdict: 'Successful', reason: 'ShortWindowBurnOnly' });
    expect(r.burnRate?.short).toBeGreaterThan(5);
    expect(r.burnRate?.long).toBeLessThan(5);
    expect(r).toMatchObject({ verdict: 'Successful', decision: { action: 'continue' } });
    expect(r.message).toContain('a short spike, not a failure');
  });

  it('treats a canary without series as no data, never as zero, and holds', () => {
    const r = result('silent');
    expect(r.slis.map((s) => s.reason)).toEqual(['NoData', 'NoData', 'NoData', 'NoData']);
    expect(r.status.slis.every((s) => s.canaryValue === undefined)).toBe(true);
    expect(r).toMatchObject({ verdict: 'Inconclusive', burnRate: { verdict: 'Inconclusive', reason: 'NoData' }, decision: { action: 'hold' } });
  });

  it('treats a canary whose counters do not grow as NaN and no traffic, inconclusive', () => {
    const r = result('idle');
    expect(sli('idle', 'saturation')).toMatchObject({ verdict: 'Inconclusive', reason: 'NaNValue' });
    expect(r.status.slis[0]?.canaryValue).toBe('NaN');
    expect(r.burnRate).toMatchObject({ verdict: 'Inconclusive', reason: 'NoTraffic' });
  });

  it('reports an outage as Error, holds, and rolls back only at inconclusiveLimit', async () => {
    const down = createPrometheusProvider({ address: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2000, logger });
    const m = await measureAnalysis(down, spec('healthy'), target('healthy'), new Date());
    down.close();
    const first = judge(spec('healthy'), m, fresh);
    expect(first).toMatchObject({ verdict: 'Error', reason: 'AnalysisError', metricsAvailable: false, decision: { action: 'hold' } });
    expect(first.slis.every((s) => s.reason === 'PrometheusUnavailable')).toBe(true);
    expect(judge(spec('healthy'), m, { consecutiveFailures: 0, consecutiveInconclusive: 2 }).decision)
      .toMatchObject({ action: 'rollback', reason: 'InconclusiveLimitReached' });
  });
});
