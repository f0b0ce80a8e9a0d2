/**
 * Reads Prometheus' answer to an instant query whose result is a range vector (a subquery such as
 * `(q)[600s:30s]`): the per-interval samples of one series, which the experiment judge compares with
 * Mann–Whitney U. Everything that is not a matrix is handled by interpretQueryResponse first, so an
 * outage, a refused query or a body that is not Prometheus' JSON gives exactly the error an analysis
 * query would (same codes, same sanitised messages); then an empty matrix is no data (never zeros),
 * several series are an error saying to aggregate, and an instant result where a range was expected is
 * an error naming the subquery form. Non-finite points (NaN from 0/0 in an interval without traffic)
 * are dropped: an interval that measured nothing is not a sample.
 */
import type { PromError } from '../errors.ts';
import { parsePromValue } from '../prom-value.ts';
import { interpretQueryResponse, type QueryContext, type RawResponse } from '../prometheus-response.ts';
import { queryEcho } from '../sanitize.ts';

/** The outcome of a range-vector query: the finite values of one series, oldest first. */
export type MatrixResult =
  | { kind: 'series'; values: number[]; /** Non-finite points dropped. */ dropped: number }
  | { kind: 'noData' }
  | { kind: 'error'; error: PromError };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Interprets a response of `POST {address}/api/v1/query` for a query that must answer one range vector. */
export function interpretMatrixResponse(raw: RawResponse, context: QueryContext): { result: MatrixResult; warnings: string[] } {
  const { result, warnings } = interpretQueryResponse(raw, context);
  const echo = queryEcho(context.query);
  const unexpected = (resultType: string, series: number, message: string): { result: MatrixResult; warnings: string[] } =>
    ({ result: { kind: 'error', error: { code: 'UnexpectedResultType', resultType, series, query: context.query, message } }, warnings });
  if (result.kind !== 'error') {
    return unexpected('vector', 1, `the query returned an instant value where a range vector was expected: write it as a subquery, (query)[range:step]; query: ${echo}`);
  }
  if (result.error.code !== 'UnexpectedResultType' || result.error.resultType !== 'matrix') return { result, warnings };
  const data = (raw.body as { data: Json }).data;
  const series = Array.isArray(data.result) ? (data.result as unknown[]) : [];
  if (series.length === 0) return { result: { kind: 'noData' }, warnings };
  if (series.length > 1) {
    return unexpected('matrix', series.length, `the query returned ${series.length} series where one was expected: aggregate it, e.g. sum(...) or max(...); query: ${echo}`);
  }
  const only = series[0];
  const points = isObject(only) && Array.isArray(only.values) ? (only.values as unknown[]) : undefined;
  if (!points) {
    return { result: { kind: 'error', error: { code: 'BadResponse', address: context.address,
      message: `Prometheus at ${context.address} sent a series without values (a native histogram?); query: ${echo}` } }, warnings };
  }
  const values: number[] = [];
  let dropped = 0;
  for (const point of points) {
    const value = Array.isArray(point) ? parsePromValue(point[1]) : undefined;
    if (value === undefined) {
      return { result: { kind: 'error', error: { code: 'BadResponse', address: context.address,
        message: `Prometheus at ${context.address} sent a point that is not [time, "value"]; query: ${echo}` } }, warnings };
    }
    if (Number.isFinite(value)) values.push(value);
    else dropped++;
  }
  return { result: values.length === 0 ? { kind: 'noData' } : { kind: 'series', values, dropped }, warnings };
}
