import { describe, expect, it } from '@jest/globals';
import { createSampler } from './sampler.ts';

const picks = (rate: number, n: number) => Array.from({ length: n }, () => 0).map(function (this: ReturnType<typeof createSampler>) {
  return this.next();
}, createSampler(rate));

describe('the request sampler', () => {
  it.each([[0.1, 1000, 100], [0.25, 40, 10], [0.3, 1000, 300], [0, 50, 0], [1, 50, 50], [0.07, 1000, 70]])(
    'at rate %d picks exactly the fraction asked over %d requests (%d)', (rate, n, expected) => {
      expect(picks(rate, n).filter(Boolean)).toHaveLength(expected);
    });

  it('spreads its picks evenly instead of bunching them', () => {
    const chosen = picks(0.1, 50).flatMap((picked, i) => (picked ? [i] : []));
    expect(chosen).toEqual([9, 19, 29, 39, 49]);
  });

  it.each([-0.1, 1.5, Number.NaN])('rejects the rate %d', (rate) => {
    expect(() => createSampler(rate)).toThrow('between 0 and 1');
  });
});
