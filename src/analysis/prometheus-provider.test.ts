import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { classifyTransportError, createPrometheusProvider, type AnalysisLogger } from './prometheus-provider.ts';

// Requests over the network are covered by test/integration/prometheus-client.test.ts against a real Prometheus.
const silent: AnalysisLogger = { warn: () => undefined, debug: () => undefined };

describe('createPrometheusProvider', () => {
  it('accepts a pino logger', () => {
    const logger: AnalysisLogger = pino({ level: 'silent' });
    expect(typeof logger.warn).toBe('function');
  });

  it.each([['not a url'], ['ftp://prom:21'], ['prometheus:9090']])('reports the address %j as invalid instead of throwing', async (address) => {
    const provider = createPrometheusProvider({ address, timeoutMs: 1000, logger: silent });
    const result = await provider.query('vector(1)');
    expect(result).toMatchObject({ kind: 'error', error: { code: 'InvalidAddress', address } });
    expect(await provider.isOnline()).toBe(false);
    provider.close();
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
});
