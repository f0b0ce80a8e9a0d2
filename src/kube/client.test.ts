import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { connectionReuse, createKubeClients, DISPATCHER_REFRESH_MS, errorMessage, getJson, KubeConfigError, loadKubeConfig } from './client.ts';
import type { RequestGate } from './request-gate.ts';

const dir = mkdtempSync(join(tmpdir(), 'kube-client-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfigFile(name: string, server: string, context = name): string {
  const file = join(dir, name);
  writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{ name: ${name}, cluster: { server: "${server}" } }]
users: [{ name: ${name}, user: { token: t } }]
contexts: [{ name: ${name}, context: { cluster: ${name}, user: ${name} } }]
current-context: ${context}
`);
  return file;
}

const empty = join(dir, 'empty-home');
mkdirSync(empty);
const noServiceAccount = join(dir, 'no-sa');

describe('loadKubeConfig', () => {
  it('uses --kubeconfig when given, and nothing else', () => {
    const file = kubeconfigFile('flag', 'https://flag.example:6443');
    const { kc, source } = loadKubeConfig({ path: file, env: { KUBECONFIG: '/nope' } });
    expect(source).toBe('flag');
    expect(kc.getCurrentCluster()?.server).toBe('https://flag.example:6443');
  });

  it('fails when --kubeconfig names a missing file', () => {
    expect(() => loadKubeConfig({ path: join(dir, 'missing') })).toThrow(/--kubeconfig .*missing: no such file/);
  });

  it('uses $KUBECONFIG, merging the files it lists (the first one\'s context wins)', () => {
    const a = kubeconfigFile('a', 'https://a.example');
    const b = kubeconfigFile('b', 'https://b.example');
    const { kc, source } = loadKubeConfig({ env: { KUBECONFIG: [a, join(dir, 'absent'), b].join(delimiter) }, home: empty });
    expect(source).toBe('KUBECONFIG');
    expect(kc.getCurrentCluster()?.server).toBe('https://a.example');
    expect(kc.getClusters().map((c) => c.name).sort()).toEqual(['a', 'b']);
  });

  it('fails when $KUBECONFIG names only missing files, instead of falling through to another cluster', () => {
    expect(() => loadKubeConfig({ env: { KUBECONFIG: join(dir, 'gone') }, home: empty })).toThrow(/\$KUBECONFIG=.*gone names no existing file/);
  });

  it('uses the in-cluster service account when the pod environment and its token are there', () => {
    const sa = join(dir, 'sa');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'tok');
    const { kc, source } = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa, home: empty });
    expect(source).toBe('in-cluster');
    expect(kc.getCurrentCluster()?.server).toBe('https://10.0.0.1:443');
  });

  it('falls back to ~/.kube/config', () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), readFileSync(kubeconfigFile('home-config', 'https://home.example'), 'utf8'));
    const { source, description } = loadKubeConfig({ env: {}, home, serviceAccountDir: noServiceAccount });
    expect(source).toBe('default');
    expect(description).toBe(join(home, '.kube', 'config'));
  });

  it('names every place it tried when there is no configuration at all', () => {
    let error: unknown;
    try {
      loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, home: empty, serviceAccountDir: noServiceAccount });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KubeConfigError);
    const e = error as KubeConfigError;
    expect(e.code).toBe('KubeConfigNotFound');
    expect(e.tried).toEqual([
      '--kubeconfig (not set)',
      '$KUBECONFIG (not set)',
      `in-cluster (no token at ${join(noServiceAccount, 'token')})`,
      `${join(empty, '.kube', 'config')} (no such file)`,
    ]);
    expect(e.message).toContain('no Kubernetes configuration found; tried --kubeconfig (not set), $KUBECONFIG (not set), in-cluster');
  });

  it('refuses a kubeconfig whose current context does not exist', () => {
    const file = kubeconfigFile('dangling', 'https://x.example', 'no-such-context');
    expect(() => loadKubeConfig({ path: file })).toThrow(/no current context with a cluster/);
  });
});

describe('createKubeClients', () => {
  it('builds every client on the one KubeConfig', () => {
    const { kc } = loadKubeConfig({ path: kubeconfigFile('bundle', 'https://bundle.example') });
    const clients = createKubeClients(kc);
    expect(Object.keys(clients).sort()).toEqual(['apps', 'coordination', 'core', 'customObjects', 'events', 'kc', 'objects']);
    expect(clients.kc).toBe(kc);
  });

  it('sends every request of the clients through the gate, and the Lease\'s through a gate of its own', async () => {
    const server = createServer((req, res) => {
      res.writeHead(req.url?.includes('/leases/') ? 200 : 404, { 'Content-Type': 'application/json' });
      res.end(req.url?.includes('/leases/') ? JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' } })
        : JSON.stringify({ kind: 'Status', code: 404, message: 'not found', reason: 'NotFound' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const kc = new k8s.KubeConfig();
      kc.loadFromClusterAndUser({ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }, { name: 'u' });
      const seen: string[] = [];
      const gate = (name: string): RequestGate => ({
        begin: async (method, url) => {
          seen.push(`${name} ${method} ${new URL(url).pathname}`);
          return (status) => seen.push(`${name} ${status}`);
        },
      });
      const clients = createKubeClients(kc, { api: gate('api'), lease: gate('lease') });
      await expect(clients.core.readNamespacedPod({ namespace: 'ml', name: 'p' })).rejects.toMatchObject({ code: 404 });
      await clients.coordination.readNamespacedLease({ namespace: 'ml', name: 'l' });
      await expect(getJson(kc, '/api/v1/nodes', {}, { gate: gate('list') })).rejects.toThrow(/HTTP 404/);
      expect(seen).toEqual([
        'api GET /api/v1/namespaces/ml/pods/p', 'api 404',
        'lease GET /apis/coordination.k8s.io/v1/namespaces/ml/leases/l', 'lease 200',
        'list GET /api/v1/nodes', 'list 404',
      ]);
    } finally {
      server.close();
    }
  });
});

describe('errorMessage', () => {
  it('appends the causes undici hides behind "fetch failed"', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    expect(errorMessage(new TypeError('fetch failed', { cause }))).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:6443');
    expect(errorMessage(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('socket hang up (ECONNRESET)');
    expect(errorMessage({ code: 500 })).toBe('{"code":500}');
    expect(errorMessage('plain')).toBe('plain');
  });
});

describe('connectionReuse', () => {
  /** A request as client-node hands it over: with a dispatcher of its own, made for it. */
  const request = (id: string) => {
    const own = { id, closed: false, close: async () => { own.closed = true; } };
    let dispatcher: unknown = own;
    return { own, getDispatcher: () => dispatcher, setDispatcher: (d: unknown) => { dispatcher = d; } };
  };
  const kubeconfig = (user: object) => {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:6443' }], users: [{ name: 'u', ...user }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    return kc;
  };

  it('gives every request the first request\'s dispatcher, and a fresh one after DISPATCHER_REFRESH_MS, closing the old a minute later', () => {
    jest.useFakeTimers();
    let now = 0;
    const reuse = connectionReuse(kubeconfig({ token: 't' }), () => now);
    const [a, b, c] = [request('a'), request('b'), request('c')];
    reuse.adopt(a as never);
    reuse.adopt(b as never);
    expect([a.getDispatcher(), b.getDispatcher()]).toEqual([a.own, a.own]);
    now = DISPATCHER_REFRESH_MS;
    reuse.adopt(c as never);
    expect(c.getDispatcher()).toBe(c.own);
    expect(a.own.closed).toBe(false); // a request handed it a moment ago may not have dispatched yet
    jest.advanceTimersByTime(60_000);
    expect(a.own.closed).toBe(true);
    jest.useRealTimers();
  });

  it('leaves a dispatcher per request for exec-plugin users, whose client certificate can change at any request', () => {
    const reuse = connectionReuse(kubeconfig({ exec: { command: 'get-token', apiVersion: 'client.authentication.k8s.io/v1' } }));
    const [a, b] = [request('a'), request('b')];
    reuse.adopt(a as never);
    reuse.adopt(b as never);
    expect(b.getDispatcher()).toBe(b.own);
  });
});
