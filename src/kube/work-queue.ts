/**
 * A keyed work queue after client-go's: keys are "namespace/name"; a key waiting is never queued twice;
 * a key added while it is being reconciled is marked dirty and queued once more after that run ends
 * (so the latest state is always seen, and never by two runs at once); `concurrency` workers take keys
 * in FIFO order within a priority. `addAfter` schedules a key (the earliest pending deadline wins),
 * `addRateLimited` backs a failing key off exponentially until `forget`. The handler's outcome drives
 * all of it: a thrown error backs off, success forgets the failures and honours `requeueAfterMs`.
 *
 * Two priorities, as controller-runtime's priority queue has them (there the initial list's adds go
 * low): a `high` key is taken before every `normal` one, except that at least one normal key starts
 * in every `FAIRNESS_RUNS` runs while both wait, so neither starves. The queue gives high priority to
 * the deadlines handlers ask for (`requeueAfterMs`: a pause that ends, a deadline that falls due), and
 * callers to what must not wait behind a wave of watch events (an analysis verdict, a signal); a key waiting at
 * normal priority is moved up when it is added at high. Optional hooks
 * report what client-go's workqueue metrics count (adds, time waiting, time working, delayed adds), and
 * `depth()` / `inFlight()` give its gauges when scraped.
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from './clock.ts';

export type ReconcileResult = { requeueAfterMs?: number } | void;

/** `high`: taken before `normal` keys (see the file comment); the default is `normal`. */
export type Priority = 'high' | 'normal';

/** While keys of both priorities wait, at least one normal key starts in every this many runs. */
export const FAIRNESS_RUNS = 4;
export type ReconcileHandler = (key: string) => Promise<ReconcileResult>;

/** How a run ended, for metrics: `requeue` is a success that asked to come back later. */
export type RunOutcome = 'success' | 'requeue' | 'error';

/**
 * What client-go's workqueue metrics count, as hooks the queue calls (src/metrics/work-queue-metrics.ts
 * turns them into `workqueue_*` series). Durations are in milliseconds.
 */
export interface WorkQueueMetrics {
  /** A key was queued that was not waiting already (client-go's `adds`). */
  added(): void;
  /** A key's run started `waitedMs` after it was queued (client-go's `queue_duration`). */
  started(waitedMs: number): void;
  /** A key's run ended after `workedMs` (client-go's `work_duration`). */
  finished(workedMs: number): void;
  /** A delayed add: a backoff after an error or a requeue-after (client-go's `retries`: every AddAfter). */
  retried(): void;
}

/** The runs in progress when asked: how many, their summed and their longest age in milliseconds. */
export interface InFlight {
  count: number;
  totalMs: number;
  longestMs: number;
}

export interface WorkQueueOptions {
  handler: ReconcileHandler;
  clock: Clock;
  logger: Logger;
  /** Keys reconciled at once (distinct keys only). Default 1. */
  concurrency?: number;
  /**
   * Lets the event loop run (one setImmediate, shared by every run that starts meanwhile) before a run
   * once this many milliseconds of real time (performance.now) have passed since it last turned for
   * the queue; unset: never. Runs that need no I/O (a resync of a thousand ModelVariants at rest reads
   * only caches) chain promise callbacks one into the next, and Node serves no socket and no timer
   * until that chain ends: a resync at N = 1,000 held every request of the rollouts in flight for 4 s
   * (docs/performance.md).
   */
  yieldEveryMs?: number;
  /** Backoff of a failing key: baseMs × 2^(failures-1), capped at maxMs. Defaults 500 ms and 5 min. */
  backoff?: { baseMs?: number; maxMs?: number };
  /**
   * Called after every run, e.g. to count reconciles and observe their duration: `run` says how long
   * (ms) the key waited in its lane before it started, and at which priority it was taken.
   */
  onRun?(key: string, outcome: RunOutcome, durationMs: number, error?: unknown, run?: { waitedMs: number; priority: Priority }): void;
  /** Hooks for client-go's workqueue metrics. */
  metrics?: WorkQueueMetrics;
}

export interface WorkQueue {
  /**
   * Queues `key` unless it is already waiting (a waiting key added at `high` moves up); during its own
   * run it is queued again afterwards, at the highest priority it was added with.
   */
  add(key: string, priority?: Priority): void;
  /** Queues `key` after `ms`; if it is already scheduled, the earlier deadline and the higher priority win. */
  addAfter(key: string, ms: number, priority?: Priority): void;
  /** Queues `key` after its backoff, which doubles with every call until `forget`. */
  addRateLimited(key: string): void;
  /** Resets `key`'s backoff. */
  forget(key: string): void;
  /** Consecutive failures recorded for `key`. */
  failures(key: string): number;
  /** Keys waiting to run now (not the scheduled ones, not the running ones), of one priority or of both. */
  len(priority?: Priority): number;
  /**
   * Keys queued and not yet started, as client-go's `workqueue_depth` counts them: those waiting to run
   * and those added again during their own run (they run once it ends); not the scheduled ones.
   */
  depth(): number;
  /** The runs in progress now, for client-go's unfinished-work and longest-running gauges. */
  inFlight(): InFlight;
  /** Starts the workers; keys added before wait until then. */
  start(): void;
  /** Stops taking keys and cancels scheduled ones; resolves when the running handlers have finished. */
  shutdown(): Promise<void>;
  isShuttingDown(): boolean;
}

export const DEFAULT_BACKOFF = { baseMs: 500, maxMs: 5 * 60_000 } as const;

/** The delay before retry number `failures` (1-based). */
export function backoffDelay(failures: number, baseMs: number = DEFAULT_BACKOFF.baseMs, maxMs: number = DEFAULT_BACKOFF.maxMs): number {
  // 2^exp overflows to Infinity long after the cap applies; Math.min keeps it finite.
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

/** Splits "namespace/name" (a cluster-scoped key has no slash). */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function keyOf(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

export function createWorkQueue(opts: WorkQueueOptions): WorkQueue {
  const { handler, clock, logger } = opts;
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
  const baseMs = opts.backoff?.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const maxMs = opts.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs;

  const lanes: Record<Priority, string[]> = { high: [], normal: [] };
  /** Keys that need a run, and at which priority: waiting in their lane, or re-added during their run. */
  const dirty = new Map<string, Priority>();
  const processing = new Set<string>();
  const scheduled = new Map<string, { at: number; priority: Priority; timer: TimerHandle }>();
  /** High keys started in a row while normal ones waited. */
  let highStreak = 0;
  const failureCounts = new Map<string, number>();
  const running = new Set<Promise<void>>();
  /** When each dirty key was queued, and when each running key started (ms, the clock's). */
  const queuedAt = new Map<string, number>();
  const startedAt = new Map<string, number>();
  const hooks = opts.metrics;
  let started = false;
  let shuttingDown = false;
  const yieldEveryMs = opts.yieldEveryMs;
  /** When the event loop last turned for the queue (performance.now), and the turn runs wait for now. */
  let lastTurnAt = performance.now();
  let turn: Promise<void> | undefined;
  // One immediate shared by every run that starts after the deadline: with a deadline per run, each of
  // the other workers would go on chaining callbacks for another `yieldEveryMs` first (16 workers: a
  // turn every ~160 ms, not every 10).
  const nextTurn = () => (turn ??= new Promise<void>((resolve) => setImmediate(() => {
    turn = undefined;
    lastTurnAt = performance.now();
    resolve();
  })));

  function add(key: string, priority: Priority = 'normal'): void {
    if (shuttingDown) return;
    const waiting = dirty.get(key);
    if (waiting !== undefined) {
      if (waiting === 'normal' && priority === 'high') {
        dirty.set(key, 'high');
        if (!processing.has(key)) {
          lanes.normal.splice(lanes.normal.indexOf(key), 1);
          lanes.high.push(key);
          pump();
        }
      }
      return;
    }
    dirty.set(key, priority);
    queuedAt.set(key, clock.now());
    hooks?.added();
    if (processing.has(key)) return;
    lanes[priority].push(key);
    pump();
  }

  function addAfter(key: string, ms: number, priority: Priority = 'normal'): void {
    if (shuttingDown) return;
    hooks?.retried();
    if (!(ms > 0)) return add(key, priority);
    const at = clock.now() + ms;
    const existing = scheduled.get(key);
    if (existing && existing.at <= at) {
      if (priority === 'high') existing.priority = 'high';
      return;
    }
    if (existing) clock.clearTimeout(existing.timer);
    const entryPriority: Priority = priority === 'high' || existing?.priority === 'high' ? 'high' : 'normal';
    const timer = clock.setTimeout(() => {
      // A later addAfter with a later deadline may have raised the entry's priority.
      const fired = scheduled.get(key);
      scheduled.delete(key);
      add(key, fired?.priority ?? entryPriority);
    }, ms);
    scheduled.set(key, { at, priority: entryPriority, timer });
  }

  function addRateLimited(key: string): void {
    const failures = (failureCounts.get(key) ?? 0) + 1;
    failureCounts.set(key, failures);
    addAfter(key, backoffDelay(failures, baseMs, maxMs));
  }

  /** The next key to start: high before normal, but a normal one after FAIRNESS_RUNS - 1 highs in a row. */
  function takeNext(): string | undefined {
    const normalsWait = lanes.normal.length > 0;
    if (lanes.high.length > 0 && !(normalsWait && highStreak >= FAIRNESS_RUNS - 1)) {
      highStreak = normalsWait ? highStreak + 1 : 0;
      return lanes.high.shift();
    }
    highStreak = 0;
    return lanes.normal.shift();
  }

  function pump(): void {
    while (started && !shuttingDown && processing.size < concurrency && lanes.high.length + lanes.normal.length > 0) {
      const key = takeNext() as string;
      const priority = dirty.get(key) ?? 'normal';
      dirty.delete(key);
      processing.add(key);
      const now = clock.now();
      const waitedMs = now - (queuedAt.get(key) ?? now);
      hooks?.started(waitedMs);
      queuedAt.delete(key);
      startedAt.set(key, now);
      const run = runOne(key, { waitedMs, priority }).finally(() => {
        running.delete(run);
        processing.delete(key);
        hooks?.finished(clock.now() - (startedAt.get(key) ?? clock.now()));
        startedAt.delete(key);
        const again = dirty.get(key);
        if (again !== undefined && !shuttingDown) lanes[again].push(key);
        pump();
      });
      running.add(run);
    }
  }

  async function runOne(key: string, run: { waitedMs: number; priority: Priority }): Promise<void> {
    if (yieldEveryMs !== undefined && performance.now() - lastTurnAt >= yieldEveryMs) {
      await nextTurn();
      // A shutdown that came meanwhile: the run is dropped (its key was taken, not lost: the next
      // leader's informers list it again).
      if (shuttingDown) return;
    }
    const t0 = clock.now();
    let outcome: RunOutcome;
    let error: unknown;
    try {
      const result = await handler(key);
      failureCounts.delete(key);
      const after = result?.requeueAfterMs;
      outcome = after !== undefined && after > 0 ? 'requeue' : 'success';
      if (outcome === 'requeue') addAfter(key, after as number, 'high');
    } catch (err) {
      outcome = 'error';
      error = err;
      addRateLimited(key);
      logger.warn({ key, err: err instanceof Error ? err.message : String(err), failures: failureCounts.get(key) }, 'Reconcile failed; backing off');
    }
    try {
      opts.onRun?.(key, outcome, clock.now() - t0, error, run);
    } catch (err) {
      logger.error({ key, err: String(err) }, 'onRun hook threw');
    }
  }

  return {
    add,
    addAfter,
    addRateLimited,
    forget: (key) => void failureCounts.delete(key),
    failures: (key) => failureCounts.get(key) ?? 0,
    len: (priority) => (priority ? lanes[priority].length : lanes.high.length + lanes.normal.length),
    depth: () => dirty.size,
    inFlight() {
      const now = clock.now();
      let totalMs = 0;
      let longestMs = 0;
      for (const at of startedAt.values()) {
        totalMs += now - at;
        longestMs = Math.max(longestMs, now - at);
      }
      return { count: startedAt.size, totalMs, longestMs };
    },
    start() {
      started = true;
      pump();
    },
    async shutdown() {
      shuttingDown = true;
      for (const { timer } of scheduled.values()) clock.clearTimeout(timer);
      scheduled.clear();
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    isShuttingDown: () => shuttingDown,
  };
}
