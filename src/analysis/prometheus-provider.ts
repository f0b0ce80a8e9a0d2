/**
 * The Prometheus metric provider: two methods, as in Flagger (`query`, `isOnline`), plus `queryVector`
 * for batched queries that answer one series per ModelVariant and `queryMatrix` for an experiment's
 * per-interval samples (a subquery answering a range vector), over Prometheus' HTTP API. Queries are
 * form-encoded POSTs to `/api/v1/query` (no URL length limit, nothing in access
 * logs), bounded by a timeout both locally and as Prometheus' own `timeout` parameter; TLS trusts an
 * optional CA bundle, an optional bearer token is sent as a header, redirects are not followed (a
 * token must not travel to another host) and proxies from the environment are not used. Nothing is
 * thrown: every failure becomes a typed PromError inside the QueryResult, and Prometheus' warnings go
 * to the logger (warn, with the query) because they often explain a surprising value; every query is
 * logged at debug with its duration and outcome. Text the server or the TLS layer sends back reaches a
 * message only sanitised (src/analysis/sanitize.ts), with the bearer token redacted.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { PromError } from './errors.ts';
import { interpretMatrixResponse, type MatrixResult } from './experiment/prometheus-matrix.ts';
import { interpretQueryResponse, interpretVectorResponse, type QueryContext, type QueryResult, type RawResponse, type VectorResult } from './prometheus-response.ts';
import { serverText } from './sanitize.ts';

export type { QueryResult, VectorResult } from './prometheus-response.ts';

/** The part of a logger (pino's Logger fits) that the provider uses. */
export interface AnalysisLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface PrometheusProviderOptions {
  /** Base URL, e.g. http://prometheus.monitoring:9090 or https://example/prometheus. */
  address: string;
  /** Per-query deadline (connect + evaluate + transfer). */
  timeoutMs: number;
  /** PEM CA bundle (from prometheus.caSecretRef) trusted for an https address. */
  caPem?: string;
  /** Bearer token (from prometheus.bearerTokenSecretRef); surrounding whitespace is ignored. */
  bearerToken?: string;
  logger: AnalysisLogger;
  /** An axios instance to send requests with; the default is a fresh one per provider. */
  http?: AxiosInstance;
}

export interface PrometheusProvider {
  /** Runs an instant query at `at` (default: Prometheus' now) that must answer one number; never throws. */
  query(promql: string, at?: Date): Promise<QueryResult>;
  /** Runs an instant query that may answer many series (a batched query, grouped `by` labels); never throws. */
  queryVector(promql: string, at?: Date): Promise<VectorResult>;
  /** Runs an instant query that answers a range vector (a subquery), for an experiment's per-interval samples; never throws. */
  queryMatrix(promql: string, at?: Date): Promise<MatrixResult>;
  /** True when Prometheus evaluates `vector(1)` to 1. */
  isOnline(): Promise<boolean>;
  /** Releases kept-alive connections (call when the provider is replaced, e.g. its spec changed). */
  close(): void;
}

/** Responses larger than this are refused: one number never needs more. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export function createPrometheusProvider(options: PrometheusProviderOptions): PrometheusProvider {
  const address = options.address.replace(/\/+$/, '');
  const { timeoutMs, logger } = options;
  const invalid = invalidAddress(address);
  const http = options.http ?? axios.create();
  const httpAgent = new HttpAgent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({ keepAlive: true, ...(options.caPem ? { ca: options.caPem } : {}) });
  const token = options.bearerToken?.trim();
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
  };

  const secrets = token ? [token] : [];

  /** Sends one instant query and interprets the answer with `interpret`; transport failures become errors. */
  async function send<R extends QueryResult | VectorResult | MatrixResult>(promql: string, at: Date | undefined,
    interpret: (raw: RawResponse, context: QueryContext) => { result: R; warnings: string[] }): Promise<R | { kind: 'error'; error: PromError }> {
    if (invalid) return { kind: 'error', error: invalid };
    const form = new URLSearchParams({ query: promql, timeout: String(timeoutMs / 1000) });
    if (at) form.set('time', (at.getTime() / 1000).toFixed(3));
    const started = Date.now();
    const context = { query: promql, address, timeoutMs, secrets };
    try {
      const res = await http.post(`${address}/api/v1/query`, form.toString(), {
        headers, timeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs), validateStatus: () => true,
        maxRedirects: 0, proxy: false, httpAgent, httpsAgent, maxContentLength: MAX_RESPONSE_BYTES, responseType: 'json',
      });
      const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
      const { result, warnings } = interpret({ status: res.status, body: res.data, ...(location ? { location } : {}) }, context);
      if (warnings.length > 0) logger.warn({ address, query: promql, warnings }, 'Prometheus returned warnings for a query');
      logger.debug({ address, query: promql, ms: Date.now() - started, result: result.kind, ...(result.kind === 'error' ? { code: result.error.code } : {}) }, 'Queried Prometheus');
      return result;
    } catch (err) {
      const error = classifyTransportError(err, address, timeoutMs, secrets);
      logger.debug({ address, query: promql, ms: Date.now() - started, code: error.code }, 'Query to Prometheus failed');
      return { kind: 'error', error };
    }
  }

  const query = (promql: string, at?: Date): Promise<QueryResult> => send(promql, at, interpretQueryResponse);

  return {
    query,
    queryVector: (promql, at) => send(promql, at, interpretVectorResponse),
    queryMatrix: (promql, at) => send(promql, at, interpretMatrixResponse),
    async isOnline() {
      const result = await query('vector(1)');
      return result.kind === 'value' && result.value === 1;
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function invalidAddress(address: string): PromError | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { code: 'InvalidAddress', address, message: `prometheus.address ${JSON.stringify(address)} is not a URL: use e.g. http://prometheus.monitoring:9090` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { code: 'InvalidAddress', address, message: `prometheus.address ${JSON.stringify(address)} must start with http:// or https://` };
  }
  return undefined;
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL|EPROTO/;

/**
 * Maps an error thrown while sending a request (no HTTP response) to a PromError. Its message may quote
 * the server (a certificate's names, a malformed header), so it is sanitised and `secrets` redacted.
 */
export function classifyTransportError(err: unknown, address: string, timeoutMs: number, secrets: readonly string[] = []): PromError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown; name?: unknown; cause?: { code?: unknown } };
  const rawCode = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : '';
  const code = /^[A-Z0-9_]{1,64}$/.test(rawCode) ? rawCode : '';
  const detail = serverText(typeof e.message === 'string' && e.message ? e.message : String(err), { secrets });
  if (TIMEOUT_CODES.has(code) || e.name === 'TimeoutError' || e.name === 'CanceledError') {
    return { code: 'Timeout', address, timeoutMs, message: `Prometheus at ${address} did not answer within ${timeoutMs} ms: check that it is healthy, or raise prometheus.timeout` };
  }
  if (TLS_CODE.test(code)) {
    return { code: 'Tls', address, message: `TLS to ${address} failed (${code}: ${detail}): check prometheus.caSecretRef holds the CA that signed Prometheus' certificate and that the host name matches it` };
  }
  if (code.startsWith('ERR_FR_MAX_BODY') || /maxContentLength/.test(detail)) {
    return { code: 'BadResponse', address, message: `Prometheus at ${address} sent more than ${MAX_RESPONSE_BYTES} bytes for one query: the query must return one number` };
  }
  return { code: 'Unreachable', address, message: `cannot reach Prometheus at ${address}${code ? ` (${code})` : ''}: ${detail}; check prometheus.address and that Prometheus is running` };
}
