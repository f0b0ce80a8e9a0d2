import { describe, expect, it } from '@jest/globals';
import { activate, derivative } from '../variant-server/activation-functions.ts';
import { ACTIVATION_NAMES, SATURATION_DERIVATIVE_FRACTION, SATURATION_REGIONS, isActivationName } from './activations.ts';

const slope = (name: (typeof ACTIVATION_NAMES)[number], z: number) => Math.abs(derivative(name, z, activate(name, z)));

describe('the saturation table', () => {
  it.each(ACTIVATION_NAMES)('marks where the derivative of %s is at most 1%% of its peak', (name) => {
    let peak = 0;
    for (let z = -20; z <= 20; z += 0.002) peak = Math.max(peak, slope(name, z));
    const limit = SATURATION_DERIVATIVE_FRACTION * peak * 1.05;
    const { below, above } = SATURATION_REGIONS[name];
    expect(below).toBeDefined();
    for (let z = below! - 30; z <= below!; z += 0.01) expect(slope(name, z)).toBeLessThanOrEqual(limit);
    // Just inside the region's edge the activation is no longer flat.
    expect(slope(name, below! + 0.1)).toBeGreaterThan(SATURATION_DERIVATIVE_FRACTION * peak);
    if (above !== undefined) {
      for (let z = above; z <= above + 30; z += 0.01) expect(slope(name, z)).toBeLessThanOrEqual(limit);
      expect(slope(name, above - 0.1)).toBeGreaterThan(SATURATION_DERIVATIVE_FRACTION * peak);
    }
  });

  it('knows exactly the eleven variants', () => {
    expect(ACTIVATION_NAMES).toHaveLength(11);
    expect(isActivationName('gelu_tanh')).toBe(true);
    expect(isActivationName('swish')).toBe(false);
  });
});
