import { describe, expect, it } from '@jest/globals';
import { interpretQueryResponse, type QueryResult, type RawResponse } from './prometheus-response.ts';

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

  it('reports a 502 from a proxy by the kind and size of its body, never its content', () => {
    const { result } = interpret({ status: 502, body: '<html>Bad Gateway</html>' });
    expect(result).toMatchObject({ error: { code: 'ServerError', status: 502, message: expect.stringContaining('HTTP 502 with an HTML or XML page of 24 bytes') } });
    expect(JSON.stringify(result)).not.toContain('Bad Gateway');
  });

  it('rejects a 200 that is not Prometheus JSON', () =>
    expect(interpret({ status: 200, body: '<html>Grafana</html>' }).result).toMatchObject({ error: { code: 'BadResponse' } }));
});

describe('interpretQueryResponse: hostile answers never reach a message', () => {
  const TOKEN = 'tok-4f9c2a7e-secret';
  const hostile = (raw: RawResponse) => interpretQueryResponse(raw, { ...ctx, secrets: [TOKEN] });
  const messageOf = (result: QueryResult): string => (result.kind === 'error' ? result.error.message : '');
  const huge = 'A'.repeat(5 * 1024 * 1024);
  const escapes = '\u001b[2J\u001b[31mPWNED\u001b[0m\r\nline two\n\u0007\u202Egnp.exe';
  const html = '<!DOCTYPE html><html><head><title>Sign in</title><script>steal()</script></head><body><form action="/login">…</form></body></html>';
  /** Everything a message about a hostile answer must be: short, one printable line, no payload. */
  const expectSafe = (message: string, forbidden: string[]) => {
    expect(message).not.toBe('');
    expect(message.length).toBeLessThanOrEqual(200 + ctx.query.length + 200);
    expect(message).toMatch(/^[^\p{Cc}\p{Cf}]*$/u);
    for (const f of forbidden) expect(message).not.toContain(f);
  };

  it.each<[string, RawResponse, string[]]>([
    ['a 5 MiB text body on HTTP 500', { status: 500, body: huge }, ['AAAAAAAAAA']],
    ['a body full of escapes and newlines on HTTP 503', { status: 503, body: escapes }, ['PWNED', '\u001b', '\n']],
    ['a login page answering 200', { status: 200, body: html }, ['Sign in', 'steal', '<']],
    ['a proxy echoing the token in its error page', { status: 502, body: `<h1>upstream refused Authorization: Bearer ${TOKEN}</h1>` }, [TOKEN, 'upstream']],
    ['a 5 MiB Prometheus error message', { status: 400, body: { status: 'error', errorType: 'bad_data', error: huge } }, ['A'.repeat(200)]],
    ['a Prometheus error full of escapes', { status: 422, body: { status: 'error', errorType: 'execution', error: escapes } }, ['\u001b', '\n', '\u0007', '\u202E']],
    ['a Prometheus error echoing the token', { status: 400, body: { status: 'error', errorType: 'bad_data', error: `token ${TOKEN} rejected` } }, [TOKEN]],
    ['an errorType that is not a word', { status: 500, body: { status: 'error', errorType: `x\n${'y'.repeat(5000)}`, error: 'e' } }, ['yyyyyyyyyy']],
    ['an HTML error inside Prometheus JSON', { status: 400, body: { status: 'error', errorType: 'bad_data', error: html } }, ['<script', '<form']],
    ['a redirect whose Location carries a token', { status: 302, body: '', location: `https://login.example/cb?access_token=${TOKEN}#frag` }, [TOKEN, 'access_token', 'frag']],
    ['a redirect with user info', { status: 307, body: '', location: `https://admin:${TOKEN}@login.example/` }, [TOKEN, 'admin']],
    ['a redirect to a javascript: URL', { status: 301, body: '', location: 'javascript:alert(1)' }, ['alert']],
    ['a Location full of escapes', { status: 302, body: '', location: `https://x.example/\u001b[31m${'p'.repeat(5000)}` }, ['\u001b', 'p'.repeat(200)]],
    ['a huge unknown result type', { status: 200, body: { status: 'success', data: { resultType: 'z'.repeat(100_000), result: [] } } }, ['z'.repeat(40)]],
    ['a huge malformed sample', { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, { x: huge }] }] } } }, ['A'.repeat(100)]],
    ['series whose labels are huge and escaped', { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [
      { metric: { pod: `${escapes}${huge}` }, value: [1, '1'] }, { metric: { [`k\n${huge}`]: 'v' }, value: [1, '2'] }] } } }, ['\u001b', '\u202E', 'A'.repeat(100)]],
  ])('%s', (_title, raw, forbidden) => expectSafe(messageOf(hostile(raw).result), forbidden));

  it('says what to check even when it quotes nothing', () => {
    expect(messageOf(hostile({ status: 200, body: html }).result)).toContain('an HTML or XML page of');
    expect(messageOf(hostile({ status: 302, body: '', location: `https://login.example/cb?access_token=${TOKEN}` }).result)).toContain('redirected to https://login.example/cb');
  });

  it('keeps at most 5 warnings, each short, printable and without the token', () => {
    const warnings = Array.from({ length: 50 }, (_, i) => `warning ${i}: ${escapes} ${TOKEN} ${huge}`);
    const out = hostile({ status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] }, warnings } });
    expect(out.warnings).toHaveLength(5);
    for (const w of out.warnings) {
      expect(w.length).toBeLessThanOrEqual(200);
      expect(w).toMatch(/^[^\p{Cc}\p{Cf}]*$/u);
      expect(w).not.toContain(TOKEN);
    }
  });
});
