/**
 * Where the operator's Kubernetes credentials come from and the API clients built on them. The
 * KubeConfig is looked for in a fixed order (the --kubeconfig flag, $KUBECONFIG, the in-cluster
 * service account, ~/.kube/config) and the first source present wins; if none is, the error lists
 * every place tried and why it did not count. `getJson` is a raw GET for the informer's list: it
 * returns the API server's JSON untouched, as the watch does, so cached objects have one shape. Every
 * request of the clients and of `getJson` passes a RequestGate (the client-side rate limit and the
 * `rest_client_*` metrics, request-gate.ts), as every request of a client-go REST client passes its
 * rate limiter.
 */
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { OPEN_GATE, type RequestGate } from './request-gate.ts';

export type KubeConfigSource = 'flag' | 'KUBECONFIG' | 'in-cluster' | 'default';

export class KubeConfigError extends Error {
  readonly code: 'KubeConfigNotFound' | 'KubeConfigInvalid';
  /** Each place looked at, with why it was not used. */
  readonly tried: string[];
  constructor(code: KubeConfigError['code'], message: string, tried: string[], cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'KubeConfigError';
    this.code = code;
    this.tried = tried;
  }
}

export interface LoadKubeConfigOptions {
  /** An explicit file (the --kubeconfig flag); when set, nothing else is tried. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Where the service account is mounted; tests point this elsewhere. */
  serviceAccountDir?: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): { kc: k8s.KubeConfig; source: KubeConfigSource; description: string } {
  const env = opts.env ?? process.env;
  const tried: string[] = [];
  const done = (kc: k8s.KubeConfig, source: KubeConfigSource, description: string) => {
    if (!kc.getCurrentCluster()) {
      throw new KubeConfigError('KubeConfigInvalid', `Kubernetes configuration from ${description} has no current context with a cluster (current-context: "${kc.getCurrentContext()}")`, [...tried, description]);
    }
    return { kc, source, description };
  };
  const fromFiles = (files: string[], what: string) => {
    const kc = new k8s.KubeConfig();
    try {
      files.forEach((file, i) => {
        if (i === 0) return kc.loadFromFile(file);
        const more = new k8s.KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      });
    } catch (err) {
      throw new KubeConfigError('KubeConfigInvalid', `cannot load Kubernetes configuration from ${what}: ${(err as Error).message}`, [...tried, what], err);
    }
    return kc;
  };

  if (opts.path) {
    if (!existsSync(opts.path)) throw new KubeConfigError('KubeConfigNotFound', `--kubeconfig ${opts.path}: no such file`, [`--kubeconfig ${opts.path} (no such file)`]);
    return done(fromFiles([opts.path], `--kubeconfig ${opts.path}`), 'flag', `--kubeconfig ${opts.path}`);
  }
  tried.push('--kubeconfig (not set)');

  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (listed.length > 0) {
    const present = listed.filter((f) => existsSync(f));
    if (present.length === 0) {
      throw new KubeConfigError('KubeConfigNotFound', `$KUBECONFIG=${env.KUBECONFIG} names no existing file`, [...tried, `$KUBECONFIG=${env.KUBECONFIG} (no such file)`]);
    }
    const what = `$KUBECONFIG (${present.join(delimiter)})`;
    return done(fromFiles(present, what), 'KUBECONFIG', what);
  }
  tried.push('$KUBECONFIG (not set)');

  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(saDir, 'token');
  if (host && port && existsSync(tokenFile)) {
    const kc = new k8s.KubeConfig();
    const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    kc.loadFromClusterAndUser(
      { name: 'inCluster', server, caFile: join(saDir, 'ca.crt'), skipTLSVerify: false },
      { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile } } },
    );
    return done(kc, 'in-cluster', `the in-cluster service account (${server}, ${saDir})`);
  }
  tried.push(host && port ? `in-cluster (no token at ${tokenFile})` : 'in-cluster (KUBERNETES_SERVICE_HOST/PORT not set)');

  const fallback = join(opts.home ?? env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(fallback)) return done(fromFiles([fallback], fallback), 'default', fallback);
  tried.push(`${fallback} (no such file)`);

  throw new KubeConfigError('KubeConfigNotFound', `no Kubernetes configuration found; tried ${tried.join(', ')}`, tried);
}

/** The API clients the operator uses, all on one KubeConfig. */
export interface KubeClients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  coordination: k8s.CoordinationV1Api;
  customObjects: k8s.CustomObjectsApi;
  objects: k8s.KubernetesObjectApi;
  events: k8s.EventsV1Api;
}

/** The gates the clients' requests pass: one shared by all, and one of its own for the leader Lease. */
export interface ClientGates {
  /** Every request but the Lease's. Default: none (no limit, no metrics). */
  api?: RequestGate;
  /**
   * The leader election's Lease requests: a bucket of their own, as kube-controller-manager gives its
   * leader-election client, so a burst of reconciles never delays a renewal past the Lease.
   */
  lease?: RequestGate;
}

/** What the clients send as User-Agent (client-go sends the binary's name and version). */
export const USER_AGENT = 'activation-canary';

type Dispatcher = NonNullable<ReturnType<k8s.RequestContext['getDispatcher']>>;

/** How long one shared dispatcher serves before the next request's own replaces it (ms): certificate files rotated on disk are picked up. */
export const DISPATCHER_REFRESH_MS = 5 * 60_000;
/** How long a replaced dispatcher is kept before it is closed (ms); close() then still waits for its requests. */
const RETIRED_DISPATCHER_CLOSE_MS = 60_000;

/**
 * Connection reuse for client-node's requests. client-node (2.x) authenticates each request by giving
 * it a new undici Agent built from the kubeconfig's TLS material, so every request opens a new TLS
 * connection to the apiserver and leaves it idle in a pool nobody uses again (undici keeps it 4 s):
 * at 20 requests/s that is ~80 idle TLS sockets and a handshake per request on both ends. `adopt`
 * gives the request the dispatcher of the first request instead (client-go keeps one transport per
 * TLS configuration likewise), and takes a fresh one every DISPATCHER_REFRESH_MS (the old one is closed
 * a minute later, once its requests are answered). A user authenticated by an exec plugin or an auth provider (whose client
 * certificate can change at any request) keeps a dispatcher per request, as client-node made it.
 */
export function connectionReuse(kc: k8s.KubeConfig, now: () => number = Date.now): { adopt(request: k8s.RequestContext): void } {
  const user = kc.getCurrentUser();
  const reusable = !user?.exec && !user?.authProvider;
  let current: { dispatcher: Dispatcher; since: number } | undefined;
  return {
    adopt(request) {
      const own = request.getDispatcher();
      if (!reusable || !own) return;
      const at = now();
      if (!current || at - current.since >= DISPATCHER_REFRESH_MS) {
        const old = current?.dispatcher;
        current = { dispatcher: own, since: at };
        // Closed a while later, not now: a request handed it a moment ago may not have dispatched yet.
        if (old) setTimeout(() => void old.close().catch(() => undefined), RETIRED_DISPATCHER_CLOSE_MS).unref();
        return;
      }
      request.setDispatcher(current.dispatcher);
    },
  };
}

/**
 * A client-node Configuration for the current cluster whose requests pass `gate`: the token is awaited
 * before the request is sent, and the answer's status (or `<error>`) is reported once it comes. Its
 * requests share TLS connections (`connectionReuse`).
 */
export function gatedConfiguration(kc: k8s.KubeConfig, gate: RequestGate): k8s.Configuration {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeConfigError('KubeConfigInvalid', 'the KubeConfig has no current cluster', []);
  const inner = k8s.createConfiguration().httpApi;
  const connections = connectionReuse(kc);
  const httpApi = k8s.wrapHttpLibrary({
    async send(request) {
      const finish = await gate.begin(request.getHttpMethod(), request.getUrl());
      connections.adopt(request);
      try {
        const response = await inner.send(request).toPromise();
        finish(response.httpStatusCode);
        return response;
      } catch (err) {
        finish(undefined);
        throw err;
      }
    },
  });
  return k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    httpApi,
    middleware: [k8s.setHeaderMiddleware('User-Agent', USER_AGENT)],
  });
}

/** KubernetesObjectApi on a given Configuration, with the context's namespace as its default (as `makeApiClient` sets it). */
class ObjectApi extends k8s.KubernetesObjectApi {
  constructor(configuration: k8s.Configuration, kc: k8s.KubeConfig) {
    super(configuration);
    this.setDefaultNamespace(kc);
  }
}

/** The operator's API clients on `kc`, as `makeApiClient` builds them, with their requests passing `gates`. */
export function createKubeClients(kc: k8s.KubeConfig, gates: ClientGates = {}): KubeClients {
  const api = gatedConfiguration(kc, gates.api ?? OPEN_GATE);
  const objects = new ObjectApi(api, kc);
  return {
    kc,
    core: new k8s.CoreV1Api(api),
    apps: new k8s.AppsV1Api(api),
    coordination: new k8s.CoordinationV1Api(gatedConfiguration(kc, gates.lease ?? OPEN_GATE)),
    customObjects: new k8s.CustomObjectsApi(api),
    objects,
    events: new k8s.EventsV1Api(api),
  };
}

/**
 * An error as one log line: undici reports a network failure as "fetch failed" with the reason in
 * `cause` (ECONNREFUSED, a TLS error), so the causes are appended.
 */
export function errorMessage(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      parts.push(`${e.message || e.name}${typeof code === 'string' && !e.message.includes(code) ? ` (${code})` : ''}`);
      e = e.cause;
    } else {
      parts.push(typeof e === 'object' ? JSON.stringify(e) : String(e));
      break;
    }
  }
  return parts.join(': ');
}

/** An HTTP error from the API server; `code` is the status, as client-node's ApiException has it. */
export class KubeHttpError extends Error {
  readonly code: number;
  readonly body: string;
  constructor(code: number, path: string, body: string) {
    let reason = body.slice(0, 300);
    try {
      reason = (JSON.parse(body) as { message?: string }).message ?? reason;
    } catch { /* not a Status object */ }
    super(`GET ${path}: HTTP ${code}: ${reason}`);
    this.name = 'KubeHttpError';
    this.code = code;
    this.body = body;
  }
}

export interface GetJsonOptions {
  /** No answer within this long fails the request. Default 60 s. */
  timeoutMs?: number;
  /** The rate limit and metrics the request passes. Default: none. */
  gate?: RequestGate;
}

/** GETs `path` (with `query`) from the current cluster and parses the JSON body as is. */
export async function getJson<T>(kc: k8s.KubeConfig, path: string, query: Record<string, string | number | undefined> = {}, options: GetJsonOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeConfigError('KubeConfigInvalid', 'the KubeConfig has no current cluster', []);
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  const finish = await (options.gate ?? OPEN_GATE).begin('GET', url.toString());
  return new Promise<T>((resolve, reject) => {
    const req = request(url, { ...opts, method: 'GET', headers: { ...opts.headers, Accept: 'application/json', 'User-Agent': USER_AGENT } }, (res) => {
      finish(res.statusCode);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return reject(new KubeHttpError(status, url.pathname, body));
        try {
          resolve(JSON.parse(body) as T);
        } catch (err) {
          reject(new Error(`GET ${url.pathname}: response is not JSON: ${(err as Error).message}`));
        }
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url.pathname}: no response within ${timeoutMs} ms`)));
    req.on('error', (err) => {
      finish(undefined);
      reject(err);
    });
    req.end();
  });
}
