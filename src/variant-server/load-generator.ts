/**
 * The load generator's core, callable in-process (tests, the demo, the benchmark) and wrapped by the
 * loadgen.ts CLI. It sends labelled batches from the held-out split to one or more variant servers,
 * spread by smooth weighted round-robin, either open-loop at a fixed rate or closed-loop as fast as a
 * number of workers allows, and reports what it sent and got: requests, errors, rows, the accuracy it
 * computed from the responses, and latency percentiles, in total and per target.
 */
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadDataset, type Split } from './dataset.ts';
import type { PredictResponse } from './predict.ts';
import { DEFAULT_MODEL_DIR } from './weights.ts';

export interface LoadOptions {
  /** Base URLs of the servers, e.g. http://127.0.0.1:8080. */
  urls: readonly string[];
  /** Relative share of requests per URL (default: equal). */
  weights?: readonly number[];
  /** Requests per second across all URLs; 0 = closed loop, `concurrency` workers back to back. */
  rate: number;
  durationMs: number;
  /** Stop after this many requests, even if the duration has not run out. */
  maxRequests?: number;
  /** Rows per request. */
  batch: number;
  headers?: Readonly<Record<string, string>>;
  /** Most requests in flight at once (default 64); the number of workers in closed loop. */
  concurrency?: number;
  timeoutMs?: number;
  /** Rows to send, cycled in order (default: the held-out split of models/dataset.csv). */
  data?: Split;
  signal?: AbortSignal;
}

export interface TargetReport {
  url: string;
  requests: number;
  /** Requests answered with a non-2xx status, or not answered at all. */
  errors: number;
  /** Rows in successful responses (all sent rows carry labels). */
  rows: number;
  correct: number;
  /** correct / rows, or null when no row was answered. */
  accuracy: number | null;
  /** Count per HTTP status, plus "error" for failures without a response. */
  codes: Record<string, number>;
}

export interface LoadReport extends Omit<TargetReport, 'url'> {
  durationSeconds: number;
  /** Requests per second actually achieved. */
  rate: number;
  /** Latency of answered requests, in seconds (null when none). */
  latency: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  targets: TargetReport[];
}

/** Runs the load and resolves with the report once every request has finished. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  validate(options);
  const data = options.data ?? loadDataset(`${DEFAULT_MODEL_DIR}/dataset.csv`).heldOut;
  const concurrency = options.concurrency ?? 64;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const targets = options.urls.map((url) => ({ url: new URL('/v1/predict', url), report: emptyTarget(url) }));
  const pick = weightedRoundRobin(options.weights ?? options.urls.map(() => 1));
  const bodies = new Map<number, { body: string; labels: number[] }>();
  const latencies: number[] = [];
  const bodyFor = (n: number) => {
    const offset = (n * options.batch) % data.labels.length;
    let cached = bodies.get(offset);
    if (!cached) {
      const index = Array.from({ length: options.batch }, (_, i) => (offset + i) % data.labels.length);
      const labels = index.map((i) => data.labels[i]!);
      cached = { body: JSON.stringify({ inputs: index.map((i) => data.inputs[i]), labels }), labels };
      bodies.set(offset, cached);
    }
    return cached;
  };

  const send = async (n: number) => {
    const target = targets[pick()]!;
    const { body, labels } = bodyFor(n);
    const report = target.report;
    report.requests++;
    const started = performance.now();
    const result = await post(agent, target.url, body, options.headers ?? {}, timeoutMs);
    const code = result.status === undefined ? 'error' : String(result.status);
    report.codes[code] = (report.codes[code] ?? 0) + 1;
    if (result.status !== undefined) latencies.push((performance.now() - started) / 1000);
    if (result.status === undefined || result.status < 200 || result.status >= 300) {
      report.errors++;
      return;
    }
    const classes = (JSON.parse(result.body) as PredictResponse).classes;
    report.rows += labels.length;
    labels.forEach((label, i) => { if (classes[i] === label) report.correct++; });
  };

  const started = performance.now();
  const deadline = started + options.durationMs;
  const maxRequests = options.maxRequests ?? Infinity;
  const stopped = (sent: number) => sent >= maxRequests || performance.now() >= deadline || options.signal?.aborted === true;
  try {
    if (options.rate > 0) await openLoop(options.rate, concurrency, started, stopped, send);
    else await closedLoop(concurrency, stopped, send);
  } finally {
    agent.destroy();
  }
  return summarize(targets.map((t) => t.report), latencies, (performance.now() - started) / 1000);
}

function validate(options: LoadOptions): void {
  if (options.urls.length === 0) throw new Error('at least one URL is needed');
  if (options.weights && (options.weights.length !== options.urls.length || options.weights.some((w) => !(w >= 0)) || !options.weights.some((w) => w > 0))) {
    throw new Error(`weights must be ${options.urls.length} non-negative numbers, not all zero`);
  }
  if (!(options.rate >= 0) || !Number.isFinite(options.rate)) throw new Error('rate must be a number >= 0');
  if (!(options.durationMs > 0)) throw new Error('duration must be positive');
  if (options.maxRequests !== undefined && !(options.maxRequests >= 0)) throw new Error('maxRequests must be >= 0');
  if (!Number.isInteger(options.batch) || options.batch < 1) throw new Error('batch must be a positive integer');
}

/** Fires request n at start + n/rate, never more than `concurrency` at once. */
async function openLoop(rate: number, concurrency: number, start: number, stopped: (sent: number) => boolean, send: (n: number) => Promise<void>) {
  const inFlight = new Set<Promise<void>>();
  const interval = 1000 / rate;
  let sent = 0;
  while (!stopped(sent)) {
    const due = Math.floor((performance.now() - start) / interval) + 1;
    while (sent < due && inFlight.size < concurrency && !stopped(sent)) {
      const p: Promise<void> = send(sent++).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
    else await sleep(Math.max(0, start + sent * interval - performance.now()));
  }
  await Promise.all(inFlight);
}

async function closedLoop(workers: number, stopped: (sent: number) => boolean, send: (n: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (!stopped(next)) await send(next++);
  }));
}

/** Smooth weighted round-robin (as nginx does it): exact shares, evenly interleaved. */
export function weightedRoundRobin(weights: readonly number[]): () => number {
  const current = weights.map(() => 0);
  const total = weights.reduce((a, b) => a + b, 0);
  return () => {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i]! += weights[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    return best;
  };
}

type PostResult = { status: number; body: string } | { status: undefined; body: string };

function post(agent: Agent, url: URL, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<PostResult> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'POST', agent, timeout: timeoutMs,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ status: undefined, body: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ status: undefined, body: error.message }));
    req.end(body);
  });
}

function emptyTarget(url: string): TargetReport {
  return { url, requests: 0, errors: 0, rows: 0, correct: 0, accuracy: null, codes: {} };
}

function summarize(targets: TargetReport[], latencies: number[], durationSeconds: number): LoadReport {
  for (const t of targets) t.accuracy = t.rows > 0 ? t.correct / t.rows : null;
  const sum = (key: 'requests' | 'errors' | 'rows' | 'correct') => targets.reduce((a, t) => a + t[key], 0);
  const codes: Record<string, number> = {};
  for (const t of targets) for (const [code, n] of Object.entries(t.codes)) codes[code] = (codes[code] ?? 0) + n;
  const sorted = Float64Array.from(latencies).sort();
  const quantile = (q: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  const rows = sum('rows');
  const correct = sum('correct');
  return {
    requests: sum('requests'), errors: sum('errors'), rows, correct, accuracy: rows > 0 ? correct / rows : null, codes,
    durationSeconds, rate: sum('requests') / durationSeconds,
    latency: { p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99), max: sorted.length ? sorted[sorted.length - 1]! : null },
    targets,
  };
}

/** The report as one line of text, plus one line per target when there are several. */
export function formatReport(report: LoadReport): string {
  const ms = (s: number | null) => (s === null ? '-' : `${(s * 1000).toFixed(1)}ms`);
  const acc = (t: { accuracy: number | null; correct: number; rows: number }) =>
    t.accuracy === null ? 'accuracy -' : `accuracy ${t.accuracy.toFixed(4)} (${t.correct}/${t.rows})`;
  const codes = Object.entries(report.codes).map(([c, n]) => `${c}=${n}`).join(' ');
  const lines = [
    `sent ${report.requests} requests in ${report.durationSeconds.toFixed(1)}s (${report.rate.toFixed(1)}/s): ` +
    `${report.errors} errors, ${report.rows} rows answered, ${acc(report)}, ` +
    `latency p50 ${ms(report.latency.p50)} p95 ${ms(report.latency.p95)}, codes ${codes || '-'}`,
  ];
  if (report.targets.length > 1) {
    for (const t of report.targets) lines.push(`  ${t.url}: ${t.requests} requests, ${t.errors} errors, ${t.rows} rows, ${acc(t)}`);
  }
  return lines.join('\n');
}
