import { describe, expect, it } from '@jest/globals';
import { credentialFromSecret, labelCommand, PROMETHEUS_CREDENTIALS_LABEL, secretReadError, type SecretLike } from './credentials.ts';

const ref = { name: 'prom-token', key: 'token' };
const b64 = (text: string) => Buffer.from(text).toString('base64');
const secret = (labels: Record<string, string> | undefined, data: Record<string, string> | undefined = { token: b64('t0ken\n') }): SecretLike =>
  ({ metadata: labels ? { labels } : {}, ...(data ? { data } : {}) });
const read = (s: SecretLike) => credentialFromSecret(s, ref, 'ml', 'prometheus.bearerTokenSecretRef');
const MARKED = { [PROMETHEUS_CREDENTIALS_LABEL]: 'true' };

describe('credentialFromSecret', () => {
  it('is the label activationcanary.io/prometheus-credentials', () => expect(PROMETHEUS_CREDENTIALS_LABEL).toBe('activationcanary.io/prometheus-credentials'));

  it('decodes the key of a Secret marked "true"', () => expect(read(secret(MARKED))).toEqual({ ok: true, value: 't0ken\n' }));

  it.each<[string, Record<string, string> | undefined, string]>([
    ['no labels at all', undefined, `has no label ${PROMETHEUS_CREDENTIALS_LABEL}`],
    ['other labels only', { app: 'prometheus' }, `has no label ${PROMETHEUS_CREDENTIALS_LABEL}`],
    ['the label set to "false"', { [PROMETHEUS_CREDENTIALS_LABEL]: 'false' }, `has ${PROMETHEUS_CREDENTIALS_LABEL}="false", not "true"`],
    ['the label set to "True"', { [PROMETHEUS_CREDENTIALS_LABEL]: 'True' }, 'not "true"'],
    ['the label empty', { [PROMETHEUS_CREDENTIALS_LABEL]: '' }, 'not "true"'],
  ])('refuses a Secret with %s, saying how to mark it', (_title, labels, found) => {
    const r = read(secret(labels));
    expect(r).toMatchObject({ ok: false, error: { code: 'SecretNotMarked', field: 'prometheus.bearerTokenSecretRef', secret: 'ml/prom-token', label: PROMETHEUS_CREDENTIALS_LABEL } });
    const message = r.ok ? '' : r.error.message;
    expect(message).toContain(found);
    expect(message).toContain('prometheus.bearerTokenSecretRef: Secret ml/prom-token is not marked as Prometheus credentials');
    expect(message).toContain('kubectl label secret prom-token -n ml activationcanary.io/prometheus-credentials=true');
    expect(message).not.toContain('t0ken');
  });

  it('does not look at the data of a Secret that is not marked', () => {
    const r = read(secret(undefined, { other: b64('x') }));
    expect(r).toMatchObject({ ok: false, error: { code: 'SecretNotMarked' } });
  });

  it('names the missing key and the keys there are, never their values', () => {
    const r = read(secret(MARKED, { ca: b64('PEM'), user: b64('admin') }));
    expect(r).toMatchObject({ ok: false, error: { code: 'SecretKeyMissing', key: 'token' } });
    expect(r.ok ? '' : r.error.message).toBe('prometheus.bearerTokenSecretRef: Secret ml/prom-token has no key "token" (its keys: ca, user); fix prometheus.bearerTokenSecretRef.key or add the key');
  });

  it('says a Secret without data has no keys', () =>
    expect(read({ metadata: { labels: MARKED } })).toMatchObject({ ok: false, error: { message: expect.stringContaining('(its keys: none)') } }));
});

describe('secretReadError', () => {
  const error = (err: unknown) => secretReadError(err, ref, 'ml', 'prometheus.caSecretRef');
  it.each<[unknown, string, string]>([
    [{ code: 404, body: '{"reason":"NotFound"}' }, 'SecretNotFound', `prometheus.caSecretRef: Secret ml/prom-token not found: create it and mark it (${labelCommand('ml', 'prom-token')}), or fix the reference`],
    [{ code: 403 }, 'SecretForbidden', 'prometheus.caSecretRef: the operator may not read Secret ml/prom-token (forbidden): grant its ServiceAccount get on secrets in ml (the chart\'s RBAC does)'],
    [Object.assign(new Error('HTTP-Code: 500\nMessage: etcdserver: request timed out'), { code: 500 }), 'SecretUnreadable',
      'prometheus.caSecretRef: cannot read Secret ml/prom-token (HTTP 500): HTTP-Code: 500 Message: etcdserver: request timed out; it is retried next run'],
    [new Error('connect ECONNREFUSED 10.0.0.1:443'), 'SecretUnreadable', 'prometheus.caSecretRef: cannot read Secret ml/prom-token: connect ECONNREFUSED 10.0.0.1:443; it is retried next run'],
  ])('maps %j to %s with a message that says what to do', (err, code, message) =>
    expect(error(err)).toEqual({ code, field: 'prometheus.caSecretRef', secret: 'ml/prom-token', message }));

  it('keeps a huge error from the apiserver short and on one line', () => {
    const e = error(new Error(`${'x'.repeat(10_000)}\n\u001b[31m`));
    expect(e.message.length).toBeLessThanOrEqual(350);
    expect(e.message).toMatch(/^[^\p{Cc}]*$/u);
  });
});
