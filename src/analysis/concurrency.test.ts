import { describe, expect, it } from '@jest/globals';
import { runLimited } from './concurrency.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('runLimited', () => {
  it('keeps at most `limit` tasks in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const tasks = Array.from({ length: 10 }, (_, i) => async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick();
      await new Promise((r) => setTimeout(r, (10 - i) % 3));
      inFlight--;
      return i;
    });
    expect(await runLimited(tasks, 3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
  });

  it('returns an empty list for no tasks', async () => expect(await runLimited([], 4)).toEqual([]));

  it('runs one at a time when the limit is below 1', async () => {
    let inFlight = 0;
    let peak = 0;
    const task = async () => { inFlight++; peak = Math.max(peak, inFlight); await tick(); inFlight--; };
    await runLimited([task, task, task], 0);
    expect(peak).toBe(1);
  });
});
