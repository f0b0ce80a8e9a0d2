/**
 * The Prometheus provider against a real Prometheus scraping a real exporter: values (NaN and the
 * infinities included), no data, a query Prometheus rejects, a result of several series, the `at`
 * instant, built-in queries and injection attempts as Prometheus parses them, an unreachable address,
 * a timeout (Prometheus frozen with SIGSTOP), and TLS with and without the right CA.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import type { SLI } from '../../src/api/types.ts';
import { DEFAULT_BURN_RATE_QUERIES } from '../../src/analysis/builtins.ts';
import { measureExperiment, planExperimentQueries } from '../../src/analysis/experiment/measure-experiment.ts';
import { PROFILE_SLIS } from '../../src/analysis/profiles.ts';
import { createPrometheusProvider, type AnalysisLogger, type PrometheusProvider } from '../../src/analysis/prometheus-provider.ts';
import { renderQuery } from '../../src/analysis/render-query.ts';
import { freePort } from '../harness/ports.ts';
import { generatePki } from '../harness/pki.ts';
import { serveRegistry, type Exporter } from './support/exporter.ts';
import { startLocalPrometheus, waitForSamples, type LocalPrometheus } from './support/local-prometheus.ts';

/** What the provider logged, to check it against what a real Prometheus answered. */
const logged: { level: 'warn' | 'debug'; obj: Record<string, unknown>; msg: string }[] = [];
const logger: AnalysisLogger = {
  warn: (obj, msg) => { logged.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }); },
  debug: (obj, msg) => { logged.push({ level: 'debug', obj: obj as Record<string, unknown>, msg }); },
};

let prom: LocalPrometheus | undefined;
let exporter: Exporter | undefined;
let provider: PrometheusProvider;
const registry = new Registry();
const gauge = new Gauge({ name: 'ac_test_value', help: 'a value the test sets', labelNames: ['case', 'model'], registers: [registry] });

beforeAll(async () => {
  gauge.set({ case: 'value', model: 'sentiment' }, 0.0123);
  gauge.set({ case: 'nan', model: 'sentiment' }, Number.NaN);
  gauge.set({ case: 'inf', model: 'sentiment' }, Infinity);
  gauge.set({ case: 'neginf', model: 'sentiment' }, -Infinity);
  gauge.set({ case: 'pair', model: 'a' }, 1);
  gauge.set({ case: 'pair', model: 'b' }, 2);
  gauge.set({ case: 'inject', model: 'x' }, 1);
  exporter = await serveRegistry(registry);
  prom = await startLocalPrometheus({ targets: [exporter.target] });
  provider = createPrometheusProvider({ address: prom.url, timeoutMs: 5000, logger });
  await waitForSamples(prom.url, 'ac_test_value{case="pair"}');
}, 60_000);

afterAll(async () => {
  provider?.close();
  await prom?.stop();
  await exporter?.close();
});

describe('Prometheus provider against a real Prometheus', () => {
  it('reads a value', async () =>
    expect(await provider.query('ac_test_value{case="value"}')).toEqual({ kind: 'value', value: 0.0123 }));

  it('reads a scalar', async () => expect(await provider.query('scalar(ac_test_value{case="value"}) * 2')).toEqual({ kind: 'value', value: 0.0246 }));

  it.each([['nan', Number.NaN], ['inf', Infinity], ['neginf', -Infinity]])('reads the %s sample as %d', async (c, value) =>
    expect(await provider.query(`ac_test_value{case="${c}"}`)).toEqual({ kind: 'value', value }));

  it('reads 0/0 as NaN', async () => expect(await provider.query('sum(ac_test_value{case="value"}) * 0 / 0')).toEqual({ kind: 'value', value: Number.NaN }));

  it('treats an empty vector as no data, never as zero', async () =>
    expect(await provider.query('sum(ac_test_value{case="missing"})')).toEqual({ kind: 'noData' }));

  it('evaluates at the given instant (before the data existed: no data)', async () =>
    expect(await provider.query('ac_test_value{case="value"}', new Date(Date.now() - 3_600_000))).toEqual({ kind: 'noData' }));

  it('reports bad PromQL with Prometheus\' message', async () => {
    const r = await provider.query('sum(rate(ac_test_value[1m])');
    expect(r).toMatchObject({ kind: 'error', error: { code: 'BadQuery', status: 400, errorType: 'bad_data' } });
    expect(r.kind === 'error' && r.error.message).toMatch(/parse error/);
  });

  it('reports a result of several series, naming them', async () => {
    const r = await provider.query('ac_test_value{case="pair"}');
    expect(r).toMatchObject({ kind: 'error', error: { code: 'UnexpectedResultType', resultType: 'vector', series: 2 } });
    expect(r.kind === 'error' && r.error.message).toMatch(/model="a"/);
  });

  it('reports a range vector as an unexpected result type', async () =>
    expect(await provider.query('ac_test_value{case="value"}[5s]')).toMatchObject({ kind: 'error', error: { code: 'UnexpectedResultType', resultType: 'matrix' } }));

  it('says it is online', async () => expect(await provider.isOnline()).toBe(true));

  it('logs each query at debug with its duration and outcome, and warns only when Prometheus warned', async () => {
    const from = logged.length;
    await provider.query('ac_test_value{case="value"}');
    await provider.query('sum(rate(ac_test_value[1m])');
    expect(logged.slice(from)).toEqual([
      { level: 'debug', msg: 'Queried Prometheus', obj: { address: prom?.url, query: 'ac_test_value{case="value"}', ms: expect.any(Number), result: 'value' } },
      { level: 'debug', msg: 'Queried Prometheus', obj: { address: prom?.url, query: 'sum(rate(ac_test_value[1m])', ms: expect.any(Number), result: 'error', code: 'BadQuery' } },
    ]);
    // Prometheus 2.42 sends no warnings for these queries (that warnings reach logger.warn is a unit test).
    expect(logged.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('has every built-in query of every profile accepted by Prometheus (no data here, no error)', async () => {
    const vars = { namespace: 'ml', name: 'x"} or vector(1) #', role: 'canary', variant: 'gelu', window: '1m' } as const;
    const builtins = Object.values(PROFILE_SLIS).flatMap((profile) => Object.values(profile));
    const templates = [...builtins.flatMap((s) => [s.query, s.samplesQuery]), ...Object.values(DEFAULT_BURN_RATE_QUERIES)];
    for (const template of templates) {
      const r = renderQuery(template, vars);
      if (!r.ok) throw new Error(r.error.message);
      const result = await provider.query(r.value);
      // The default error query is 0 + 0 when nothing exists: its terms fall back to vector(0) on purpose.
      expect([template, result]).toEqual([template, template === DEFAULT_BURN_RATE_QUERIES.errorQuery ? { kind: 'value', value: 0 } : { kind: 'noData' }]);
    }
  });

  it.each(['x"} or vector(1) #', 'x"} or ac_test_value{case="value"} #', 'x\\', 'x\n"} or vector(1)', 'x\u0001\t"} or vector(1)'])(
    'keeps the name %j a literal: Prometheus matches nothing instead of running injected PromQL', async (name) => {
      const r = renderQuery('sum(ac_test_value{case="inject",model="{{name}}"})', { namespace: 'ml', name, role: 'canary', variant: 'v', window: '1m' });
      if (!r.ok) throw new Error(r.error.message);
      expect(await provider.query(r.value)).toEqual({ kind: 'noData' });
    });

  it('matches the plain name, to show the query above would have found the series', async () => {
    const r = renderQuery('sum(ac_test_value{case="inject",model="{{name}}"})', { namespace: 'ml', name: 'x', role: 'canary', variant: 'v', window: '1m' });
    expect(r.ok && (await provider.query(r.value))).toEqual({ kind: 'value', value: 1 });
  });

  it('sends a bearer token without upsetting a Prometheus that does not check it', async () => {
    const withToken = createPrometheusProvider({ address: prom!.url, timeoutMs: 5000, bearerToken: 'secret-token\n', logger });
    expect(await withToken.query('vector(3)')).toEqual({ kind: 'value', value: 3 });
    withToken.close();
  });
});

describe('Prometheus provider when Prometheus is not there', () => {
  it('reports an unreachable address', async () => {
    const address = `http://127.0.0.1:${await freePort()}`;
    const down = createPrometheusProvider({ address, timeoutMs: 2000, logger });
    const r = await down.query('vector(1)');
    expect(r).toMatchObject({ kind: 'error', error: { code: 'Unreachable', address } });
    expect(r.kind === 'error' && r.error.message).toMatch(/ECONNREFUSED.*check prometheus.address/);
    expect(await down.isOnline()).toBe(false);
    down.close();
  });

  it('times out when Prometheus accepts the connection but does not answer', async () => {
    const slow = createPrometheusProvider({ address: prom!.url, timeoutMs: 500, logger });
    await prom!.freeze();
    try {
      const started = Date.now();
      const r = await slow.query('vector(1)');
      expect(r).toMatchObject({ kind: 'error', error: { code: 'Timeout', timeoutMs: 500 } });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      prom!.thaw();
      slow.close();
    }
    expect(await provider.query('vector(1)')).toEqual({ kind: 'value', value: 1 });
  });

  it('costs an experiment run one query timeout when Prometheus is frozen, not one per batch of 8 queries, and measures every side as an Error', async () => {
    const slow = createPrometheusProvider({ address: prom!.url, timeoutMs: 500, logger });
    let asked = 0;
    const counting = { query: (q: string, at?: Date) => (asked++, slow.query(q, at)), queryMatrix: (q: string, at?: Date) => (asked++, slow.queryMatrix(q, at)) };
    const slis: SLI[] = [{ name: 'accuracy', builtin: 'accuracy', min: 0.2 }, { name: 'errors', builtin: 'errorRate', max: 0.5 }, { name: 'latency', builtin: 'latencyP95', max: 5 }];
    const candidates = ['gelu', 'silu', 'mish', 'swish', 'tanh'].map((activation) => ({ activation }));
    const plan = planExperimentQueries({ prometheus: { address: prom!.url }, slis }, { candidates, minSamples: 4, confidenceLevel: 0.95, power: 0.8,
      slis: slis.map((x) => ({ name: x.name, minimumEffect: { absolute: 0.05 } })), rankBy: [] }, { namespace: 'ml', name: 'frozen', stableVariant: 'relu' }, 60_000, 2_000);
    await prom!.freeze();
    try {
      const data = await measureExperiment(counting, plan, new Date(), 60_000, 2_000);
      // 6 sides × (2 counted SLIs of 2 queries + 1 sampled) = 30 queries, 4 batches of 8 timeouts in a row before.
      expect(asked).toBeLessThanOrEqual(8);
      const sides = Object.values(data).flatMap((x) => [x.stable, ...Object.values(x.candidates)]);
      expect(sides).toHaveLength(18);
      for (const side of sides) expect(side).toMatchObject({ kind: 'missing', reason: 'Error', message: expect.stringMatching(/did not answer within 500 ms/) });
    } finally {
      prom!.thaw();
      slow.close();
    }
  });
});

describe('Prometheus provider over TLS', () => {
  let tlsProm: LocalPrometheus | undefined;
  let pkiDir = '';
  let caPem = '';
  beforeAll(async () => {
    pkiDir = mkdtempSync(join(tmpdir(), 'activation-canary-prom-pki-'));
    const pki = generatePki(pkiDir);
    caPem = readFileSync(pki.caCert, 'utf8');
    tlsProm = await startLocalPrometheus({ targets: [], tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert } });
  }, 60_000);
  afterAll(async () => {
    await tlsProm?.stop();
    if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
  });

  it('queries over https trusting the CA it is given', async () => {
    const tls = createPrometheusProvider({ address: tlsProm!.url, timeoutMs: 5000, caPem, logger });
    expect(await tls.query('vector(7)')).toEqual({ kind: 'value', value: 7 });
    tls.close();
  });

  it('reports a TLS error, pointing at caSecretRef, without the CA', async () => {
    const tls = createPrometheusProvider({ address: tlsProm!.url, timeoutMs: 5000, logger });
    const r = await tls.query('vector(7)');
    expect(r).toMatchObject({ kind: 'error', error: { code: 'Tls' } });
    expect(r.kind === 'error' && r.error.message).toContain('caSecretRef');
    tls.close();
  });
});
