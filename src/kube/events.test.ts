import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { createEventRecorder, type EventDropReason } from './events.ts';

const target = { namespace: 'ns', name: 'mv', uid: 'u1' };
const logger = pino({ level: 'silent' });

/** A createNamespacedEvent whose answers the test releases one at a time. */
function heldWrites(fail: (reason: string) => boolean = () => false) {
  const sent: string[] = [];
  const waiting: (() => void)[] = [];
  return {
    sent, waiting,
    core: {
      createNamespacedEvent: async ({ body }: { body: { reason?: string } }) => {
        await new Promise<void>((resolve) => waiting.push(resolve));
        if (fail(body.reason ?? '')) throw new Error('HTTP 500');
        sent.push(body.reason ?? '');
        return body;
      },
    } as never,
    async releaseAll() {
      while (waiting.length > 0) {
        waiting.shift()?.();
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

describe('the event recorder', () => {
  it('returns at once and writes the Events in the order recorded, one at a time', async () => {
    const w = heldWrites();
    const events = createEventRecorder({ core: w.core, logger });
    events.record(target, 'Normal', 'A', 'a');
    events.record(target, 'Normal', 'B', 'b');
    events.record(target, 'Warning', 'C', 'c');
    expect(events.pending()).toBe(3);
    await new Promise((r) => setImmediate(r));
    expect(w.waiting).toHaveLength(1); // one write in flight, not three
    await w.releaseAll();
    expect(w.sent).toEqual(['A', 'B', 'C']);
    expect(events.pending()).toBe(0);
  });

  it('drops the newest Event when the queue is full, and says so', async () => {
    const w = heldWrites();
    const dropped: EventDropReason[] = [];
    const events = createEventRecorder({ core: w.core, logger, maxQueued: 2, onDropped: (r) => dropped.push(r) });
    for (const reason of ['A', 'B', 'C', 'D']) events.record(target, 'Normal', reason, '');
    expect(dropped).toEqual(['QueueFull', 'QueueFull']);
    await w.releaseAll();
    expect(w.sent).toEqual(['A', 'B']);
  });

  it('writes nothing once the replica no longer leads, and goes on after a failed write', async () => {
    const w = heldWrites((reason) => reason === 'B');
    const dropped: EventDropReason[] = [];
    let leading = true;
    const events = createEventRecorder({ core: w.core, logger, mayWrite: () => leading, onDropped: (r) => dropped.push(r) });
    for (const reason of ['A', 'B', 'C']) events.record(target, 'Normal', reason, '');
    await w.releaseAll();
    expect(w.sent).toEqual(['A', 'C']);
    expect(dropped).toEqual(['WriteFailed']);
    leading = false;
    events.record(target, 'Normal', 'D', '');
    await events.flush(1000);
    expect(w.sent).toEqual(['A', 'C']);
    expect(dropped).toEqual(['WriteFailed', 'NotLeader']);
  });

  it('flush waits for the queue to drain, or gives up after its timeout', async () => {
    const w = heldWrites();
    const events = createEventRecorder({ core: w.core, logger });
    await events.flush(10); // nothing queued: at once
    events.record(target, 'Normal', 'A', '');
    const started = Date.now();
    await events.flush(50); // the write is held: the timeout ends the wait
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(w.sent).toEqual([]);
    const drained = events.flush(10_000);
    await w.releaseAll();
    await drained;
    expect(w.sent).toEqual(['A']);
  });

  it('names each Event after its ModelVariant, uniquely, and cuts long messages', async () => {
    const bodies: { metadata?: { name?: string }; message?: string; involvedObject?: { uid?: string } }[] = [];
    const events = createEventRecorder({
      core: { createNamespacedEvent: async ({ body }: { body: (typeof bodies)[number] }) => bodies.push(body) } as never,
      logger, now: () => new Date(0),
    });
    events.record(target, 'Normal', 'A', 'x'.repeat(5000));
    events.record(target, 'Normal', 'B', 'short');
    await events.flush(1000);
    expect(bodies.map((b) => b.metadata?.name)).toEqual(['mv.0000', 'mv.0001']);
    expect(bodies[0]?.message).toHaveLength(1024);
    expect(bodies[1]?.involvedObject?.uid).toBe('u1');
  });

  it('gives up a write that gets no answer, so one hung request does not stall every later Event', async () => {
    const dropped: EventDropReason[] = [];
    const sent: string[] = [];
    const events = createEventRecorder({
      core: { createNamespacedEvent: async ({ body }: { body: { reason?: string } }) => {
        if (body.reason === 'Hung') await new Promise(() => undefined);
        sent.push(body.reason ?? '');
      } } as never,
      logger, writeTimeoutMs: 30, onDropped: (r) => dropped.push(r),
    });
    events.record(target, 'Normal', 'Hung', '');
    events.record(target, 'Normal', 'After', '');
    await events.flush(2000);
    expect(dropped).toEqual(['WriteFailed']);
    expect(sent).toEqual(['After']);
  });

  it('keeps sending when a hook throws', async () => {
    const w = heldWrites();
    let calls = 0;
    const events = createEventRecorder({ core: w.core, logger, mayWrite: () => { if (calls++ === 0) throw new Error('boom'); return true; } });
    events.record(target, 'Normal', 'A', '');
    events.record(target, 'Normal', 'B', '');
    await new Promise((r) => setImmediate(r));
    await w.releaseAll();
    await events.flush(1000);
    expect(w.sent).toEqual(['B']);
    expect(events.pending()).toBe(0);
    events.record(target, 'Normal', 'C', '');
    await new Promise((r) => setImmediate(r));
    await w.releaseAll();
    expect(w.sent).toEqual(['B', 'C']);
  });
});
