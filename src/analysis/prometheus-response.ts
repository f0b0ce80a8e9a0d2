/**
 * Turns one HTTP response of Prometheus' `/api/v1/query` into a QueryResult, without I/O, so every
 * shape Prometheus can answer with is covered by table tests: one sample or a scalar is a value (NaN
 * and infinities included), an empty vector is "no data" and never zero, several series or a range
 * vector are an error that says which, and Prometheus' own error objects (bad PromQL, execution
 * errors, its query timeout) keep Prometheus' message so a user can fix the query.
 */
import type { PromError } from './errors.ts';
import { parsePromValue } from './prom-value.ts';

/** The outcome of one instant query. */
export type QueryResult =
  | { kind: 'value'; value: number }
  | { kind: 'noData' }
  | { kind: 'error'; error: PromError };

/** What an HTTP exchange produced, as far as interpreting it is concerned. */
export interface RawResponse {
  status: number;
  body: unknown;
  /** The Location header of a redirect, if any. */
  location?: string;
}

/** The interpreted response plus Prometheus' warnings (which never change the result). */
export interface InterpretedResponse {
  result: QueryResult;
  warnings: string[];
}

const MAX_LISTED_SERIES = 3;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** Which request a response answers (for messages). */
export interface QueryContext {
  query: string;
  address: string;
  timeoutMs: number;
}

/** Interprets a response of `POST {address}/api/v1/query` for `query`. */
export function interpretQueryResponse(raw: RawResponse, context: QueryContext): InterpretedResponse {
  const { query, address } = context;
  const body = isObject(raw.body) ? raw.body : undefined;
  const warnings = body ? strings(body.warnings) : [];
  const fail = (error: PromError): InterpretedResponse => ({ result: { kind: 'error', error }, warnings });

  if (body?.status === 'error') return fail(fromPrometheusError(body, raw.status, context));
  if (raw.status === 401 || raw.status === 403) {
    return fail({ code: 'Unauthorized', status: raw.status, address,
      message: `Prometheus at ${address} answered HTTP ${raw.status}: check the bearer token (prometheus.bearerTokenSecretRef) and what it is allowed to query` });
  }
  if (raw.status >= 300 && raw.status < 400) {
    return fail({ code: 'ServerError', status: raw.status, address,
      message: `Prometheus at ${address} redirected to ${raw.location ?? 'another URL'} (HTTP ${raw.status}): set prometheus.address to the final URL` });
  }
  if (raw.status === 404) {
    return fail({ code: 'ServerError', status: 404, address,
      message: `${address}/api/v1/query was not found (HTTP 404): is prometheus.address the Prometheus base URL, including any path prefix?` });
  }
  if (raw.status < 200 || raw.status >= 300) {
    return fail({ code: 'ServerError', status: raw.status, address,
      message: `Prometheus at ${address} answered HTTP ${raw.status}${snippet(raw.body)}` });
  }
  if (!body || body.status !== 'success' || !isObject(body.data)) {
    return fail({ code: 'BadResponse', address,
      message: `${address}/api/v1/query did not answer like Prometheus (expected JSON with status "success" and data)${snippet(raw.body)}` });
  }
  return { result: fromData(body.data, query, address), warnings };
}

function fromPrometheusError(body: Json, status: number, { query, address, timeoutMs }: QueryContext): PromError {
  const errorType = typeof body.errorType === 'string' ? body.errorType : 'unknown';
  const detail = typeof body.error === 'string' ? body.error : 'no error message';
  switch (errorType) {
    case 'bad_data':
    case 'execution':
      return { code: 'BadQuery', status, errorType, query, message: `Prometheus rejected the query (${errorType}): ${detail}; query: ${query}` };
    case 'timeout':
    case 'canceled':
      return { code: 'Timeout', address, timeoutMs, message: `Prometheus at ${address} gave up evaluating the query (${errorType}): ${detail}; simplify the query or raise prometheus.timeout` };
    default:
      return { code: 'ServerError', status, address, message: `Prometheus at ${address} failed (HTTP ${status}, ${errorType}): ${detail}` };
  }
}

function fromData(data: Json, query: string, address: string): QueryResult {
  const resultType = typeof data.resultType === 'string' ? data.resultType : 'missing';
  const unexpected = (series: number, message: string): QueryResult =>
    ({ kind: 'error', error: { code: 'UnexpectedResultType', resultType, series, query, message } });

  if (resultType === 'scalar') return sample(data.result, query, address);
  if (resultType === 'vector' && Array.isArray(data.result)) {
    const result = data.result as unknown[];
    if (result.length === 0) return { kind: 'noData' };
    if (result.length > 1) {
      const listed = result.slice(0, MAX_LISTED_SERIES).map((s) => labels(isObject(s) ? s.metric : undefined)).join(', ');
      const more = result.length > MAX_LISTED_SERIES ? ', …' : '';
      return unexpected(result.length, `the query returned ${result.length} series (${listed}${more}) where one number was expected: aggregate it, e.g. sum(...) or max(...); query: ${query}`);
    }
    const only = result[0];
    if (isObject(only) && only.histogram !== undefined && only.value === undefined) {
      return unexpected(1, `the query returned a native histogram where one number was expected: use histogram_quantile(...) or histogram_sum(...); query: ${query}`);
    }
    return sample(isObject(only) ? only.value : undefined, query, address);
  }
  if (resultType === 'matrix') {
    const n = Array.isArray(data.result) ? data.result.length : 0;
    return unexpected(n, `the query returned a range vector (matrix) where one number was expected: wrap the range selector in a function such as rate(...) and aggregate it; query: ${query}`);
  }
  if (resultType === 'string') return unexpected(0, `the query returned a string where one number was expected; query: ${query}`);
  return { kind: 'error', error: { code: 'BadResponse', address, message: `Prometheus at ${address} answered with an unknown result type ${JSON.stringify(resultType)}` } };
}

function sample(pair: unknown, query: string, address: string): QueryResult {
  const value = Array.isArray(pair) ? parsePromValue(pair[1]) : undefined;
  if (value === undefined) {
    return { kind: 'error', error: { code: 'BadResponse', address, message: `Prometheus at ${address} sent a sample that is not [time, "value"]: ${JSON.stringify(pair)}; query: ${query}` } };
  }
  return { kind: 'value', value };
}

function labels(metric: unknown): string {
  if (!isObject(metric)) return '{}';
  return `{${Object.entries(metric).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

function snippet(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}
