import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { startHealthServer } from './health-server.ts';
import { createOperatorMetrics } from './operator-metrics.ts';

const logger = pino({ level: 'silent' });

describe('health server', () => {
  it('serves metrics, liveness and readiness on a free port', async () => {
    const metrics = createOperatorMetrics({ defaultMetrics: false });
    metrics.setLeader(true);
    let ready = false;
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: metrics.registry, isReady: () => ready, logger });
    try {
      expect(server.port).toBeGreaterThan(0);
      const url = (p: string) => `http://127.0.0.1:${server.port}${p}`;
      const m = await fetch(url('/metrics'));
      expect(m.status).toBe(200);
      expect(m.headers.get('content-type')).toContain('text/plain');
      expect(await m.text()).toContain('activation_canary_leader 1');
      expect((await fetch(url('/healthz'))).status).toBe(200);
      expect((await fetch(url('/readyz'))).status).toBe(503);
      ready = true;
      expect((await fetch(url('/readyz'))).status).toBe(200);
      expect((await fetch(url('/nope'))).status).toBe(404);
      expect((await fetch(url('/metrics'), { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('reports unhealthy when the check says so or throws', async () => {
    const metrics = createOperatorMetrics({ defaultMetrics: false });
    const server = await startHealthServer({
      port: 0, host: '127.0.0.1', registry: metrics.registry, logger,
      isReady: () => { throw new Error('boom'); }, isHealthy: async () => false,
    });
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(500);
      expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(503);
    } finally {
      await server.close();
    }
  });

  it('logs the port it serves on, in the line the test harness looks for', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const metrics = createOperatorMetrics({ defaultMetrics: false });
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: metrics.registry, isReady: () => true, logger: capture });
    await server.close();
    expect(lines.join('')).toMatch(new RegExp(`"port":${server.port}[^\\n]*"msg":"Serving metrics and health"`));
  });

  it('fails to start on a port already taken, with the reason', async () => {
    const metrics = createOperatorMetrics({ defaultMetrics: false });
    const first = await startHealthServer({ port: 0, host: '127.0.0.1', registry: metrics.registry, isReady: () => true, logger });
    try {
      await expect(startHealthServer({ port: first.port, host: '127.0.0.1', registry: metrics.registry, isReady: () => true, logger })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
