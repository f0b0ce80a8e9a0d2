/**
 * The operator's HTTP endpoint on node:http: `/metrics` (the private registry in Prometheus text form),
 * `/healthz` (liveness: answering at all proves the event loop turns; `isHealthy` may add more) and
 * `/readyz` (readiness: `isReady`, i.e. the informers have synced). Port 0 picks a free port, which is
 * reported back and logged as "Serving metrics and health" so tests and the harness can find it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  port: number;
  /** Interface to bind; default all. */
  host?: string;
  registry: Registry;
  isReady: () => boolean | Promise<boolean>;
  isHealthy?: () => boolean | Promise<boolean>;
  logger: Logger;
}

export interface HealthServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const { registry, logger } = opts;
  const isHealthy = opts.isHealthy ?? (() => true);

  const probe = async (res: ServerResponse, check: () => boolean | Promise<boolean>, failStatus: number, head: boolean) => {
    let ok = false;
    try {
      ok = await check();
    } catch (err) {
      logger.warn({ err: String(err) }, 'Health check threw');
    }
    res.writeHead(ok ? 200 : failStatus, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(head ? undefined : ok ? 'ok\n' : 'not ready\n');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/metrics': {
        const body = await registry.metrics();
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(head ? undefined : body);
        return;
      }
      case '/healthz':
      case '/livez':
        return probe(res, isHealthy, 500, head);
      case '/readyz':
        return probe(res, opts.isReady, 503, head);
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(head ? undefined : 'not found\n');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err: String(err), url: req.url }, 'HTTP handler failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  logger.info({ host: address, port }, 'Serving metrics and health');
  return {
    port,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    }),
  };
}
