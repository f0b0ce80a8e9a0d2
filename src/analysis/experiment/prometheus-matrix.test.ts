import { describe, expect, it } from '@jest/globals';
import type { RawResponse } from '../prometheus-response.ts';
import { interpretMatrixResponse } from './prometheus-matrix.ts';

const ctx = { query: '(sum(rate(x[30s])))[5m:30s]', address: 'http://prom:9090', timeoutMs: 10_000 };
const ok = (data: unknown): RawResponse => ({ status: 200, body: { status: 'success', data } });
const matrix = (...series: string[][]) => ok({ resultType: 'matrix', result: series.map((values, i) => ({ metric: { pod: `p${i}` }, values: values.map((v, t) => [1700000000 + 30 * t, v]) })) });
const interpret = (raw: RawResponse) => interpretMatrixResponse(raw, ctx).result;

describe('interpretMatrixResponse', () => {
  it('reads the values of one series, oldest first', () =>
    expect(interpret(matrix(['0.1', '0.25', '1e-3']))).toEqual({ kind: 'series', values: [0.1, 0.25, 0.001], dropped: 0 }));

  it('drops the NaN of an interval without traffic and counts it, never as zero', () =>
    expect(interpret(matrix(['0.1', 'NaN', '+Inf', '0.2']))).toEqual({ kind: 'series', values: [0.1, 0.2], dropped: 2 }));

  it('is no data for an empty matrix or a series of only NaN', () => {
    expect(interpret(matrix())).toEqual({ kind: 'noData' });
    expect(interpret(matrix(['NaN']))).toEqual({ kind: 'noData' });
  });

  it('refuses several series and says to aggregate', () => {
    const r = interpret(matrix(['1'], ['2']));
    expect(r).toMatchObject({ kind: 'error', error: { code: 'UnexpectedResultType', resultType: 'matrix', series: 2 } });
    expect(JSON.stringify(r)).toContain('sum(...)');
  });

  it('refuses an instant answer and names the subquery form', () => {
    const r = interpret(ok({ resultType: 'vector', result: [{ metric: {}, value: [1, '1'] }] }));
    expect(r).toMatchObject({ kind: 'error', error: { code: 'UnexpectedResultType', resultType: 'vector' } });
    expect(JSON.stringify(r)).toContain('(query)[range:step]');
  });

  it('refuses a point that is not [time, "value"]', () =>
    expect(interpret(ok({ resultType: 'matrix', result: [{ metric: {}, values: [[1, 2]] }] }))).toMatchObject({ kind: 'error', error: { code: 'BadResponse' } }));

  it("keeps Prometheus' own error for a query it rejected", () => {
    const r = interpret({ status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error: unexpected "]"' } });
    expect(r).toMatchObject({ kind: 'error', error: { code: 'BadQuery', errorType: 'bad_data' } });
  });
});
