import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { parseAllowedAddresses } from '../analysis/address-policy.ts';
import { PROMETHEUS_CREDENTIALS_LABEL } from '../analysis/credentials.ts';
import type { ModelVariant } from '../api/types.ts';
import { createFakeClock } from '../kube/clock.ts';
import type { AnalysisRunnerOptions } from './analysis-runner.ts';
import { createAnalysisScheduler } from './analysis-scheduler.ts';
import type { AnalysisOutcome, AnalysisStatus } from './model.ts';

// The runner's trust rules and its decisions, through the analysis scheduler, with Secrets from an in-memory stand-in for the API and a
// scripted HTTP server on loopback standing in for Prometheus (it records what reaches it). The real
// apiserver and Prometheus are in test/integration/.
const logger = pino({ level: 'silent' });
const now = Date.parse('2026-11-28T14:00:00Z');
const MARK = { [PROMETHEUS_CREDENTIALS_LABEL]: 'true' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

let prom: Server;
let promUrl = '';
const received: { authorization: string | undefined; query: string | null }[] = [];
beforeAll(async () => {
  prom = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      received.push({ authorization: req.headers.authorization, query: new URLSearchParams(body).get('query') });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
  });
  await new Promise<void>((resolve) => prom.listen(0, '127.0.0.1', resolve));
  promUrl = `http://127.0.0.1:${(prom.address() as AddressInfo).port}`;
});
afterAll(async () => {
  prom.closeAllConnections();
  await new Promise<void>((resolve) => prom.close(() => resolve()));
});

type FakeSecret = { labels?: Record<string, string>; data?: Record<string, string> } | { status: number };
/** A CoreV1Api that knows `secrets` (by name) and records which it was asked for. */
function fakeCore(secrets: Record<string, FakeSecret>) {
  const asked: string[] = [];
  const core: AnalysisRunnerOptions['core'] = {
    readNamespacedSecret: (async ({ namespace, name }: { namespace: string; name: string }) => {
      asked.push(`${namespace}/${name}`);
      const s = secrets[name];
      if (!s) throw Object.assign(new Error('HTTP-Code: 404 Message: not found'), { code: 404 });
      if ('status' in s) throw Object.assign(new Error(`HTTP-Code: ${s.status}`), { code: s.status });
      return { metadata: { name, namespace, ...(s.labels ? { labels: s.labels } : {}) }, ...(s.data ? { data: s.data } : {}) };
    }) as AnalysisRunnerOptions['core']['readNamespacedSecret'],
  };
  return { core, asked };
}

const modelVariant = (prometheus: Record<string, unknown>, inconclusiveLimit = 3): ModelVariant => ({
  apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', metadata: { name: 'sentiment', namespace: 'ml' },
  spec: {
    activation: 'gelu', replicas: 2, template: { spec: { containers: [{ name: 'model', image: 'model:1' }] } },
    strategy: { steps: [{ setWeight: 50, pause: '1m' }], analysis: { inconclusiveLimit, prometheus: { address: promUrl, ...prometheus } as never,
      slis: [{ name: 'accuracy', builtin: 'accuracy', min: 0.9 }] } },
  },
  status: { stableActivation: 'relu' },
} as ModelVariant);

const run = async (opts: { secrets?: Record<string, FakeSecret>; prometheus?: Record<string, unknown>; previous?: AnalysisStatus; limit?: number; allowed?: string }) => {
  const { core, asked } = fakeCore(opts.secrets ?? {});
  const allowed = parseAllowedAddresses(opts.allowed ?? '');
  if (!allowed.ok) throw new Error(allowed.error);
  const clock = createFakeClock(now);
  const scheduler = createAnalysisScheduler({ core, logger, clock, allowedAddresses: allowed.value });
  const landed = new Promise<void>((resolve) => scheduler.onVerdict(() => resolve()));
  const before = received.length;
  const mv = modelVariant(opts.prometheus ?? {}, opts.limit);
  const status = { ...mv.status, ...(opts.previous ? { analysis: opts.previous } : {}) };
  expect(scheduler.take(mv, status, now)).toBeUndefined(); // asked for, measured off the caller's path
  await clock.advance(1000);
  await landed;
  const outcome = scheduler.take(mv, status, now) as AnalysisOutcome;
  expect(outcome).toBeDefined();
  return { outcome, asked, requests: received.slice(before) };
};
const token = { bearerTokenSecretRef: { name: 'prom-token', key: 'token' } };

describe('analysis runner: credentials Secrets', () => {
  it('uses the bearer token of a Secret marked activationcanary.io/prometheus-credentials=true', async () => {
    const { outcome, requests } = await run({ prometheus: token, secrets: { 'prom-token': { labels: MARK, data: { token: b64('s3cret\n') } } } });
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.authorization === 'Bearer s3cret')).toBe(true);
    expect(outcome).toMatchObject({ verdict: 'Inconclusive', action: 'hold' });
  });

  it('refuses an unmarked Secret, asks Prometheus nothing, and says how to mark it', async () => {
    const { outcome, requests } = await run({ prometheus: token, secrets: { 'prom-token': { data: { token: b64('s3cret') } } } });
    expect(requests).toEqual([]);
    expect(outcome).toMatchObject({ verdict: 'Error', action: 'hold', reason: 'AnalysisError', metricsAvailable: false });
    expect(outcome.message).toContain('prometheus.bearerTokenSecretRef: Secret ml/prom-token is not marked as Prometheus credentials');
    expect(outcome.message).toContain('kubectl label secret prom-token -n ml activationcanary.io/prometheus-credentials=true');
    expect(outcome.message).not.toContain('s3cret');
  });

  it('refuses an unmarked CA Secret before reading the token', async () => {
    const { outcome, asked } = await run({ prometheus: { caSecretRef: { name: 'prom-ca', key: 'ca.crt' }, ...token },
      secrets: { 'prom-ca': { data: { 'ca.crt': b64('PEM') } }, 'prom-token': { labels: MARK, data: { token: b64('t') } } } });
    expect(asked).toEqual(['ml/prom-ca']);
    expect(outcome.message).toContain('prometheus.caSecretRef: Secret ml/prom-ca is not marked');
  });

  it.each<[string, FakeSecret | undefined, string]>([
    ['missing', undefined, 'prometheus.bearerTokenSecretRef: Secret ml/prom-token not found: create it and mark it'],
    ['forbidden', { status: 403 }, 'the operator may not read Secret ml/prom-token (forbidden): grant its ServiceAccount get on secrets in ml'],
    ['unreadable', { status: 500 }, 'cannot read Secret ml/prom-token (HTTP 500)'],
    ['without the key', { labels: MARK, data: { other: b64('x') } }, 'Secret ml/prom-token has no key "token" (its keys: other)'],
  ])('makes a %s Secret an Error run that says what to fix', async (_title, secret, message) => {
    const { outcome, requests } = await run({ prometheus: token, secrets: secret ? { 'prom-token': secret } : {} });
    expect(requests).toEqual([]);
    expect(outcome).toMatchObject({ verdict: 'Error', action: 'hold', metricsAvailable: false, message: expect.stringContaining(message) });
  });
});

describe('analysis runner: --prometheus-allowed-addresses', () => {
  it('queries an allowed address', async () => {
    const { outcome, requests } = await run({ allowed: `http://prometheus.monitoring:9090,${promUrl}` });
    expect(requests.length).toBeGreaterThan(0);
    expect(outcome.verdict).toBe('Inconclusive');
  });

  it('refuses any other address before reading its Secrets or sending anything, naming the flag', async () => {
    const { outcome, asked, requests } = await run({ allowed: 'http://prometheus.monitoring:9090', prometheus: token,
      secrets: { 'prom-token': { labels: MARK, data: { token: b64('s3cret') } } } });
    expect(asked).toEqual([]);
    expect(requests).toEqual([]);
    expect(outcome).toMatchObject({ verdict: 'Error', action: 'hold', metricsAvailable: false });
    expect(outcome.message).toContain(`prometheus.address "${promUrl}" is not allowed by the operator's --prometheus-allowed-addresses (http://prometheus.monitoring:9090)`);
  });
});

describe('analysis runner: Error runs count toward inconclusiveLimit', () => {
  const previous = (consecutiveInconclusive: number): AnalysisStatus => ({
    lastRunAt: '2026-11-28T13:59:30.000Z', verdict: 'Error', consecutiveFailures: 0, consecutiveInconclusive,
    slis: [{ name: 'accuracy', canaryValue: '0.95', threshold: '>= 0.9', verdict: 'Successful', reason: 'WithinBounds', message: 'ok', window: '1m', measuredAt: '2026-11-28T13:59:00.000Z' }],
  });

  it.each<[string, Record<string, unknown>, Record<string, FakeSecret>, string]>([
    ['an unmarked Secret', token, { 'prom-token': { data: { token: b64('t') } } }, 'not marked'],
    ['a missing Secret', token, {}, 'not found'],
    ['a forbidden Secret', token, { 'prom-token': { status: 403 } }, 'forbidden'],
  ])('holds on %s below the limit and rolls back once it is reached', async (_title, prometheus, secrets, text) => {
    const below = await run({ prometheus, secrets, previous: previous(1), limit: 3 });
    expect(below.outcome).toMatchObject({ action: 'hold', status: { verdict: 'Error', consecutiveInconclusive: 2 } });
    expect(below.outcome.message).toMatch(/^holding the step \(2 of inconclusiveLimit 3\)/);
    const reached = await run({ prometheus, secrets, previous: previous(2), limit: 3 });
    expect(reached.outcome).toMatchObject({ verdict: 'Error', action: 'rollback', reason: 'InconclusiveLimitReached', metricsAvailable: false,
      status: { verdict: 'Error', consecutiveInconclusive: 3, lastRunAt: '2026-11-28T14:00:00.000Z' } });
    expect(reached.outcome.message).toContain(text);
  });

  it('rolls back on an address that is not allowed once the limit is reached', async () =>
    expect((await run({ allowed: 'https://thanos.example', previous: previous(2), limit: 3 })).outcome)
      .toMatchObject({ action: 'rollback', reason: 'InconclusiveLimitReached', message: expect.stringContaining('--prometheus-allowed-addresses') }));

  it('rolls back on an unreachable Prometheus once the limit is reached', async () => {
    const { outcome } = await run({ prometheus: { address: 'http://127.0.0.1:9' }, previous: previous(2), limit: 3 });
    expect(outcome).toMatchObject({ verdict: 'Error', action: 'rollback', reason: 'InconclusiveLimitReached', metricsAvailable: false });
    expect(outcome.message).toContain('cannot reach Prometheus at http://127.0.0.1:9');
  });

  it('keeps the last measured SLI values in status while it cannot measure', async () => {
    const { outcome } = await run({ prometheus: token, previous: previous(0) });
    expect(outcome.status.slis).toEqual(previous(0).slis);
  });
});
