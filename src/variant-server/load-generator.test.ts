import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { parseExposition, sumSamples } from '../telemetry/exposition.ts';
import { parseConfig } from './config.ts';
import { formatReport, runLoad, weightedRoundRobin } from './load-generator.ts';
import { startVariantServer, type VariantServer } from './server.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => { await Promise.all(cleanup.splice(0).map((f) => f())); });

async function variantServer(env: Record<string, string>): Promise<VariantServer> {
  const result = parseConfig({ HOST: '127.0.0.1', PORT: '0', WARMUP_ITERATIONS: '2', ...env });
  if (!result.ok) throw new Error(result.error.message);
  const server = await startVariantServer({ config: result.config, logger: pino({ level: 'silent' }) });
  cleanup.push(() => server.shutdown());
  await server.ready;
  return server;
}

/** A stand-in predict endpoint that records the headers it got and answers class 0 for every row. */
async function recordingServer(): Promise<{ url: string; headers: IncomingHttpHeaders[] }> {
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    headers.push(req.headers);
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const rows = (JSON.parse(body) as { inputs: unknown[] }).inputs.length;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ classes: Array(rows).fill(0) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, headers };
}

describe('the load generator against real servers', () => {
  it('computes from responses the same accuracy the server exports on /metrics', async () => {
    const server = await variantServer({ ACTIVATION: 'mish', TELEMETRY_SAMPLE_RATE: '0.5' });
    const report = await runLoad({ urls: [server.url], rate: 200, durationMs: 1000, batch: 8 });
    const samples = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
    const labelled = sumSamples(samples, 'inference_labelled_predictions_total', { variant: 'mish' });
    const correct = sumSamples(samples, 'inference_correct_predictions_total', { variant: 'mish' });
    // 200 were due; a loaded machine sends fewer in the second (77 on one CI run). Enough to compare.
    expect(report.requests).toBeGreaterThan(20);
    expect(report.errors).toBe(0);
    expect(labelled).toBe(report.rows);
    expect(correct).toBe(report.correct);
    expect(correct / labelled).toBe(report.accuracy);
    expect(report.accuracy).toBeGreaterThan(0.9);
    expect(sumSamples(samples, 'inference_requests_total', { code: '200' })).toBe(report.requests);
    expect(sumSamples(samples, 'activation_units_observed_total', { layer: 'hidden1' })).toBe(Math.floor(report.requests * 0.5) * 8 * 32);
  });

  it('counts injected errors and NaN rows as the server does', async () => {
    const server = await variantServer({ ACTIVATION: 'tanh', FAULT_ERROR_FRACTION: '0.2', FAULT_NAN_FRACTION: '0.5' });
    const report = await runLoad({ urls: [server.url], rate: 0, concurrency: 2, durationMs: 500, batch: 4 });
    const samples = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
    expect(report.codes['500']).toBe(sumSamples(samples, 'inference_requests_total', { code: '500' }));
    expect(report.errors).toBe(report.codes['500']);
    expect(report.errors / report.requests).toBeCloseTo(0.2, 1);
    expect(sumSamples(samples, 'inference_nonfinite_predictions_total')).toBe(report.rows / 2);
    expect(report.accuracy).toBeLessThan(0.55);
  });

  it('spreads requests by weight and sends the extra headers', async () => {
    const [a, b] = [await recordingServer(), await recordingServer()];
    const report = await runLoad({
      urls: [a.url, b.url], weights: [3, 1], rate: 400, durationMs: 300, batch: 2, headers: { 'x-canary': 'true' },
    });
    const [ra, rb] = report.targets;
    expect(ra!.requests + rb!.requests).toBe(report.requests);
    expect(Math.abs(ra!.requests - 3 * rb!.requests)).toBeLessThanOrEqual(3);
    expect([...a.headers, ...b.headers].every((h) => h['x-canary'] === 'true')).toBe(true);
    expect(formatReport(report)).toMatch(/^sent \d+ requests in [\d.]+s .*accuracy [\d.]+ .*latency p50 [\d.]+ms p95 [\d.]+ms/);
    expect(formatReport(report).split('\n')).toHaveLength(3);
  });

  it('stops after maxRequests', async () => {
    const { url } = await recordingServer();
    const open = await runLoad({ urls: [url], rate: 1000, durationMs: 5000, maxRequests: 25, batch: 1 });
    const closed = await runLoad({ urls: [url], rate: 0, concurrency: 3, durationMs: 5000, maxRequests: 40, batch: 1 });
    expect([open.requests, closed.requests]).toEqual([25, 40]);
    expect(open.durationSeconds).toBeLessThan(2);
  });

  it('reports unreachable servers as errors instead of failing', async () => {
    const report = await runLoad({ urls: ['http://127.0.0.1:1'], rate: 50, durationMs: 200, batch: 1 });
    expect(report.errors).toBe(report.requests);
    expect(report.codes.error).toBe(report.requests);
    expect(report.accuracy).toBeNull();
  });

  it('rejects options that make no sense', async () => {
    await expect(runLoad({ urls: [], rate: 1, durationMs: 10, batch: 1 })).rejects.toThrow('at least one URL');
    await expect(runLoad({ urls: ['http://x'], weights: [1, 2], rate: 1, durationMs: 10, batch: 1 })).rejects.toThrow('weights');
    await expect(runLoad({ urls: ['http://x'], rate: 1, durationMs: 10, batch: 0 })).rejects.toThrow('batch');
  });
});

describe('weighted round-robin', () => {
  it('gives exact shares, interleaved', () => {
    const pick = weightedRoundRobin([5, 1, 1]);
    const picks = Array.from({ length: 7 }, pick);
    expect(picks).toEqual([0, 0, 1, 0, 2, 0, 0]);
  });
});
