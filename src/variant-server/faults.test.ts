import { describe, expect, it } from '@jest/globals';
import { createFaultInjector } from './faults.ts';

const none = { latencyMs: 0, errorFraction: 0, nanFraction: 0, inputScale: 1, activationShift: 0, logitScale: 1, quantScale: 1, memoryMb: 0 };

describe('fault knobs', () => {
  it('are off by default', () => {
    const faults = createFaultInjector(none);
    const inputs = Float64Array.from([1, 2, 3, 4]);
    faults.corrupt(inputs, 2, 2);
    expect(faults.active).toBe(false);
    expect(Array.from(inputs)).toEqual([1, 2, 3, 4]);
    expect(Array.from({ length: 100 }, () => faults.failRequest()).some(Boolean)).toBe(false);
  });

  it.each([['activationShift', 0.5], ['logitScale', 10], ['quantScale', 0.1], ['memoryMb', 64]])('count %s as an active fault, so the listening line shows it', (knob, value) =>
    expect(createFaultInjector({ ...none, [knob]: value }).active).toBe(true));

  it('turn exactly the asked fraction of rows to NaN, across batches', () => {
    const faults = createFaultInjector({ ...none, nanFraction: 0.1 });
    let nanRows = 0;
    for (let batch = 0; batch < 25; batch++) {
      const inputs = new Float64Array(8 * 3).fill(1);
      faults.corrupt(inputs, 8, 3);
      for (let r = 0; r < 8; r++) if (Number.isNaN(inputs[r * 3])) nanRows++;
    }
    expect(nanRows).toBe(20);
  });

  it('scale inputs and fail the asked fraction of requests', () => {
    const faults = createFaultInjector({ ...none, inputScale: 10, errorFraction: 0.25 });
    const inputs = Float64Array.from([1, -2]);
    faults.corrupt(inputs, 1, 2);
    expect(Array.from(inputs)).toEqual([10, -20]);
    expect(Array.from({ length: 100 }, () => faults.failRequest()).filter(Boolean)).toHaveLength(25);
    expect(faults.active).toBe(true);
  });

  it('delay by the added latency', async () => {
    const started = performance.now();
    await createFaultInjector({ ...none, latencyMs: 50 }).delay();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});
