import { describe, expect, it } from '@jest/globals';
import { createFakeClock, systemClock } from './clock.ts';

describe('fake clock', () => {
  it('fires due timers in deadline order, at their deadline, and not the ones cleared', async () => {
    const clock = createFakeClock(1000);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    const c = clock.setTimeout(() => fired.push(['c', clock.now()]), 15);
    clock.clearTimeout(c);
    await clock.advance(15);
    expect(fired).toEqual([['a', 1010]]);
    expect(clock.now()).toBe(1015);
    await clock.advance(100);
    expect(fired).toEqual([['a', 1010], ['b', 1020]]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fires timers that timers set within the same advance, and lets async callbacks run between them', async () => {
    const clock = createFakeClock(0);
    const seen: string[] = [];
    clock.setTimeout(async () => {
      await Promise.resolve();
      seen.push(`first done at ${clock.now()}`);
      clock.setTimeout(() => seen.push(`second at ${clock.now()}`), 5);
    }, 5);
    await clock.advance(10);
    expect(seen).toEqual(['first done at 5', 'second at 10']);
  });
});

describe('system clock', () => {
  it('runs a timer on Node\'s event loop', async () => {
    const clock = systemClock();
    const t0 = clock.now();
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 5));
    expect(clock.now() - t0).toBeGreaterThanOrEqual(4);
  });
});
