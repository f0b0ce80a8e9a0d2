/**
 * Turns one HTTP response of Prometheus' `/api/v1/query` into a QueryResult, without I/O, so every
 * shape Prometheus can answer with is covered by table tests: one sample or a scalar is a value (NaN
 * and infinities included), an empty vector is "no data" and never zero, several series or a range
 * vector are an error that says which, and Prometheus' own error objects (bad PromQL, execution
 * errors, its query timeout) keep Prometheus' message so a user can fix the query. A batched query's
 * answer (interpretVectorResponse) is every series with its labels instead, with the same errors. Every piece of text
 * that came from the server (an error message, label values, a redirect target, a warning) passes
 * through serverText (short, one printable line, credentials redacted), and a body that is not
 * Prometheus' JSON is described (kind and size), never quoted: whatever a server answers, a message
 * stays short and cannot carry its content into status or Events.
 */
import type { PromError } from './errors.ts';
import { parsePromValue } from './prom-value.ts';
import { describeBody, queryEcho, serverText } from './sanitize.ts';

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
/** Warnings handed back at most (each one short), however many the server sent. */
const MAX_WARNINGS = 5;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** Which request a response answers (for messages). */
export interface QueryContext {
  query: string;
  address: string;
  timeoutMs: number;
  /** Strings to redact from anything the server sends back (the bearer token the request carried). */
  secrets?: readonly string[];
}

/** One series of an instant vector: its labels and its value (NaN and ±Inf included). */
export interface VectorSample {
  labels: Record<string, string>;
  value: number;
}

/** The outcome of an instant query that may answer with many series (a batched query). */
export type VectorResult =
  | { kind: 'vector'; series: VectorSample[] }
  | { kind: 'error'; error: PromError };

/** Interprets a response of `POST {address}/api/v1/query` for `query`, which must answer one number. */
export function interpretQueryResponse(raw: RawResponse, context: QueryContext): InterpretedResponse {
  const checked = checkResponse(raw, context);
  if ('error' in checked) return { result: { kind: 'error', error: checked.error }, warnings: checked.warnings };
  return { result: fromData(checked.data, context, checked.text), warnings: checked.warnings };
}

/**
 * Interprets a response for a query grouped `by` labels (a batched query): every series of an instant
 * vector with its labels, an empty vector as no series (each ModelVariant then has no data), and the
 * same errors as interpretQueryResponse. Label values are returned as sent: they are only compared,
 * never quoted in a message.
 */
export function interpretVectorResponse(raw: RawResponse, context: QueryContext): { result: VectorResult; warnings: string[] } {
  const checked = checkResponse(raw, context);
  if ('error' in checked) return { result: { kind: 'error', error: checked.error }, warnings: checked.warnings };
  const { data, text, warnings } = checked;
  const resultType = typeof data.resultType === 'string' ? text(data.resultType, 32) : 'missing';
  if (resultType !== 'vector' || !Array.isArray(data.result)) {
    return { result: { kind: 'error', error: { code: 'UnexpectedResultType', resultType, series: 0, query: context.query,
      message: `the batched query returned a ${resultType} where an instant vector was expected; query: ${queryEcho(context.query)}` } }, warnings };
  }
  const series: VectorSample[] = [];
  for (const s of data.result as unknown[]) {
    const value = isObject(s) && Array.isArray(s.value) ? parsePromValue(s.value[1]) : undefined;
    if (!isObject(s) || value === undefined) {
      return { result: { kind: 'error', error: { code: 'BadResponse', address: context.address,
        message: `Prometheus at ${context.address} sent a series without a [time, "value"] sample (a native histogram?); query: ${queryEcho(context.query)}` } }, warnings };
    }
    const labels: Record<string, string> = {};
    if (isObject(s.metric)) for (const [k, v] of Object.entries(s.metric)) if (typeof v === 'string') labels[k] = v;
    series.push({ labels, value });
  }
  return { result: { kind: 'vector', series }, warnings };
}

type Checked = { data: Json; text: Text; warnings: string[] } | { error: PromError; warnings: string[] };

/** The `data` of a successful response, or the PromError an unsuccessful one amounts to. */
function checkResponse(raw: RawResponse, context: QueryContext): Checked {
  const { address } = context;
  const text = (value: unknown, max?: number) => serverText(value, { secrets: context.secrets ?? [], ...(max ? { max } : {}) });
  const body = isObject(raw.body) ? raw.body : undefined;
  const warnings = body ? strings(body.warnings).slice(0, MAX_WARNINGS).map((w) => text(w)) : [];
  const fail = (error: PromError): Checked => ({ error, warnings });

  if (body?.status === 'error') return fail(fromPrometheusError(body, raw.status, context, text));
  if (raw.status === 401 || raw.status === 403) {
    return fail({ code: 'Unauthorized', status: raw.status, address,
      message: `Prometheus at ${address} answered HTTP ${raw.status}: check the bearer token (prometheus.bearerTokenSecretRef) and what it is allowed to query` });
  }
  if (raw.status >= 300 && raw.status < 400) {
    return fail({ code: 'ServerError', status: raw.status, address,
      message: `Prometheus at ${address} redirected to ${redirectTarget(raw.location, text)} (HTTP ${raw.status}): set prometheus.address to the final URL` });
  }
  if (raw.status === 404) {
    return fail({ code: 'ServerError', status: 404, address,
      message: `${address}/api/v1/query was not found (HTTP 404): is prometheus.address the Prometheus base URL, including any path prefix?` });
  }
  if (raw.status < 200 || raw.status >= 300) {
    return fail({ code: 'ServerError', status: raw.status, address,
      message: `Prometheus at ${address} answered HTTP ${raw.status} with ${describeBody(raw.body)}: check that it is healthy and that nothing between the operator and Prometheus fails the request` });
  }
  if (!body || body.status !== 'success' || !isObject(body.data)) {
    return fail({ code: 'BadResponse', address,
      message: `${address}/api/v1/query did not answer like Prometheus (expected JSON with status "success" and data, got ${describeBody(raw.body)}): check prometheus.address` });
  }
  return { data: body.data, text, warnings };
}

type Text = (value: unknown, max?: number) => string;

/** A word of Prometheus' vocabulary (`bad_data`, `execution`), or "unknown"; never free text. */
const errorTypeOf = (value: unknown): string => (typeof value === 'string' && /^[a-z_]{1,32}$/.test(value) ? value : 'unknown');

function fromPrometheusError(body: Json, status: number, { query, address, timeoutMs }: QueryContext, text: Text): PromError {
  const errorType = errorTypeOf(body.errorType);
  const detail = typeof body.error === 'string' && body.error.trim() ? text(body.error) : 'no error message';
  switch (errorType) {
    case 'bad_data':
    case 'execution':
      return { code: 'BadQuery', status, errorType, query, message: `Prometheus rejected the query (${errorType}): ${detail}; query: ${queryEcho(query)}` };
    case 'timeout':
    case 'canceled':
      return { code: 'Timeout', address, timeoutMs, message: `Prometheus at ${address} gave up evaluating the query (${errorType}): ${detail}; simplify the query or raise prometheus.timeout` };
    default:
      return { code: 'ServerError', status, address, message: `Prometheus at ${address} failed (HTTP ${status}, ${errorType}): ${detail}` };
  }
}

function fromData(data: Json, { query, address }: QueryContext, text: Text): QueryResult {
  const resultType = typeof data.resultType === 'string' ? text(data.resultType, 32) : 'missing';
  const echo = queryEcho(query);
  const unexpected = (series: number, message: string): QueryResult =>
    ({ kind: 'error', error: { code: 'UnexpectedResultType', resultType, series, query, message } });

  if (resultType === 'scalar') return sample(data.result, echo, address, text);
  if (resultType === 'vector' && Array.isArray(data.result)) {
    const result = data.result as unknown[];
    if (result.length === 0) return { kind: 'noData' };
    if (result.length > 1) {
      const listed = text(result.slice(0, MAX_LISTED_SERIES).map((s) => labels(isObject(s) ? s.metric : undefined, text)).join(', '));
      const more = result.length > MAX_LISTED_SERIES ? ', …' : '';
      return unexpected(result.length, `the query returned ${result.length} series (${listed}${more}) where one number was expected: aggregate it, e.g. sum(...) or max(...); query: ${echo}`);
    }
    const only = result[0];
    if (isObject(only) && only.histogram !== undefined && only.value === undefined) {
      return unexpected(1, `the query returned a native histogram where one number was expected: use histogram_quantile(...) or histogram_sum(...); query: ${echo}`);
    }
    return sample(isObject(only) ? only.value : undefined, echo, address, text);
  }
  if (resultType === 'matrix') {
    const n = Array.isArray(data.result) ? data.result.length : 0;
    return unexpected(n, `the query returned a range vector (matrix) where one number was expected: wrap the range selector in a function such as rate(...) and aggregate it; query: ${echo}`);
  }
  if (resultType === 'string') return unexpected(0, `the query returned a string where one number was expected; query: ${echo}`);
  return { kind: 'error', error: { code: 'BadResponse', address, message: `Prometheus at ${address} answered with an unknown result type "${resultType}"` } };
}

function sample(pair: unknown, echo: string, address: string, text: Text): QueryResult {
  const value = Array.isArray(pair) ? parsePromValue(pair[1]) : undefined;
  if (value === undefined) {
    return { kind: 'error', error: { code: 'BadResponse', address, message: `Prometheus at ${address} sent a sample that is not [time, "value"]: ${text(pair, 80)}; query: ${echo}` } };
  }
  return { kind: 'value', value };
}

/** One series' labels for a message, e.g. {pod="p0", role="canary"}; each name and value at most 60 characters. */
function labels(metric: unknown, text: Text): string {
  if (!isObject(metric)) return '{}';
  return `{${Object.entries(metric).slice(0, 20).map(([k, v]) => `${text(k, 60)}=${JSON.stringify(text(v, 60))}`).join(', ')}}`;
}

/**
 * Where a redirect pointed, as scheme://host/path only: a query string, a fragment or user info may
 * carry a token (a login page's `?access_token=`), so they are dropped.
 */
function redirectTarget(location: string | undefined, text: Text): string {
  if (!location) return 'another URL';
  try {
    const url = new URL(location);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `a ${text(url.protocol, 16)} URL`;
    return text(`${url.protocol}//${url.host}${url.pathname}`, 120);
  } catch {
    return 'a relative or malformed URL';
  }
}
