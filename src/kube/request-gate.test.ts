import { describe, expect, it } from '@jest/globals';
import { createFakeClock } from './clock.ts';
import { createRequestGate, hostOf, OPEN_GATE, type RequestMetrics } from './request-gate.ts';

/** Records what the gate reports, as `waited GET 127.0.0.1:6443 0.05` and `completed 200 GET 127.0.0.1:6443`. */
function recorder() {
  const calls: string[] = [];
  const metrics: RequestMetrics = {
    waited: (verb, host, s) => calls.push(`waited ${verb} ${host} ${s}`),
    completed: (code, method, host) => calls.push(`completed ${code} ${method} ${host}`),
  };
  return { calls, metrics };
}

const URL_ = 'https://127.0.0.1:6443/api/v1/namespaces/ml/pods';

describe('request gate', () => {
  it('sends a burst at once, then holds each further request until its token comes, and reports the waits', async () => {
    const clock = createFakeClock();
    const r = recorder();
    const gate = createRequestGate({ qps: 10, burst: 2, clock, metrics: r.metrics });
    const sent: number[] = [];
    const t0 = clock.now();
    for (let i = 0; i < 4; i++) void gate.begin('get', URL_).then(() => sent.push(clock.now() - t0));
    await clock.settle();
    expect(sent).toEqual([0, 0]);
    await clock.advance(100);
    expect(sent).toEqual([0, 0, 100]);
    await clock.advance(100);
    expect(sent).toEqual([0, 0, 100, 200]);
    expect(r.calls).toEqual(['waited GET 127.0.0.1:6443 0', 'waited GET 127.0.0.1:6443 0', 'waited GET 127.0.0.1:6443 0.1', 'waited GET 127.0.0.1:6443 0.2']);
  });

  it('tells of a wait of a second or more, once per second at most', async () => {
    const clock = createFakeClock();
    const told: number[] = [];
    const gate = createRequestGate({ qps: 10, burst: 1, clock, onLongWait: (ms) => told.push(ms) });
    // 30 requests at once: they go every 100 ms, those after the 10th having waited a second or more.
    for (let i = 0; i < 30; i++) void gate.begin('GET', URL_);
    await clock.advance(3_000);
    expect(told).toEqual([1_000, 2_000]);
  });

  it('reports each answer once: its status code, or <error> when none came', async () => {
    const r = recorder();
    const gate = createRequestGate({ qps: 0, burst: 1, clock: createFakeClock(), metrics: r.metrics });
    const ok = await gate.begin('PATCH', URL_);
    ok(200);
    ok(500);
    (await gate.begin('POST', URL_))(undefined);
    expect(r.calls.filter((c) => c.startsWith('completed'))).toEqual(['completed 200 PATCH 127.0.0.1:6443', 'completed <error> POST 127.0.0.1:6443']);
  });

  it('names the host as host:port, and has an open gate for clients made without one', async () => {
    expect(hostOf('https://10.96.0.1:443/api')).toBe('10.96.0.1');
    expect(hostOf('https://kubernetes.default.svc:6443/apis')).toBe('kubernetes.default.svc:6443');
    expect(hostOf('not a url')).toBe('');
    const finish = await OPEN_GATE.begin('GET', URL_);
    expect(() => finish(200)).not.toThrow();
  });
});
