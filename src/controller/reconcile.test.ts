import { describe, expect, it, jest } from '@jest/globals';
import { pino } from 'pino';
import type { ModelVariant } from '../api/types.ts';
import type { ReconcileContext } from './context.ts';
import type { Plan, Status } from './model.ts';
import { freshestStatus, recordStatus } from './reconcile.ts';

describe('recordStatus', () => {
  it('treats a ModelVariant deleted before its status was written as done, not as a failed reconcile', async () => {
    const record = jest.fn(async () => undefined);
    const notFound = Object.assign(new Error('HTTP-Code: 404'), { code: 404 });
    const ctx = {
      custom: { patchNamespacedCustomObjectStatus: async () => { throw notFound; } },
      events: { record }, logger: pino({ level: 'silent' }), written: new Map(),
    } as unknown as ReconcileContext;
    const mv: ModelVariant = { metadata: { name: 'gone', namespace: 'ml' }, spec: { activation: 'relu', template: {} } };
    const plan: Plan = { route: { weight: 0 }, status: { phase: 'Healthy' }, events: [{ type: 'Normal', reason: 'Healthy', message: 'm' }] };
    await expect(recordStatus(ctx, mv, {}, plan, {})).resolves.toBeUndefined();
    expect(record).not.toHaveBeenCalled();
  });

  it('treats one replaced by a new object of the same name (the uid test refused) alike, and sends the uid to test', async () => {
    const record = jest.fn(async () => undefined);
    const bodies: unknown[] = [];
    const replaced = Object.assign(new Error('HTTP-Code: 422'), { code: 422, body: '{"kind":"Status","status":"Failure","message":"the server rejected our request due to an error in our request","reason":"Invalid","details":{},"code":422}' });
    const ctx = {
      custom: { patchNamespacedCustomObjectStatus: async (req: { body: unknown }) => { bodies.push(req.body); throw replaced; } },
      events: { record }, logger: pino({ level: 'silent' }), written: new Map(),
    } as unknown as ReconcileContext;
    const mv: ModelVariant = { metadata: { name: 'again', namespace: 'ml', uid: 'old-uid' }, spec: { activation: 'relu', template: {} } };
    const plan: Plan = { route: { weight: 0 }, status: { phase: 'Healthy' }, events: [{ type: 'Normal', reason: 'Healthy', message: 'm' }] };
    await expect(recordStatus(ctx, mv, {}, plan, {})).resolves.toBeUndefined();
    expect(record).not.toHaveBeenCalled();
    expect(bodies).toEqual([[{ op: 'test', path: '/metadata/uid', value: 'old-uid' }, { op: 'add', path: '/status', value: { phase: 'Healthy' } }]]);
  });
});

describe('a routine analysis run held back from the status write (status-refresh.ts)', () => {
  const run = (ms: number) => ({
    lastRunAt: new Date(Date.parse('2026-11-30T12:00:00Z') + ms).toISOString(), verdict: 'Successful' as const,
    consecutiveFailures: 0, consecutiveInconclusive: 0, slis: [{ name: 'errors', canaryValue: String(ms), threshold: '0.05', verdict: 'Successful' as const, reason: 'WithinBounds', message: `errors ${ms}`, window: '1m', measuredAt: '' }],
  });
  const stepping = (ms: number, over: Status = {}): Status => ({ phase: 'Progressing', canaryWeight: 20, analysis: run(ms), ...over });
  const setup = () => {
    const writes: Status[] = [];
    let rv = 10;
    const ctx = {
      custom: { patchNamespacedCustomObjectStatus: async (req: { body: [{ value: Status }] }) => { writes.push(req.body[0].value); return { metadata: { resourceVersion: String(++rv) } }; } },
      events: { record: () => undefined }, logger: pino({ level: 'silent' }), written: new Map(),
    } as unknown as ReconcileContext;
    const mv = (status: Status, resourceVersion: number): ModelVariant =>
      ({ metadata: { name: 'mv', namespace: 'ml', resourceVersion: String(resourceVersion) }, spec: { activation: 'relu', template: {} }, status });
    const plan = (status: Status): Plan => ({ route: { weight: 20 }, status, events: [] });
    return { writes, ctx, mv, plan };
  };

  it('is not written, is planned from next time, and goes out with the next write that changes something', async () => {
    const { writes, ctx, mv, plan } = setup();
    const onServer = mv(stepping(0), 10);
    await recordStatus(ctx, onServer, stepping(0), plan(stepping(5_000)), stepping(0));
    expect(writes).toEqual([]);
    // The next reconcile plans from the held-back run; the server's status is still the older one.
    expect(freshestStatus(ctx, 'ml/mv', onServer)).toEqual({ status: stepping(5_000), persisted: stepping(0) });
    await recordStatus(ctx, onServer, stepping(5_000), plan(stepping(10_000)), stepping(0));
    expect(writes).toEqual([]);
    // The step advances: one write, carrying the latest run.
    await recordStatus(ctx, onServer, stepping(10_000), plan(stepping(10_000, { canaryWeight: 50 })), stepping(0));
    expect(writes).toEqual([stepping(10_000, { canaryWeight: 50 })]);
    // The cache has not caught up yet (resourceVersion 10 < 11): the write is planned from, and is what the server has.
    expect(freshestStatus(ctx, 'ml/mv', onServer)).toEqual({ status: stepping(10_000, { canaryWeight: 50 }), persisted: stepping(10_000, { canaryWeight: 50 }) });
  });

  it('is dropped once anyone else writes the ModelVariant: the status on the server is planned from', async () => {
    const { ctx, mv, plan } = setup();
    await recordStatus(ctx, mv(stepping(0), 10), stepping(0), plan(stepping(5_000)), stepping(0));
    const edited = mv(stepping(0), 12); // a spec edit, a signal: the resourceVersion moved on
    expect(freshestStatus(ctx, 'ml/mv', edited)).toEqual({ status: stepping(0), persisted: stepping(0) });
  });

  it('keeps a held-back run on top of this replica\'s own write while the cache lags behind it', async () => {
    const { writes, ctx, mv, plan } = setup();
    const stale = mv(stepping(0), 10);
    await recordStatus(ctx, stale, stepping(0), plan(stepping(0, { canaryWeight: 50 })), stepping(0)); // written: resourceVersion 11
    await recordStatus(ctx, stale, stepping(0, { canaryWeight: 50 }), plan(stepping(5_000, { canaryWeight: 50 })), stepping(0, { canaryWeight: 50 }));
    expect(writes).toHaveLength(1);
    expect(freshestStatus(ctx, 'ml/mv', stale)).toEqual({ status: stepping(5_000, { canaryWeight: 50 }), persisted: stepping(0, { canaryWeight: 50 }) });
    expect(freshestStatus(ctx, 'ml/mv', mv(stepping(0, { canaryWeight: 50 }), 11))).toEqual({ status: stepping(5_000, { canaryWeight: 50 }), persisted: stepping(0, { canaryWeight: 50 }) });
  });

  it('writes a routine run once the one on the server is a minute old, measured from the server\'s, not the held-back one', async () => {
    const { writes, ctx, mv, plan } = setup();
    const onServer = mv(stepping(0), 10);
    for (let at = 5_000; at <= 60_000; at += 5_000) {
      const { status, persisted } = freshestStatus(ctx, 'ml/mv', onServer);
      await recordStatus(ctx, onServer, status, plan(stepping(at)), persisted);
    }
    expect(writes).toEqual([stepping(60_000)]);
  });
});
