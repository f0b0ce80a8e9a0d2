/**
 * The activation functions this project knows by name, and the one table that says where each one
 * saturates. A unit is saturated when its pre-activation input z lies in a tail where the activation's
 * derivative is near zero, so gradient and signal barely move: "near zero" means at most 1% of the
 * function's peak derivative. Both tails for sigmoid and tanh; the flat (negative) side for the
 * ReLU family and the smooth ReLU-likes. The thresholds were solved numerically from the derivatives
 * (see activations.test.ts, which re-derives them) and are documented in docs/metrics.md.
 */

/** Every activation variant, in the order docs and tables list them. */
export const ACTIVATION_NAMES = [
  'relu', 'leaky_relu', 'elu', 'selu', 'gelu', 'gelu_tanh', 'silu', 'mish', 'softplus', 'sigmoid', 'tanh',
] as const;

export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** True when the string names a known activation. */
export function isActivationName(name: string): name is ActivationName {
  return (ACTIVATION_NAMES as readonly string[]).includes(name);
}

/**
 * Where the pre-activation z counts as saturated: z <= below, or z >= above. A missing bound means the
 * activation never saturates on that side.
 */
export interface SaturationRegion {
  readonly below?: number;
  readonly above?: number;
}

/** The fraction of the peak derivative under which a unit counts as saturated. */
export const SATURATION_DERIVATIVE_FRACTION = 0.01;

/**
 * The thresholds, per activation. relu: f' is 0 for z <= 0. leaky_relu: f' is its slope 0.01 (1% of
 * peak) for z < 0, so its whole negative side counts, as for relu. The others: the z where |f'(z)|
 * falls to 1% of its peak, rounded to two decimals. GELU's derivative also crosses zero near its
 * minimum (z ≈ -0.75); that is a single point, not a flat region, so only the tail counts.
 */
export const SATURATION_REGIONS: Readonly<Record<ActivationName, SaturationRegion>> = {
  relu: { below: 0 },
  leaky_relu: { below: 0 },
  elu: { below: -4.61 },
  selu: { below: -4.61 },
  gelu: { below: -3.02 },
  gelu_tanh: { below: -3.01 },
  silu: { below: -6.14 },
  mish: { below: -6.16 },
  softplus: { below: -4.6 },
  sigmoid: { below: -5.99, above: 5.99 },
  tanh: { below: -2.99, above: 2.99 },
};
