import { describe, expect, it } from '@jest/globals';
import { SATURATION_REGIONS } from './activations.ts';
import { padBounds, tallyLayer, type BucketCounts } from './layer-stats.ts';

const buckets = (bounds: number[]): BucketCounts =>
  ({ bounds: padBounds(bounds), counts: new Float64Array(bounds.length + 1), sum: 0, count: 0 });

describe('tallyLayer', () => {
  it('counts relu units on the flat side as saturated and zero outputs as dead', () => {
    const pre = [-2, -0.5, 0, 0.5, 3, -7];
    const post = pre.map((z) => Math.max(0, z));
    expect(tallyLayer(pre, post, SATURATION_REGIONS.relu)).toEqual({ units: 6, saturated: 4, zero: 4, nan: 0, inf: 0 });
  });

  it('counts both tails of sigmoid, inclusive of the threshold', () => {
    const pre = [-10, -5.99, -5.98, 0, 5.98, 5.99, 50];
    const post = pre.map((z) => 1 / (1 + Math.exp(-z)));
    expect(tallyLayer(pre, post, SATURATION_REGIONS.sigmoid)).toEqual({ units: 7, saturated: 4, zero: 0, nan: 0, inf: 0 });
  });

  it('counts only the negative tail for gelu, not the dip near its minimum', () => {
    const pre = [-4, -3.02, -3.01, -0.75, 0, 2];
    expect(tallyLayer(pre, pre.map(() => 0.1), SATURATION_REGIONS.gelu).saturated).toBe(2);
  });

  it('counts NaN and infinite units by kind, and keeps them out of the histogram', () => {
    const pre = [Number.NaN, 1, Infinity, -Infinity, 0.5, Number.MAX_VALUE * 2, 2];
    const post = [Number.NaN, Number.NaN, 1, -1, Infinity, Infinity, 0.5];
    const values = buckets([0, 1]);
    const tally = tallyLayer(pre, post, SATURATION_REGIONS.tanh, values);
    expect(tally).toEqual({ units: 7, saturated: 3, zero: 0, nan: 2, inf: 4 });
    // Finite outputs only: 1 (from +Inf in), -1 (from -Inf in), 0.5.
    expect(Array.from(values.counts)).toEqual([1, 2, 0]);
    expect(values.count).toBe(3);
    expect(values.sum).toBe(0.5);
  });

  it('puts each finite output in the first bucket whose bound is not below it', () => {
    const values = buckets([-1, 0, 0.5, 1]);
    const post = [-5, -1, -0.2, 0, 0, 0.3, 0.5, 0.9, 1, 7];
    const tally = tallyLayer(post, post, SATURATION_REGIONS.relu, values);
    expect(Array.from(values.counts)).toEqual([2, 3, 2, 2, 1]);
    expect(values.sum).toBeCloseTo(3.5, 12);
    expect(tally.zero).toBe(2);
  });
});

describe('padBounds', () => {
  it('sorts and pads with +Infinity to a power of two longer than the bounds', () => {
    expect(Array.from(padBounds([1, 0]))).toEqual([0, 1, Infinity, Infinity]);
    expect(padBounds(Array.from({ length: 16 }, (_, i) => i))).toHaveLength(32);
    expect(padBounds([5])).toHaveLength(2);
  });

  it('puts values in the same bucket a linear scan would, for any number of bounds', () => {
    for (let m = 1; m <= 20; m++) {
      const bounds = Array.from({ length: m }, (_, i) => i - m / 2);
      const values = buckets(bounds);
      const post = Array.from({ length: 200 }, (_, i) => (i - 100) / 8);
      tallyLayer(post, post, {}, values);
      const expected = new Array<number>(m + 1).fill(0);
      for (const v of post) { let b = 0; while (b < m && v > bounds[b]!) b++; expected[b]!++; }
      expect(Array.from(values.counts)).toEqual(expected);
    }
  });
});
