/**
 * Time as a dependency: the work queue, the informer's resync and restart, and leader election read
 * the time and set timers only through a `Clock` they are given, so tests drive them with a fake
 * clock (`createFakeClock`) instead of sleeping. `systemClock()` is the real one; the fake fires due
 * timers in deadline order and lets promise chains settle between them, so async handlers run to
 * their next real await before the next timer fires.
 */

/** An opaque timer handle, only good for `clearTimeout` on the clock that made it. */
export type TimerHandle = object;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The process's clock: Date.now and Node's timers. */
export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): Promise<void>;
  /** Lets pending promise callbacks run without moving time. */
  settle(): Promise<void>;
  /** How many timers are scheduled and not yet fired or cleared. */
  pendingTimers(): number;
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Drains the microtask queue: setImmediate runs only after every queued promise callback has. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createFakeClock(start = Date.parse('2026-01-01T00:00:00Z')): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Set<FakeTimer>();
  const nextDue = (until: number): FakeTimer | undefined => {
    let best: FakeTimer | undefined;
    for (const t of timers) {
      if (t.at <= until && (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq))) best = t;
    }
    return best;
  };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const timer: FakeTimer = { at: now + Math.max(0, ms), seq: seq++, fn };
      timers.add(timer);
      return timer;
    },
    clearTimeout(handle) {
      timers.delete(handle as FakeTimer);
    },
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (let t = nextDue(target); t; t = nextDue(target)) {
        timers.delete(t);
        now = Math.max(now, t.at);
        t.fn();
        await settle();
      }
      now = target;
      await settle();
    },
    settle,
    pendingTimers: () => timers.size,
  };
}
