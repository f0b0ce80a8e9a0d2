import { describe, expect, it } from '@jest/globals';
import { interpretQueryResponse, type RawResponse } from './prometheus-response.ts';

const ctx = { query: 'sum(rate(x[1m]))', address: 'http://prom:9090', timeoutMs: 10_000 };
const ok = (data: unknown, extra: Record<string, unknown> = {}): RawResponse => ({ status: 200, body: { status: 'success', data, ...extra } });
const vector = (...values: string[]) => ok({ resultType: 'vector', result: values.map((v, i) => ({ metric: { pod: `p${i}` }, value: [1700000000.123, v] })) });
const interpret = (raw: RawResponse) => interpretQueryResponse(raw, ctx);

describe('interpretQueryResponse: values', () => {
  it.each([
    ['0.0123', 0.0123], ['0', 0], ['NaN', Number.NaN], ['+Inf', Infinity], ['-Inf', -Infinity], ['1e-07', 1e-7],
  ])('reads a one-sample vector with value %j as %d', (text, value) =>
    expect(interpret(vector(text)).result).toEqual({ kind: 'value', value }));

  it('reads a scalar result as a value', () =>
    expect(interpret(ok({ resultType: 'scalar', result: [1700000000, '42'] })).result).toEqual({ kind: 'value', value: 42 }));

  it('treats an empty vector as no data, never as zero', () =>
    expect(interpret(vector()).result).toEqual({ kind: 'noData' }));

  it('hands back the warnings Prometheus sent, without changing the result', () => {
    const out = interpret(ok({ resultType: 'vector', result: [] }, { warnings: ['PromQL info: metric might not be a counter'] }));
    expect(out).toEqual({ result: { kind: 'noData' }, warnings: ['PromQL info: metric might not be a counter'] });
  });
});

describe('interpretQueryResponse: results that are not one number', () => {
  it('rejects a vector of several series, naming how many and which', () => {
    const { result } = interpret(vector('1', '2', '3', '4'));
    expect(result).toMatchObject({ kind: 'error', error: { code: 'UnexpectedResultType', resultType: 'vector', series: 4 } });
    if (result.kind !== 'error') throw new Error('unreachable');
    expect(result.error.message).toContain('4 series ({pod="p0"}, {pod="p1"}, {pod="p2"}, …)');
    expect(result.error.message).toContain('sum(');
  });

  it('rejects a range vector and says to wrap it in rate()', () => {
    const { result } = interpret(ok({ resultType: 'matrix', result: [{ metric: {}, values: [[1, '1']] }] }));
    expect(result).toMatchObject({ kind: 'error', error: { code: 'UnexpectedResultType', resultType: 'matrix' } });
    expect(JSON.stringify(result)).toContain('rate(...)');
  });

  it('rejects a string result', () =>
    expect(interpret(ok({ resultType: 'string', result: [1, 'x'] })).result).toMatchObject({ error: { code: 'UnexpectedResultType', resultType: 'string' } }));

  it('rejects a native histogram sample', () =>
    expect(interpret(ok({ resultType: 'vector', result: [{ metric: {}, histogram: [1, { count: '1' }] }] })).result)
      .toMatchObject({ error: { code: 'UnexpectedResultType', series: 1 } }));

  it('rejects a sample whose value is not a number string', () =>
    expect(interpret(ok({ resultType: 'vector', result: [{ metric: {}, value: [1, ''] }] })).result).toMatchObject({ error: { code: 'BadResponse' } }));
});

describe('interpretQueryResponse: errors', () => {
  it('keeps Prometheus\' message for bad PromQL, with the query', () => {
    const raw = { status: 400, body: { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected "}"' } };
    const { result } = interpret(raw);
    expect(result).toMatchObject({ kind: 'error', error: { code: 'BadQuery', status: 400, errorType: 'bad_data' } });
    expect(JSON.stringify(result)).toContain('parse error: unexpected');
    expect(JSON.stringify(result)).toContain(ctx.query);
  });

  it('reports an execution error (HTTP 422) as a bad query', () =>
    expect(interpret({ status: 422, body: { status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' } }).result)
      .toMatchObject({ error: { code: 'BadQuery', errorType: 'execution' } }));

  it('reports Prometheus\' own query timeout as a timeout', () =>
    expect(interpret({ status: 503, body: { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' } }).result)
      .toMatchObject({ error: { code: 'Timeout', timeoutMs: 10_000 } }));

  it.each([401, 403])('says to check the bearer token on HTTP %d', (status) => {
    const { result } = interpret({ status, body: 'Unauthorized' });
    expect(result).toMatchObject({ error: { code: 'Unauthorized', status } });
    expect(JSON.stringify(result)).toContain('bearerTokenSecretRef');
  });

  it('says to check the address on HTTP 404', () =>
    expect(JSON.stringify(interpret({ status: 404, body: '404 page not found' }).result)).toContain('base URL'));

  it('names the target of a redirect', () =>
    expect(JSON.stringify(interpret({ status: 302, body: '', location: 'https://login.example' }).result)).toContain('https://login.example'));

  it('reports a 502 from a proxy with a snippet of its body', () =>
    expect(interpret({ status: 502, body: '<html>Bad Gateway</html>' }).result)
      .toMatchObject({ error: { code: 'ServerError', status: 502, message: expect.stringContaining('Bad Gateway') } }));

  it('rejects a 200 that is not Prometheus JSON', () =>
    expect(interpret({ status: 200, body: '<html>Grafana</html>' }).result).toMatchObject({ error: { code: 'BadResponse' } }));
});
