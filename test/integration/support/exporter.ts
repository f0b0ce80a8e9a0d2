/**
 * A real metrics exporter for integration tests: serves a private prom-client Registry at /metrics on
 * a free loopback port of the test process, so a real Prometheus scrapes exactly what a test sets.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Exporter {
  /** host:port for a Prometheus static target. */
  target: string;
  close(): Promise<void>;
}

export async function serveRegistry(registry: Registry): Promise<Exporter> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
