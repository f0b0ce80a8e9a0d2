import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { createFakeClock, systemClock } from './clock.ts';
import fc from 'fast-check';
import { backoffDelay, createWorkQueue, FAIRNESS_RUNS, keyOf, splitKey, type ReconcileResult, type RunOutcome, type WorkQueueMetrics } from './work-queue.ts';

const logger = pino({ level: 'silent' });

interface Deferred { resolve(r?: ReconcileResult): void; reject(e: unknown): void }

/** A queue whose handler blocks until the test finishes each run by hand. */
function harness(opts: { concurrency?: number; backoff?: { baseMs?: number; maxMs?: number }; metrics?: WorkQueueMetrics } = {}) {
  const clock = createFakeClock();
  const runs: { key: string; at: number }[] = [];
  const pending = new Map<string, Deferred[]>();
  const outcomes: [string, RunOutcome][] = [];
  const waits: [string, { waitedMs: number; priority: string } | undefined][] = [];
  let inFlight = 0;
  let peak = 0;
  const queue = createWorkQueue({
    clock, logger, ...opts,
    handler: (key) => new Promise<ReconcileResult>((resolve, reject) => {
      runs.push({ key, at: clock.now() });
      inFlight++;
      peak = Math.max(peak, inFlight);
      const done = (f: () => void) => { inFlight--; f(); };
      pending.set(key, [...(pending.get(key) ?? []), { resolve: (r) => done(() => resolve(r)), reject: (e) => done(() => reject(e)) }]);
    }),
    onRun: (key, outcome, _ms, _err, run) => {
      outcomes.push([key, outcome]);
      waits.push([key, run]);
    },
  });
  const finish = async (key: string, how: ReconcileResult | Error = undefined) => {
    const d = pending.get(key)?.shift();
    if (!d) throw new Error(`${key} is not running`);
    if (how instanceof Error) d.reject(how); else d.resolve(how);
    await clock.settle();
  };
  const keys = () => runs.map((r) => r.key);
  const isRunning = (key: string) => (pending.get(key)?.length ?? 0) > 0;
  return { clock, queue, runs, keys, finish, outcomes, waits, peak: () => peak, inFlight: () => inFlight, pending: isRunning };
}

describe('work queue', () => {
  it('runs nothing until started, then runs each waiting key once however often it was added', async () => {
    const h = harness({ concurrency: 4 });
    h.queue.add('ns/a');
    h.queue.add('ns/a');
    h.queue.add('ns/b');
    await h.clock.settle();
    expect(h.keys()).toEqual([]);
    expect(h.queue.len()).toBe(2);
    h.queue.start();
    await h.clock.settle();
    expect(h.keys()).toEqual(['ns/a', 'ns/b']);
    expect(h.queue.len()).toBe(0);
  });

  it('never runs one key twice at once, and runs it once more after a run during which it was added', async () => {
    const h = harness({ concurrency: 4 });
    h.queue.start();
    h.queue.add('ns/a');
    await h.clock.settle();
    h.queue.add('ns/a');
    h.queue.add('ns/a');
    await h.clock.settle();
    expect(h.keys()).toEqual(['ns/a']);
    expect(h.queue.len()).toBe(0);
    await h.finish('ns/a');
    expect(h.keys()).toEqual(['ns/a', 'ns/a']);
    await h.finish('ns/a');
    expect(h.keys()).toEqual(['ns/a', 'ns/a']);
    expect(h.peak()).toBe(1);
  });

  it('runs at most `concurrency` distinct keys at once, in the order they were added', async () => {
    const h = harness({ concurrency: 2 });
    h.queue.start();
    for (const k of ['ns/a', 'ns/b', 'ns/c', 'ns/d']) h.queue.add(k);
    await h.clock.settle();
    expect(h.keys()).toEqual(['ns/a', 'ns/b']);
    expect(h.queue.len()).toBe(2);
    await h.finish('ns/b');
    expect(h.keys()).toEqual(['ns/a', 'ns/b', 'ns/c']);
    await h.finish('ns/a');
    await h.finish('ns/c');
    expect(h.keys()).toEqual(['ns/a', 'ns/b', 'ns/c', 'ns/d']);
    expect(h.peak()).toBe(2);
  });

  it('backs a failing key off 500 ms, 1 s, 2 s, … up to 5 minutes, and forgets it after a success', async () => {
    const h = harness();
    h.queue.start();
    h.queue.add('ns/a');
    await h.clock.settle();
    const gaps: number[] = [];
    for (let i = 0; i < 12; i++) {
      await h.finish('ns/a', new Error('apiserver said no'));
      const before = h.runs.length;
      const t0 = h.clock.now();
      while (h.runs.length === before) await h.clock.advance(100);
      gaps.push(h.clock.now() - t0);
    }
    expect(gaps).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000]);
    expect(h.queue.failures('ns/a')).toBe(12);
    await h.finish('ns/a');
    expect(h.queue.failures('ns/a')).toBe(0);
    h.queue.add('ns/a');
    await h.clock.settle();
    await h.finish('ns/a', new Error('again'));
    expect(h.runs.length).toBe(14);
    await h.clock.advance(499);
    expect(h.runs.length).toBe(14);
    await h.clock.advance(1);
    expect(h.runs.length).toBe(15);
    expect(h.outcomes.filter(([, o]) => o === 'error')).toHaveLength(13);
  });

  it('computes the backoff without overflowing for very many failures', () => {
    expect(backoffDelay(1)).toBe(500);
    expect(backoffDelay(2000)).toBe(300_000);
    expect(backoffDelay(3, 100, 1000)).toBe(400);
  });

  it('comes back after requeueAfterMs on success, and keeps the earlier of two deadlines', async () => {
    const h = harness();
    h.queue.start();
    h.queue.add('ns/a');
    await h.clock.settle();
    await h.finish('ns/a', { requeueAfterMs: 60_000 });
    expect(h.outcomes).toEqual([['ns/a', 'requeue']]);
    h.queue.addAfter('ns/a', 10_000);
    h.queue.addAfter('ns/a', 30_000);
    await h.clock.advance(9_999);
    expect(h.runs).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.runs.map((r) => r.at - h.runs[0]!.at)).toEqual([0, 10_000]);
    await h.finish('ns/a');
    await h.clock.advance(120_000);
    expect(h.runs).toHaveLength(2);
  });

  it('treats addAfter with no delay as add', async () => {
    const h = harness();
    h.queue.start();
    h.queue.addAfter('ns/a', 0);
    await h.clock.settle();
    expect(h.keys()).toEqual(['ns/a']);
  });

  it('on shutdown takes no new keys, cancels scheduled ones and waits for the running handler', async () => {
    const h = harness({ concurrency: 1 });
    h.queue.start();
    h.queue.add('ns/a');
    h.queue.add('ns/b');
    h.queue.addAfter('ns/c', 1000);
    await h.clock.settle();
    let stopped = false;
    const done = h.queue.shutdown().then(() => { stopped = true; });
    h.queue.add('ns/d');
    await h.clock.advance(5000);
    expect(stopped).toBe(false);
    expect(h.queue.isShuttingDown()).toBe(true);
    await h.finish('ns/a', { requeueAfterMs: 10 });
    await done;
    expect(stopped).toBe(true);
    await h.clock.advance(5000);
    expect(h.keys()).toEqual(['ns/a']);
    expect(h.clock.pendingTimers()).toBe(0);
  });

  it('resolves shutdown at once when nothing runs', async () => {
    const h = harness();
    await expect(h.queue.shutdown()).resolves.toBeUndefined();
  });
});

describe('work queue priorities', () => {
  /** One worker busy with `ns/busy`, so the keys added next wait and their order can be read. */
  async function blocked() {
    const h = harness({ concurrency: 1 });
    h.queue.start();
    h.queue.add('ns/busy');
    await h.clock.settle();
    return h;
  }
  /** Finishes runs one by one until nothing runs; returns the order they ran in after `ns/busy`. */
  async function drain(h: Awaited<ReturnType<typeof blocked>>): Promise<string[]> {
    for (let i = 0; i < 1_000 && h.inFlight() > 0; i++) await h.finish(h.runs.at(-1)!.key);
    return h.keys().slice(1);
  }

  it('takes a high key before normal ones that waited longer, and keeps FIFO order within a priority', async () => {
    const h = await blocked();
    h.queue.add('ns/n1');
    h.queue.add('ns/h1', 'high');
    h.queue.add('ns/n2');
    h.queue.add('ns/h2', 'high');
    expect([h.queue.len('high'), h.queue.len('normal'), h.queue.len()]).toEqual([2, 2, 4]);
    expect(await drain(h)).toEqual(['ns/h1', 'ns/h2', 'ns/n1', 'ns/n2']);
  });

  it('moves a waiting normal key up when it is added at high, and never queues it twice', async () => {
    const h = await blocked();
    h.queue.add('ns/a');
    h.queue.add('ns/b');
    h.queue.add('ns/b', 'high');
    h.queue.add('ns/b');
    expect(h.queue.depth()).toBe(2);
    expect(await drain(h)).toEqual(['ns/b', 'ns/a']);
  });

  it('tells onRun how long each key waited in its lane (ms) and at which priority it was taken', async () => {
    const h = harness({ concurrency: 1 });
    h.queue.start();
    h.queue.add('ns/first');
    await h.clock.settle();
    h.queue.add('ns/n');
    h.queue.add('ns/h', 'high');
    await h.clock.advance(300);
    await h.finish('ns/first');
    await h.clock.advance(200);
    await h.finish('ns/h');
    await h.finish('ns/n');
    expect(h.waits).toEqual([['ns/first', { waitedMs: 0, priority: 'normal' }], ['ns/h', { waitedMs: 300, priority: 'high' }], ['ns/n', { waitedMs: 500, priority: 'normal' }]]);
  });

  it('lets sockets and timers in between runs that need no I/O once yieldEveryMs has passed, and never when it is unset', async () => {
    const orderWith = async (yieldEveryMs: number | undefined) => {
      const order: string[] = [];
      const queue = createWorkQueue({
        clock: createFakeClock(), logger, concurrency: 1, ...(yieldEveryMs !== undefined ? { yieldEveryMs } : {}),
        handler: async (key) => {
          order.push(key);
          // A socket that becomes readable while the first run works: its callback is a macrotask.
          if (key === 'ns/a') setImmediate(() => order.push('socket'));
        },
      });
      for (const key of ['ns/a', 'ns/b', 'ns/c']) queue.add(key);
      queue.start();
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
      return order;
    };
    expect(await orderWith(undefined)).toEqual(['ns/a', 'ns/b', 'ns/c', 'socket']);
    expect(await orderWith(0)).toEqual(['ns/a', 'socket', 'ns/b', 'ns/c']);
  });

  it('with many workers, lets the event loop turn about every yieldEveryMs, not once per worker in turn', async () => {
    // 16 workers, 1,000 runs of 1 ms of work each and no I/O: ~1 s. A 1 ms interval timer counts the
    // turns of the event loop. A deadline per run let each worker chain another 10 ms first, so the
    // loop turned every ~160 ms (9 ticks); one turn shared by all turns it every ~16 ms (~60 ticks).
    const busy = (ms: number) => { const t = performance.now(); while (performance.now() - t < ms) { /* a reconcile's CPU */ } };
    let done = 0;
    const queue = createWorkQueue({ clock: systemClock(), logger, concurrency: 16, yieldEveryMs: 10,
      handler: async () => { busy(1); await Promise.resolve(); done++; } });
    let ticks = 0;
    const probe = setInterval(() => { ticks++; }, 1);
    queue.start();
    for (let i = 0; i < 1000; i++) queue.add(`ns/k${i}`);
    while (done < 1000) await new Promise((resolve) => setTimeout(resolve, 5));
    clearInterval(probe);
    await queue.shutdown();
    expect(ticks).toBeGreaterThanOrEqual(25);
  });

  it('starts no reconcile once shut down while a run waited for the event loop', async () => {
    const ran: string[] = [];
    const queue = createWorkQueue({ clock: createFakeClock(), logger, concurrency: 1, yieldEveryMs: 0, handler: async (key) => { ran.push(key); } });
    queue.start();
    queue.add('ns/a');
    await queue.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual([]);
  });

  it('does not move a high key down when it is added again at normal', async () => {
    const h = await blocked();
    h.queue.add('ns/a');
    h.queue.add('ns/b', 'high');
    h.queue.add('ns/b');
    expect(await drain(h)).toEqual(['ns/b', 'ns/a']);
  });

  it(`starts at least one normal key in every ${FAIRNESS_RUNS} runs while high keys keep coming`, async () => {
    const h = await blocked();
    for (const k of ['n1', 'n2']) h.queue.add(`ns/${k}`);
    for (let i = 0; i < 8; i++) h.queue.add(`ns/h${i}`, 'high');
    expect(await drain(h)).toEqual(['ns/h0', 'ns/h1', 'ns/h2', 'ns/n1', 'ns/h3', 'ns/h4', 'ns/h5', 'ns/n2', 'ns/h6', 'ns/h7']);
  });

  it('queues a key added during its own run again at the highest priority it was added with', async () => {
    const h = await blocked();
    h.queue.add('ns/n');
    h.queue.add('ns/busy');
    h.queue.add('ns/busy', 'high');
    expect(await drain(h)).toEqual(['ns/busy', 'ns/n']);
  });

  it('brings a key back at high priority after the requeueAfterMs its handler asked for, but backs errors off at normal', async () => {
    const h = harness({ concurrency: 1, backoff: { baseMs: 1_000 } });
    h.queue.start();
    h.queue.add('ns/due');
    h.queue.add('ns/failing');
    await h.clock.settle();
    await h.finish('ns/due', { requeueAfterMs: 5_000 });
    await h.finish('ns/failing', new Error('boom'));
    h.queue.add('ns/busy');
    await h.clock.settle();
    h.queue.add('ns/other');
    await h.clock.advance(5_000);
    expect([h.queue.len('high'), h.queue.len('normal')]).toEqual([1, 2]);
    await h.finish('ns/busy');
    expect(h.keys().slice(3)).toEqual(['ns/due']);
  });

  it('keeps the higher priority of two addAfter calls on one key, and the earlier deadline', async () => {
    const h = await blocked();
    h.queue.addAfter('ns/a', 1_000, 'high');
    h.queue.addAfter('ns/a', 5_000);
    h.queue.addAfter('ns/b', 1_000);
    h.queue.addAfter('ns/c', 2_000);
    h.queue.addAfter('ns/c', 3_000, 'high');
    await h.clock.advance(2_000);
    expect([h.queue.len('high'), h.queue.len('normal')]).toEqual([2, 1]);
    expect(await drain(h)).toEqual(['ns/a', 'ns/c', 'ns/b']);
  });

  it('runs every key added, whatever the mix of priorities and re-adds (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ key: fc.integer({ min: 0, max: 6 }), high: fc.boolean(), finishFirst: fc.boolean() }), { maxLength: 40 }),
      async (ops) => {
        const h = harness({ concurrency: 2 });
        h.queue.start();
        /** Per key, how many runs had started when it was last added: one of its runs must start later. */
        const runsAtLastAdd = new Map<string, number>();
        const finishOne = () => h.finish(h.runs.find((r) => h.pending(r.key))!.key);
        for (const op of ops) {
          if (op.finishFirst && h.inFlight() > 0) await finishOne();
          runsAtLastAdd.set(`ns/${op.key}`, h.runs.length);
          h.queue.add(`ns/${op.key}`, op.high ? 'high' : 'normal');
          await h.clock.settle();
        }
        for (let i = 0; i < 500 && h.inFlight() > 0; i++) await finishOne();
        expect(h.queue.depth()).toBe(0);
        expect(h.queue.len()).toBe(0);
        for (const [key, at] of runsAtLastAdd) expect(h.keys().slice(at)).toContain(key);
        expect(h.peak()).toBeLessThanOrEqual(2);
      }), { numRuns: 200 });
  });
});

describe('work queue properties (fast-check, a fake clock)', () => {
  const key = fc.integer({ min: 0, max: 5 }).map((k) => `ns/${k}`);
  const priority = fc.constantFrom('high', 'normal') as fc.Arbitrary<'high' | 'normal'>;

  it(`starts a normal key in every ${FAIRNESS_RUNS} runs while both priorities wait, and a high one first otherwise`, async () => {
    // The test keeps each key's wanted priority (the highest it was added with since its last start):
    // at every start, the keys waiting in each lane are those wanted and not running.
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.array(fc.oneof({ weight: 3, arbitrary: fc.record({ op: fc.constant('add' as const), key, priority }) },
        { weight: 2, arbitrary: fc.record({ op: fc.constant('finish' as const), nth: fc.nat() }) }), { maxLength: 60 }),
      async (concurrency, ops) => {
        const wanted = new Map<string, 'high' | 'normal'>();
        const running: string[] = [];
        let streak = 0;
        const problems: string[] = [];
        const clock = createFakeClock();
        const resolvers = new Map<string, () => void>();
        const queue = createWorkQueue({
          clock, logger, concurrency,
          handler: (k) => {
            const lane = wanted.get(k);
            const waiting = (p: string) => [...wanted].filter(([w, q]) => q === p && w !== k && !running.includes(w)).length;
            const normals = waiting('normal') + (lane === 'normal' ? 1 : 0);
            const highs = waiting('high') + (lane === 'high' ? 1 : 0);
            if (lane === undefined) problems.push(`${k} started without being added`);
            if (lane === 'normal' && highs > 0 && streak < FAIRNESS_RUNS - 1) problems.push(`${k} (normal) started ahead of ${highs} high key(s) after ${streak} high runs`);
            streak = lane === 'high' && normals > 0 ? streak + 1 : 0;
            if (streak >= FAIRNESS_RUNS) problems.push(`${streak} high keys in a row while ${normals} normal key(s) waited`);
            wanted.delete(k);
            running.push(k);
            return new Promise<void>((resolve) => resolvers.set(k, resolve));
          },
        });
        queue.start();
        const finishOne = async (nth: number) => {
          const k = running.splice(nth % running.length, 1)[0] as string;
          resolvers.get(k)?.();
          await clock.settle();
        };
        for (const o of ops) {
          if (o.op === 'add') {
            if (wanted.get(o.key) !== 'high') wanted.set(o.key, o.priority);
            queue.add(o.key, o.priority);
          } else if (running.length > 0) await finishOne(o.nth);
          await clock.settle();
          expect(queue.len('high') + queue.len('normal')).toBe(queue.len());
        }
        for (let i = 0; i < 500 && running.length > 0; i++) await finishOne(0);
        expect(problems).toEqual([]);
        expect(wanted.size).toBe(0);
        expect([queue.depth(), queue.len()]).toEqual([0, 0]);
      }), { numRuns: 300 });
  });

  it('runs every key once per add since its last start, whatever the mix of add, addAfter, requeues, errors and time', async () => {
    // adds_total counts a key becoming dirty, and each dirty key starts exactly once: once everything has
    // run, the adds equal the starts; depth, len and the in-flight count agree with what the test sees.
    type Op =
      | { op: 'add'; key: string; priority: 'high' | 'normal' }
      | { op: 'addAfter'; key: string; ms: number; priority: 'high' | 'normal' }
      | { op: 'finish'; nth: number; how: 'ok' | 'requeue' | 'error' }
      | { op: 'advance'; ms: number };
    const ms = fc.constantFrom(0, 50, 100, 500, 1_000, 5_000);
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('add' as const), key, priority }),
      fc.record({ op: fc.constant('addAfter' as const), key, ms, priority }),
      fc.record({ op: fc.constant('finish' as const), nth: fc.nat(), how: fc.constantFrom('ok', 'ok', 'requeue', 'error') as fc.Arbitrary<'ok' | 'requeue' | 'error'> }),
      fc.record({ op: fc.constant('advance' as const), ms }),
    );
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(opArb, { maxLength: 50 }), fc.boolean(), async (concurrency, ops, shutDown) => {
      const counts = { added: 0, started: 0, finished: 0 };
      const metrics: WorkQueueMetrics = { added: () => counts.added++, started: () => counts.started++, finished: () => counts.finished++, retried: () => undefined };
      const h = harness({ concurrency, backoff: { baseMs: 100, maxMs: 1_000 }, metrics });
      h.queue.start();
      const running = () => h.runs.filter((r) => h.pending(r.key)).map((r) => r.key);
      const consistent = () => {
        const n = new Set(running()).size;
        expect(n).toBe(h.inFlight());
        expect(h.queue.inFlight().count).toBe(n);
        expect(h.queue.len()).toBe(h.queue.len('high') + h.queue.len('normal'));
        // Dirty keys are those waiting in a lane and those added again during their run.
        expect(h.queue.depth()).toBeGreaterThanOrEqual(h.queue.len());
        expect(h.queue.depth() - h.queue.len()).toBeLessThanOrEqual(n);
        expect(counts.started - counts.finished).toBe(n);
        expect(counts.added - counts.started).toBe(h.queue.depth());
      };
      const finishOne = async (nth: number, how: 'ok' | 'requeue' | 'error') => {
        const keys = [...new Set(running())];
        const k = keys[nth % keys.length] as string;
        await h.finish(k, how === 'ok' ? undefined : how === 'requeue' ? { requeueAfterMs: 100 } : new Error('boom'));
      };
      for (const o of ops) {
        if (o.op === 'add') h.queue.add(o.key, o.priority);
        else if (o.op === 'addAfter') h.queue.addAfter(o.key, o.ms, o.priority);
        else if (o.op === 'advance') await h.clock.advance(o.ms);
        else if (h.inFlight() > 0) await finishOne(o.nth, o.how);
        await h.clock.settle();
        consistent();
        expect(h.peak()).toBeLessThanOrEqual(concurrency);
      }
      if (shutDown) {
        const done = h.queue.shutdown();
        const startsAtShutdown = h.runs.length;
        for (let i = 0; i < 100 && h.inFlight() > 0; i++) await finishOne(0, 'requeue');
        await done;
        await h.clock.advance(10_000);
        expect(h.runs.length).toBe(startsAtShutdown);
        expect(h.clock.pendingTimers()).toBe(0);
        return;
      }
      // Drain: finish every run, let every timer fire; nothing may be left waiting or scheduled.
      for (let i = 0; i < 1_000 && (h.inFlight() > 0 || h.clock.pendingTimers() > 0); i++) {
        if (h.inFlight() > 0) await finishOne(0, 'ok');
        else await h.clock.advance(1_000);
        consistent();
      }
      expect([h.inFlight(), h.clock.pendingTimers(), h.queue.depth(), h.queue.len()]).toEqual([0, 0, 0, 0]);
      expect(counts.added).toBe(counts.started);
      expect(counts.started).toBe(h.runs.length);
    }), { numRuns: 300 });
  });
});

describe('work queue metrics (client-go\'s)', () => {
  /** Records every hook call, as `added`, `started 1500`, `finished 200`, `retried`. */
  function recorder() {
    const calls: string[] = [];
    const metrics: WorkQueueMetrics = {
      added: () => calls.push('added'),
      started: (ms) => calls.push(`started ${ms}`),
      finished: (ms) => calls.push(`finished ${ms}`),
      retried: () => calls.push('retried'),
    };
    return { calls, metrics };
  }

  it('counts an add only for a key not already waiting, and times its wait from that add to its start', async () => {
    const r = recorder();
    const h = harness({ concurrency: 1, metrics: r.metrics });
    h.queue.add('ns/a');
    h.queue.add('ns/a');
    h.queue.add('ns/b');
    expect(h.queue.depth()).toBe(2);
    await h.clock.advance(1500);
    h.queue.start();
    await h.clock.settle();
    expect(h.queue.depth()).toBe(1);
    await h.clock.advance(200);
    await h.finish('ns/a');
    await h.clock.advance(300);
    await h.finish('ns/b');
    expect(r.calls).toEqual(['added', 'added', 'started 1500', 'finished 200', 'started 1700', 'finished 300']);
    expect(h.queue.depth()).toBe(0);
  });

  it('counts a key added during its own run in the depth until that run ends and it starts again', async () => {
    const r = recorder();
    const h = harness({ metrics: r.metrics });
    h.queue.start();
    h.queue.add('ns/a');
    await h.clock.settle();
    await h.clock.advance(100);
    h.queue.add('ns/a');
    expect({ depth: h.queue.depth(), len: h.queue.len() }).toEqual({ depth: 1, len: 0 });
    await h.clock.advance(400);
    await h.finish('ns/a');
    expect(h.queue.depth()).toBe(0);
    expect(r.calls).toEqual(['added', 'started 0', 'added', 'finished 500', 'started 400']);
  });

  it('counts every delayed add as a retry: backoffs after errors and requeue-afters alike', async () => {
    const r = recorder();
    const h = harness({ metrics: r.metrics });
    h.queue.start();
    h.queue.add('ns/a');
    await h.clock.settle();
    await h.finish('ns/a', new Error('refused'));
    await h.clock.advance(500);
    await h.finish('ns/a', { requeueAfterMs: 1000 });
    expect(r.calls.filter((c) => c === 'retried')).toHaveLength(2);
    expect(r.calls.filter((c) => c === 'added')).toHaveLength(2);
  });

  it('reports the runs in progress: how many, their summed and their longest age', async () => {
    const h = harness({ concurrency: 2 });
    h.queue.start();
    expect(h.queue.inFlight()).toEqual({ count: 0, totalMs: 0, longestMs: 0 });
    h.queue.add('ns/a');
    await h.clock.settle();
    await h.clock.advance(3000);
    h.queue.add('ns/b');
    await h.clock.settle();
    await h.clock.advance(1000);
    expect(h.queue.inFlight()).toEqual({ count: 2, totalMs: 5000, longestMs: 4000 });
    await h.finish('ns/a');
    expect(h.queue.inFlight()).toEqual({ count: 1, totalMs: 1000, longestMs: 1000 });
  });
});

describe('keys', () => {
  it('are namespace/name, or the name alone for cluster-scoped objects', () => {
    expect(keyOf({ metadata: { namespace: 'ml', name: 'sentiment' } })).toBe('ml/sentiment');
    expect(keyOf({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(splitKey('ml/sentiment')).toEqual({ namespace: 'ml', name: 'sentiment' });
    expect(splitKey('node-1')).toEqual({ namespace: '', name: 'node-1' });
  });
});
