/**
 * A counting pass-through in front of the cluster's real Prometheus, one per controller, so that the
 * queries each controller sends can be told apart (they all come from 127.0.0.1, and Prometheus' own
 * `prometheus_engine_*` metrics and query log do not say who asked). Every request is forwarded
 * unchanged (method, path, headers, body) to Prometheus and its answer streamed back; requests to
 * `/api/v1/query` and `/api/v1/query_range` count as queries, each with the time it arrived.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface QueryCounter {
  /** Base URL to give the controller as its Prometheus address, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Queries (instant or range) that arrived in [since, until) (ms since the epoch). */
  queries(since: number, until: number): number;
  /** Every request forwarded so far (queries, /-/ready, /api/v1/status/…, …). */
  requests(): number;
  close(): Promise<void>;
}

const QUERY_PATHS = new Set(['/api/v1/query', '/api/v1/query_range']);

/** Starts a pass-through on a free loopback port that forwards to `prometheusUrl` (plain HTTP). */
export async function startQueryCounter(prometheusUrl: string): Promise<QueryCounter> {
  const upstream = new URL(prometheusUrl);
  const queryTimes: number[] = [];
  let total = 0;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    total++;
    if (QUERY_PATHS.has(new URL(req.url ?? '/', 'http://x').pathname)) queryTimes.push(Date.now());
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`query counter: Prometheus at ${prometheusUrl} did not answer: ${err.message}`);
    });
    req.pipe(out);
  };
  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries: (since, until) => queryTimes.filter((t) => t >= since && t < until).length,
    requests: () => total,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
