import { describe, expect, it } from '@jest/globals';
import { ACTIVATION_NAMES } from '../telemetry/activations.ts';
import { activate, applyActivation, derivative, erfc } from './activation-functions.ts';
import { referenceActivation, referenceErf } from './reference-mlp.ts';

const grid = Array.from({ length: 1201 }, (_, i) => -30 + i * 0.05);
const close = (actual: number, expected: number, rel: number, abs: number) =>
  Math.abs(actual - expected) <= abs + rel * Math.abs(expected);

describe('activation functions', () => {
  it.each(ACTIVATION_NAMES)('%s matches the textbook definition from -30 to 30', (name) => {
    const z = Float64Array.from(grid);
    const out = new Float64Array(z.length);
    applyActivation(name, z, out);
    const misses = grid.filter((v, i) => {
      const expected = referenceActivation(name, v);
      return !close(out[i]!, expected, 1e-6, 1e-8) || !close(activate(name, v), expected, 1e-6, 1e-8);
    });
    expect(misses).toEqual([]);
  });

  it.each(ACTIVATION_NAMES)('%s stays finite for any finite input, however large', (name) => {
    const extremes = [-Number.MAX_VALUE, -1e300, -1e5, -800, -710, 710, 800, 1e5, 1e300];
    for (const v of extremes) expect(Number.isFinite(activate(name, v))).toBe(true);
  });

  it.each(ACTIVATION_NAMES)('%s propagates NaN instead of hiding it', (name) => {
    const out = new Float64Array(1);
    applyActivation(name, Float64Array.of(Number.NaN), out);
    expect(out[0]).toBeNaN();
    expect(activate(name, Number.NaN)).toBeNaN();
  });

  it('keeps the asymptotes where naive formulas would overflow', () => {
    expect(activate('sigmoid', -1000)).toBe(0);
    expect(activate('sigmoid', 1000)).toBe(1);
    expect(activate('softplus', 1000)).toBe(1000);
    expect(activate('mish', 1000)).toBe(1000);
    expect(activate('silu', -1000)).toBeCloseTo(0, 300);
    expect(activate('gelu_tanh', 1e200)).toBe(1e200);
    expect(activate('elu', -1e300)).toBe(-1);
  });

  it.each(ACTIVATION_NAMES)("%s's derivative matches a central difference of the definition", (name) => {
    const h = 1e-5;
    for (const z of [-7, -3.3, -1, -0.4, 0.3, 1.2, 4, 8]) {
      const numeric = (referenceActivation(name, z + h) - referenceActivation(name, z - h)) / (2 * h);
      expect(close(derivative(name, z, activate(name, z)), numeric, 1e-4, 1e-6)).toBe(true);
    }
  });

  it('approximates erfc to 1.2e-7 relative, tails included', () => {
    for (const x of [-3, -1, -0.2, 0, 0.5, 1, 2, 3, 4, 5]) {
      const expected = 1 - referenceErf(x);
      expect(close(erfc(x), expected, 1.3e-7, 1e-12)).toBe(true);
    }
  });
});
