/**
 * The optimized activation functions of the served model, applied to a whole layer at once, and their
 * derivatives for training. Numerically careful for any finite input: sigmoid and softplus never call
 * exp on a large positive number, elu/selu use expm1 near zero, and GELU uses an erfc approximation
 * with relative error under 1.2e-7 over the whole line, so tails stay accurate instead of cancelling.
 * NaN propagates through every activation (ReLU included, as in PyTorch), so a poisoned row shows up
 * in telemetry and at the output instead of being silently zeroed.
 */
import type { ActivationName } from '../telemetry/activations.ts';

export const LEAKY_RELU_SLOPE = 0.01;
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_COEFF = 0.044715;
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Logistic function, without exp overflow on either side. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z), exact for large |z| (no overflow, no underflow to a wrong zero). */
export function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const poly = -ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * INV_SQRT_2);
}

/** One activation applied to one number; the vectorized path below inlines the same formulas. */
export function activate(name: ActivationName, z: number): number {
  switch (name) {
    case 'relu': return z < 0 ? 0 : z;
    case 'leaky_relu': return z < 0 ? LEAKY_RELU_SLOPE * z : z;
    case 'elu': return z > 0 ? z : Math.expm1(z);
    case 'selu': return SELU_SCALE * (z > 0 ? z : SELU_ALPHA * Math.expm1(z));
    case 'gelu': return z * normalCdf(z);
    case 'gelu_tanh': return geluTanh(z);
    case 'silu': return z * sigmoid(z);
    case 'mish': return z * Math.tanh(softplus(z));
    case 'softplus': return softplus(z);
    case 'sigmoid': return sigmoid(z);
    case 'tanh': return Math.tanh(z);
  }
}

function geluTanh(z: number): number {
  // For |z| beyond ~1e102, z^3 is infinite and tanh(±Inf) = ±1, which is still the right limit.
  return 0.5 * z * (1 + Math.tanh(SQRT_2_OVER_PI * (z + GELU_TANH_COEFF * z * z * z)));
}

/**
 * Applies the activation to z[0..n) into out[0..n). One loop per activation keeps each call site
 * monomorphic, which is what lets V8 inline the scalar formula.
 */
export function applyActivation(name: ActivationName, z: Float64Array, out: Float64Array, n = z.length): void {
  switch (name) {
    case 'relu': for (let i = 0; i < n; i++) { const v = z[i]!; out[i] = v < 0 ? 0 : v; } return;
    case 'leaky_relu': for (let i = 0; i < n; i++) { const v = z[i]!; out[i] = v < 0 ? LEAKY_RELU_SLOPE * v : v; } return;
    case 'elu': for (let i = 0; i < n; i++) { const v = z[i]!; out[i] = v > 0 ? v : Math.expm1(v); } return;
    case 'selu': for (let i = 0; i < n; i++) { const v = z[i]!; out[i] = SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v)); } return;
    case 'gelu': for (let i = 0; i < n; i++) { const v = z[i]!; out[i] = v * normalCdf(v); } return;
    case 'gelu_tanh': for (let i = 0; i < n; i++) out[i] = geluTanh(z[i]!); return;
    case 'silu': for (let i = 0; i < n; i++) { const v = z[i]!; out[i] = v * sigmoid(v); } return;
    case 'mish': for (let i = 0; i < n; i++) { const v = z[i]!; out[i] = v * Math.tanh(softplus(v)); } return;
    case 'softplus': for (let i = 0; i < n; i++) out[i] = softplus(z[i]!); return;
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = sigmoid(z[i]!); return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(z[i]!); return;
  }
}

/** f'(z), given z and a = f(z), for backpropagation during training. */
export function derivative(name: ActivationName, z: number, a: number): number {
  switch (name) {
    case 'relu': return z > 0 ? 1 : 0;
    case 'leaky_relu': return z > 0 ? 1 : LEAKY_RELU_SLOPE;
    case 'elu': return z > 0 ? 1 : a + 1;
    case 'selu': return z > 0 ? SELU_SCALE : a + SELU_SCALE * SELU_ALPHA;
    case 'gelu': return normalCdf(z) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    case 'gelu_tanh': {
      const t = Math.tanh(SQRT_2_OVER_PI * (z + GELU_TANH_COEFF * z * z * z));
      return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_COEFF * z * z);
    }
    case 'silu': { const s = sigmoid(z); return s * (1 + z * (1 - s)); }
    case 'mish': { const t = Math.tanh(softplus(z)); return t + z * (1 - t * t) * sigmoid(z); }
    case 'softplus': return sigmoid(z);
    case 'sigmoid': return a * (1 - a);
    case 'tanh': return 1 - a * a;
  }
}
