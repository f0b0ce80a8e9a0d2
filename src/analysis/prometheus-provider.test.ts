import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyTransportError, createPrometheusProvider, type AnalysisLogger } from './prometheus-provider.ts';

// These talk HTTP to a scripted server on loopback, to see what the provider logs and reports for
// answers a real Prometheus would never give; the real one is in test/integration/prometheus-client.test.ts.
const silent: AnalysisLogger = { warn: () => undefined, debug: () => undefined };

interface LogLine { level: 'warn' | 'debug'; obj: Record<string, unknown>; msg: string }
function recordingLogger(): { logger: AnalysisLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    logger: {
      warn: (obj, msg) => { lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }); },
      debug: (obj, msg) => { lines.push({ level: 'debug', obj: obj as Record<string, unknown>, msg }); },
    },
  };
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let server: Server;
let base = '';
let handler: Handler = (_req, _body, res) => res.end();
const answer = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_req, _body, res) => {
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const vector = (value: string, extra: Record<string, unknown> = {}) =>
  ({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000, value] }] }, ...extra });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('createPrometheusProvider: logging', () => {
  it('passes Prometheus\' warnings to logger.warn with the address and the query, and still returns the value', async () => {
    handler = answer(200, vector('0.5', { warnings: ['PromQL warning: quantile value should be between 0 and 1'] }));
    const { logger, lines } = recordingLogger();
    const provider = createPrometheusProvider({ address: base, timeoutMs: 2000, logger });
    expect(await provider.query('quantile(2, up)')).toEqual({ kind: 'value', value: 0.5 });
    provider.close();
    expect(lines.filter((l) => l.level === 'warn')).toEqual([{ level: 'warn', msg: 'Prometheus returned warnings for a query',
      obj: { address: base, query: 'quantile(2, up)', warnings: ['PromQL warning: quantile value should be between 0 and 1'] } }]);
  });

  it('does not warn when Prometheus sends no warnings', async () => {
    handler = answer(200, vector('1'));
    const { logger, lines } = recordingLogger();
    const provider = createPrometheusProvider({ address: base, timeoutMs: 2000, logger });
    await provider.query('up');
    provider.close();
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('logs one debug line per query with the query, its duration and the outcome', async () => {
    handler = (req, body, res) => (new URLSearchParams(body).get('query') === 'bad('
      ? answer(400, { status: 'error', errorType: 'bad_data', error: 'parse error' })(req, body, res)
      : answer(200, vector('2'))(req, body, res));
    const { logger, lines } = recordingLogger();
    const provider = createPrometheusProvider({ address: base, timeoutMs: 2000, logger });
    await provider.query('up');
    await provider.query('bad(');
    provider.close();
    const debug = lines.filter((l) => l.level === 'debug');
    expect(debug).toEqual([
      { level: 'debug', msg: 'Queried Prometheus', obj: { address: base, query: 'up', ms: expect.any(Number), result: 'value' } },
      { level: 'debug', msg: 'Queried Prometheus', obj: { address: base, query: 'bad(', ms: expect.any(Number), result: 'error', code: 'BadQuery' } },
    ]);
  });

  it('logs a failed connection at debug with its error code', async () => {
    const { logger, lines } = recordingLogger();
    const provider = createPrometheusProvider({ address: 'http://127.0.0.1:9', timeoutMs: 2000, logger });
    await provider.query('up');
    provider.close();
    expect(lines).toEqual([{ level: 'debug', msg: 'Query to Prometheus failed', obj: { address: 'http://127.0.0.1:9', query: 'up', ms: expect.any(Number), code: 'Unreachable' } }]);
  });
});

describe('createPrometheusProvider: requests', () => {
  it('POSTs the query form-encoded with the instant and Prometheus\' own timeout, and sends the trimmed token', async () => {
    const seen: { method?: string; url?: string; auth?: string; form?: URLSearchParams } = {};
    handler = (req, body, res) => {
      Object.assign(seen, { method: req.method, url: req.url, auth: req.headers.authorization, form: new URLSearchParams(body) });
      answer(200, vector('1'))(req, body, res);
    };
    const provider = createPrometheusProvider({ address: `${base}/`, timeoutMs: 2500, bearerToken: ' t0ken\n', logger: silent });
    await provider.query('sum(up)', new Date(1_700_000_000_123));
    provider.close();
    expect(seen).toMatchObject({ method: 'POST', url: '/api/v1/query', auth: 'Bearer t0ken' });
    expect(Object.fromEntries(seen.form ?? [])).toEqual({ query: 'sum(up)', timeout: '2.5', time: '1700000000.123' });
  });

  it.each([['not a url'], ['ftp://prom:21'], ['prometheus:9090']])('reports the address %j as invalid instead of throwing', async (address) => {
    const provider = createPrometheusProvider({ address, timeoutMs: 1000, logger: silent });
    const result = await provider.query('vector(1)');
    expect(result).toMatchObject({ kind: 'error', error: { code: 'InvalidAddress', address } });
    expect(await provider.isOnline()).toBe(false);
    provider.close();
  });
});

describe('createPrometheusProvider: hostile servers', () => {
  const TOKEN = 'tok-4f9c2a7e-very-secret';
  const query = async (h: Handler, timeoutMs = 2000) => {
    handler = h;
    const { logger, lines } = recordingLogger();
    const provider = createPrometheusProvider({ address: base, timeoutMs, bearerToken: TOKEN, logger });
    const result = await provider.query('up');
    provider.close();
    if (result.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(result)}`);
    return { message: result.error.message, code: result.error.code, logged: JSON.stringify(lines) };
  };
  const printable = /^[^\p{Cc}\p{Cf}]*$/u;

  it('does not follow a redirect, and names its target without the token it carries', async () => {
    const r = await query(answer(302, '', { location: `https://login.example/oauth?access_token=${TOKEN}` }));
    expect(r.message).toContain('redirected to https://login.example/oauth (HTTP 302)');
    expect(r.message).not.toContain(TOKEN);
  });

  it('quotes nothing of a 500 body that echoes the token, with newlines and escapes', async () => {
    const r = await query(answer(500, `<pre>\u001b[31mrequest had Authorization: Bearer ${TOKEN}\r\nX-Debug: ${'x'.repeat(10_000)}</pre>`));
    expect(r.code).toBe('ServerError');
    expect(r.message).toMatch(printable);
    expect(r.message.length).toBeLessThanOrEqual(300);
    expect(r.message).not.toContain(TOKEN);
    expect(r.message).not.toContain('X-Debug');
  });

  it('keeps warnings that echo the token out of the logs', async () => {
    const r = await query(answer(200, { status: 'error', errorType: 'bad_data', error: 'e', warnings: [`saw ${TOKEN}\n\u001b[2J`] }));
    expect(r.logged).not.toContain(TOKEN);
    expect(r.logged).toContain('[redacted]');
    expect(r.logged).not.toContain('\\u001b');
  });

  it('refuses a body larger than 16 MiB with a short message', async () => {
    const r = await query((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1 << 20, 'a');
      for (let i = 0; i < 17; i++) res.write(chunk);
      res.end();
    }, 10_000);
    expect(r).toMatchObject({ code: 'BadResponse', message: expect.stringContaining('more than 16777216 bytes') });
    expect(r.message.length).toBeLessThanOrEqual(200);
  });

  it('reports a malformed header line without quoting it', async () => {
    const r = await query((req) => {
      req.socket.end(`HTTP/1.1 200 OK\r\nX-Evil: ${TOKEN}\u0001\u001b[31m\r\ncontent-length: 2\r\n\r\n{}`);
    });
    expect(r.message).toMatch(printable);
    expect(r.message).not.toContain(TOKEN);
    expect(r.message.length).toBeLessThanOrEqual(400);
  });
});

describe('classifyTransportError', () => {
  const classify = (err: unknown) => classifyTransportError(err, 'https://prom:9090', 2000);
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' }, 'Unreachable'],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND prom' }, 'Unreachable'],
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'Unreachable'],
    [{ code: 'ECONNABORTED', message: 'timeout of 2000ms exceeded' }, 'Timeout'],
    [{ code: 'ERR_CANCELED', name: 'CanceledError', message: 'canceled' }, 'Timeout'],
    [{ name: 'TimeoutError', message: 'The operation was aborted due to timeout' }, 'Timeout'],
    [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, 'Tls'],
    [{ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' }, 'Tls'],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'Hostname/IP does not match' }, 'Tls'],
    [{ code: 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED', message: 'maxBodyLength size of 1 exceeded' }, 'BadResponse'],
    [new Error('something else'), 'Unreachable'],
    ['a string', 'Unreachable'],
  ])('maps %j to %s', (err, code) => expect(classify(err).code).toBe(code));

  it('says what to check when the CA does not match', () =>
    expect(classify({ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' }).message).toContain('caSecretRef'));

  it('names the address and the deadline of a timeout', () =>
    expect(classify({ code: 'ECONNABORTED' })).toMatchObject({ code: 'Timeout', timeoutMs: 2000, message: expect.stringContaining('https://prom:9090') }));

  it('sanitises what a certificate says and redacts the secrets it is given', () => {
    const e = classifyTransportError({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: `Host: prom. is not in the cert's altnames: DNS:\u001b[31mevil\n${'x'.repeat(5000)} s3cret-token` },
      'https://prom:9090', 2000, ['s3cret-token']);
    expect(e.message).toMatch(/^[^\p{Cc}\p{Cf}]*$/u);
    expect(e.message).not.toContain('s3cret-token');
    expect(e.message.length).toBeLessThanOrEqual(500);
  });

  it('does not repeat a code that is not an error code', () =>
    expect(classify({ code: 'EVIL\ncode', message: 'x' }).message).not.toContain('EVIL'));
});
