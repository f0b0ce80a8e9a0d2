import { describe, expect, it } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import { apiMessage, crdNotInstalled, describeApiError, EXIT, notFound, PluginError } from './errors.ts';

const target = { server: 'https://10.0.0.1:6443', context: 'prod', kubeconfig: '--kubeconfig /tmp/kc' };
const status = (code: number, message: string) => new ApiException(code, 'failed', JSON.stringify({ kind: 'Status', message }), {});

describe('errors a user can act on', () => {
  it('a missing object names the namespace, how to list, and where it exists instead', () => {
    const err = notFound('sentiment', 'default', ['ml', 'staging']);
    expect(err.message).toBe('modelvariant "sentiment" not found in namespace "default". List them with: kubectl modelvariant list -n default\n' +
      'found in namespace(s): ml, staging — use -n ml');
    expect(err.exitCode).toBe(EXIT.error);
    expect(notFound('x', 'ml', []).message).not.toMatch(/found in namespace\(s\)/);
  });

  it('a missing CRD says how to install it', () => {
    expect(crdNotInstalled(target).message).toMatch(/CRD \(modelvariants.activationcanary.io\) is not installed on the cluster at https:\/\/10.0.0.1:6443.*make install.*helm/);
  });

  it('an unreachable server names the server, the error and the kubeconfig', () => {
    const err = describeApiError(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' }) }), 'list modelvariants', target);
    expect(err.code).toBe('Unreachable');
    expect(err.message).toBe('cannot reach the Kubernetes API server at https://10.0.0.1:6443 while trying to list modelvariants ' +
      '(fetch failed: connect ECONNREFUSED 10.0.0.1:6443). Is the cluster running, and is the kubeconfig right (--kubeconfig /tmp/kc, context "prod")?');
  });

  it('401 and 403 say whose credentials and what access is missing', () => {
    expect(describeApiError(status(401, 'Unauthorized'), 'get modelvariant ml/x', target).message).toMatch(/rejected the credentials of context "prod"/);
    const forbidden = describeApiError(status(403, 'modelvariants is forbidden: User "bob" cannot get resource'), 'get modelvariant ml/x', target);
    expect(forbidden.code).toBe('Forbidden');
    expect(forbidden.message).toMatch(/^not allowed to get modelvariant ml\/x: modelvariants is forbidden: User "bob".*RBAC/);
  });

  it('other HTTP errors keep the apiserver message, parsed or raw', () => {
    expect(describeApiError(status(500, 'etcdserver: timeout'), 'list modelvariants', target).message).toBe('failed to list modelvariants: HTTP 500: etcdserver: timeout');
    expect(apiMessage(new ApiException(502, 'x', '<html>bad gateway</html>', {}))).toBe('<html>bad gateway</html>');
  });

  it('exit codes: refused and rolled back 1, timeout 2, everything else 3', () => {
    expect(new PluginError('Refused', '').exitCode).toBe(1);
    expect(new PluginError('RolledBack', '').exitCode).toBe(1);
    expect(new PluginError('NotHandled', '').exitCode).toBe(1);
    expect(new PluginError('Timeout', '').exitCode).toBe(2);
    expect(new PluginError('Usage', '').exitCode).toBe(3);
  });
});
