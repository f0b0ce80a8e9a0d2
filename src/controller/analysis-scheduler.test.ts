import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { ModelVariant } from '../api/types.ts';
import { createFakeClock } from '../kube/clock.ts';
import { createAnalysisScheduler } from './analysis-scheduler.ts';
import type { Status } from './model.ts';

// The scheduler's rounds, with scripted HTTP servers on loopback standing in for Prometheus (one that
// answers every batched query with a series for model "a" only, one that never answers). The real
// Prometheus is in test/integration/analysis-batching.test.ts.
const logger = pino({ level: 'silent' });
const T0 = Date.parse('2026-11-28T14:00:00Z');
const noSecrets = { readNamespacedSecret: async () => { throw new Error('no Secrets here'); } } as never;

interface Scripted { url: string; queries: string[]; times: string[]; server: Server; held: ServerResponse[] }
async function scripted(answer: boolean): Promise<Scripted> {
  const queries: string[] = [];
  const times: string[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      queries.push(form.get('query') ?? '');
      times.push(form.get('time') ?? '');
      if (!answer) return void held.push(res);
      const result = [{ metric: { namespace: 'ml', model: 'a', role: 'canary', variant: 'gelu' }, value: [T0 / 1000, '0.001'] }];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries, times, server, held };
}

let up: Scripted;
let hung: Scripted;
beforeAll(async () => {
  up = await scripted(true);
  hung = await scripted(false);
});
afterAll(async () => {
  for (const s of [up, hung]) {
    s.server.closeAllConnections();
    await new Promise<void>((resolve) => s.server.close(() => resolve()));
  }
});

const mv = (name: string, address: string): ModelVariant => ({
  apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', metadata: { name, namespace: 'ml', uid: `uid-${name}` },
  spec: {
    activation: 'gelu', replicas: 1, template: { spec: { containers: [{ name: 'model', image: 'model:1' }] } },
    strategy: { steps: [{ setWeight: 50, pause: '1m' }], analysis: { interval: '10s', prometheus: { address, timeout: '30s' },
      slis: [{ name: 'saturation', builtin: 'activationSaturation', max: 0.05, minSamples: 0 }] } },
  },
} as ModelVariant);
const status: Status = { phase: 'Progressing', stableActivation: 'relu', canaryActivation: 'gelu', currentStepIndex: 0 };

function setup() {
  const clock = createFakeClock(T0);
  const scheduler = createAnalysisScheduler({ core: noSecrets, logger, clock, batchWindowMs: 1000 });
  const woken: string[] = [];
  const waiters: (() => void)[] = [];
  scheduler.onVerdict((key) => { woken.push(key); waiters.splice(0).forEach((w) => w()); });
  const wakeOf = (key: string) => new Promise<void>((resolve) => {
    const check = () => (woken.includes(key) ? resolve() : waiters.push(check));
    check();
  });
  return { clock, scheduler, woken, wakeOf };
}

describe('analysis scheduler', () => {
  it('measures runs coming due in one window in one round: one batched query per template for both ModelVariants', async () => {
    const { clock, scheduler, wakeOf } = setup();
    const [a, b] = [mv('a', up.url), mv('b', up.url)];
    const before = up.queries.length;
    expect(scheduler.take(a, status, T0 + 200)).toBeUndefined();
    expect(scheduler.take(b, status, T0 + 700)).toBeUndefined();
    expect(scheduler.take(a, status, T0 + 200)).toBeUndefined(); // asked once
    await clock.advance(1300);
    await Promise.all([wakeOf('ml/a'), wakeOf('ml/b')]);
    const sent = up.queries.slice(before);
    expect(sent).toHaveLength(1); // minSamples 0: the ratio alone, for both
    expect(sent[0]).toContain('model=~"a|b"');
    const va = scheduler.take(a, status, T0 + 200);
    const vb = scheduler.take(b, status, T0 + 700);
    // Both the runs of the round's instant, the first grid instant after they came due (lastRunAt), and
    // evaluated when the round was sent, after its grace period: what Prometheus ingested meanwhile counts.
    expect(va).toMatchObject({ verdict: 'Successful', status: { lastRunAt: new Date(T0 + 1000).toISOString() } });
    expect(up.times.slice(before).map(Number)).toEqual([(T0 + 1250) / 1000]);
    expect(vb).toMatchObject({ verdict: 'Inconclusive', status: { slis: [{ reason: 'NoData' }] } });
    expect(scheduler.take(a, status, T0 + 200)).toBe(va); // kept until another run is asked for
    scheduler.stop();
  });

  it('drops a verdict asked for another run (a new step, a new counter) and asks for that run', async () => {
    const { clock, scheduler, wakeOf } = setup();
    const a = mv('a', up.url);
    scheduler.take(a, status, T0);
    await clock.advance(300);
    await wakeOf('ml/a');
    const next: Status = { ...status, currentStepIndex: 1 };
    expect(scheduler.take(a, next, T0)).toBeUndefined();
    scheduler.stop();
  });

  it('drops a verdict that landed while the rollout was paused: after the resume the run is measured again', async () => {
    const { clock, scheduler, wakeOf } = setup();
    const a = mv('a', up.url);
    // Runs at this weight since T0 - 60 s; the last at T0 - 10 s, so the next is due at T0.
    const atWeight: Status = { ...status, weightReachedAt: new Date(T0 - 60_000).toISOString(), analysis: { lastRunAt: new Date(T0 - 10_000).toISOString() } as Status['analysis'] };
    scheduler.take(a, atWeight, T0);
    // Paused before the verdict landed; resumed 5 s later, which moves weightReachedAt by the pause but
    // leaves the due instant where it was (the last run is later): the verdict measured before the pause is stale.
    await clock.advance(300);
    await wakeOf('ml/a');
    const resumed: Status = { ...atWeight, weightReachedAt: new Date(T0 - 55_000).toISOString() };
    expect(scheduler.take(a, resumed, T0)).toBeUndefined();
    scheduler.stop();
  });

  it('drops a verdict that landed while the rollout was paused between steps (no weightReachedAt; the resume moves the step start)', async () => {
    const { clock, scheduler, wakeOf } = setup();
    const a = mv('a', up.url);
    // Scaling toward step 2 since T0 - 60 s while serving step 1's 25 %; the last run at T0 - 10 s: due at T0.
    const between: Status = { ...status, currentStepIndex: 1, canaryWeight: 25, stepStartedAt: new Date(T0 - 60_000).toISOString(),
      analysis: { lastRunAt: new Date(T0 - 10_000).toISOString() } as Status['analysis'] };
    scheduler.take(a, between, T0);
    await clock.advance(300);
    await wakeOf('ml/a');
    // Paused before it was applied and resumed 5 s later: the step start moves by the pause, the due instant stays.
    const resumed: Status = { ...between, stepStartedAt: new Date(T0 - 55_000).toISOString() };
    expect(scheduler.take(a, resumed, T0)).toBeUndefined();
    scheduler.stop();
  });

  it('drops the verdict of a ModelVariant deleted while its run is in flight, and measures its namesake afresh', async () => {
    const { clock, scheduler, woken, wakeOf } = setup();
    const old = mv('gone', hung.url);
    scheduler.take(old, status, T0);
    await clock.advance(300);
    while (hung.queries.length === 0) await new Promise((r) => setTimeout(r, 5));
    scheduler.forget('ml/gone');
    // Re-created under the same name (a new uid) on a Prometheus that answers, while the old round still hangs.
    const namesake = { ...mv('gone', up.url), metadata: { name: 'gone', namespace: 'ml', uid: 'uid-gone-2' } };
    expect(scheduler.take(namesake, status, T0 + 1000)).toBeUndefined();
    await clock.advance(1000);
    await wakeOf('ml/gone');
    expect(scheduler.take(namesake, status, T0 + 1000)).toMatchObject({ verdict: 'Inconclusive' }); // up answers for model "a" only
    woken.length = 0;
    for (const res of hung.held.splice(0)) res.destroy(); // the old round ends (an error) and lands nothing
    await new Promise((r) => setTimeout(r, 50));
    expect(woken).toEqual([]);
    expect(scheduler.take(old, status, T0)).toBeUndefined();
    scheduler.stop();
  });

  it('evaluates a round sent late, behind the round before it, a grace period after its instant, not when sent', async () => {
    const { clock, scheduler, wakeOf } = setup();
    const answer = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    const sentSoFar = hung.queries.length;
    const queried = async (n: number) => { while (hung.queries.length < sentSoFar + n) await new Promise((r) => setTimeout(r, 5)); };
    scheduler.take(mv('first', hung.url), status, T0 + 200); // the round of T0 + 1 s, held by the server
    await clock.advance(1300);
    await queried(1);
    scheduler.take(mv('second', hung.url), status, T0 + 1100); // the round of T0 + 2 s waits behind it
    await clock.advance(3700); // T0 + 5 s when the first round's answer comes
    for (const res of hung.held.splice(0)) answer(res);
    await wakeOf('ml/first');
    await queried(2);
    for (const res of hung.held.splice(0)) answer(res);
    await wakeOf('ml/second');
    expect(hung.times.slice(sentSoFar).map(Number)).toEqual([(T0 + 1250) / 1000, (T0 + 2250) / 1000]);
    expect(scheduler.take(mv('second', hung.url), status, T0 + 1100)).toMatchObject({ status: { lastRunAt: new Date(T0 + 2000).toISOString() } });
    scheduler.stop();
  });

  it('lets a Prometheus that never answers hold only its own runs', async () => {
    const { clock, scheduler, woken, wakeOf } = setup();
    const before = hung.queries.length;
    scheduler.take(mv('stuck', hung.url), status, T0);
    scheduler.take(mv('a', up.url), status, T0);
    await clock.advance(300);
    await wakeOf('ml/a');
    expect(scheduler.take(mv('a', up.url), status, T0)).toMatchObject({ verdict: 'Successful' });
    expect(woken).not.toContain('ml/stuck');
    while (hung.queries.length === before) await new Promise((r) => setTimeout(r, 5));
    scheduler.stop();
    for (const res of hung.held.splice(0)) res.destroy();
  });
});
