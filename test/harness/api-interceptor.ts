/**
 * A plain-HTTP proxy in front of the test apiserver that lets a test act at an exact moment of a
 * client's conversation: after the apiserver has answered a write and before the client has the
 * answer. A test that SIGKILLs the operator there lands the kill between two of its writes every
 * time, where a poll of the cluster would race the operator (weighted-restarts.test.ts).
 *
 * The client talks plain HTTP to 127.0.0.1 (`kubeconfig`, no credentials); the proxy forwards every
 * request over HTTPS with the admin's client certificate. Reads and watches stream through untouched;
 * a write (POST, PUT, PATCH, DELETE) that `intercept` selects has its answer buffered and handed to
 * `afterWrite` first, which may let it through or drop the connection.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { clusterState } from './env.ts';

/** A write the apiserver has answered: its HTTP status and the object it returned (parsed JSON, or undefined). */
export interface AnsweredWrite {
  method: string;
  /** The request path with its query, e.g. /apis/gateway.networking.k8s.io/v1/namespaces/ns/httproutes/r?fieldManager=x. */
  path: string;
  status: number;
  body: unknown;
}

export interface InterceptorOptions {
  /** Which writes to hold until `afterWrite` has run (default: none). */
  intercept?(method: string, path: string): boolean;
  /** Runs before the client sees the answer; 'drop' destroys the client's connection instead of answering. */
  afterWrite?(write: AnsweredWrite): Promise<'deliver' | 'drop'>;
}

export interface ApiInterceptor {
  /** A kubeconfig file that points a client at the proxy. */
  kubeconfig: string;
  close(): Promise<void>;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Starts the proxy on 127.0.0.1 (a free port); `close()` ends it and every connection through it. */
export async function startApiInterceptor(opts: InterceptorOptions = {}): Promise<ApiInterceptor> {
  const state = clusterState();
  const admin = new k8s.KubeConfig();
  admin.loadFromFile(state.kubeconfig);
  const tls: RequestOptions = {};
  await admin.applyToHTTPSOptions(tls);
  const upstream = new URL(state.apiserverUrl);
  const sockets = new Set<Socket>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const held = WRITES.has(method) && !!opts.intercept?.(method, path);
    const headers = { ...req.headers, host: upstream.host };
    const out = httpsRequest({ ...tls, hostname: upstream.hostname, port: upstream.port, method, path, headers }, (answer) => {
      if (!held) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const raw = Buffer.concat(chunks);
        let body: unknown;
        try { body = JSON.parse(raw.toString('utf8')); } catch { body = undefined; }
        void (opts.afterWrite?.({ method, path, status: answer.statusCode ?? 0, body }) ?? Promise.resolve('deliver' as const)).then((what) => {
          if (what === 'drop') return void req.socket.destroy();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(raw);
        }, () => req.socket.destroy());
      });
    });
    out.on('error', () => req.socket.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const kubeconfig = join(state.dir, `interceptor-${port}.kubeconfig`);
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'interceptor',
    // client-node refuses plain HTTP unless TLS verification is declared off (there is no TLS to verify).
    clusters: [{ name: 'interceptor', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'through-interceptor', user: {} }],
    contexts: [{ name: 'interceptor', context: { cluster: 'interceptor', user: 'through-interceptor', namespace: 'default' } }],
  }, null, 2));

  return {
    kubeconfig,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
