/**
 * A deliberately naive reference of the model, used only as a test oracle for the optimized path:
 * textbook formulas straight from their definitions (erf by its series and continued fraction, softmax
 * without the max shift), scalar loops over the nested arrays of the weights file as written.
 * It shares no code with activation-functions.ts or mlp.ts, so agreement means something.
 */

/** The parts of a weights file the reference reads, as they are in the JSON. */
export interface ReferenceWeights {
  activation: string;
  layers: { weights: number[][]; bias: number[] }[];
}

/**
 * erf by its textbook expansions: the Maclaurin series 2/√π Σ (-1)ⁿ x²ⁿ⁺¹ / (n! (2n+1)) for |x| < 2.5,
 * and beyond it Laplace's continued fraction for erfc (Abramowitz & Stegun 7.1.14), 80 terms deep.
 */
export function referenceErf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = 0;
    let factorial = 1;
    for (let n = 0; n < 60; n++) {
      if (n > 0) factorial *= n;
      sum += (Math.pow(-1, n) * Math.pow(x, 2 * n + 1)) / (factorial * (2 * n + 1));
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let fraction = ax;
  for (let k = 80; k >= 1; k--) fraction = ax + k / 2 / fraction;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * fraction);
  return x < 0 ? erfc - 1 : 1 - erfc;
}

/** One activation by its textbook definition. */
export function referenceActivation(name: string, z: number): number {
  const alpha = 1.6732632423543772;
  const lambda = 1.0507009873554805;
  if (name === 'relu') return Math.max(0, z);
  if (name === 'leaky_relu') return z >= 0 ? z : 0.01 * z;
  if (name === 'elu') return z >= 0 ? z : Math.exp(z) - 1;
  if (name === 'selu') return z >= 0 ? lambda * z : lambda * alpha * (Math.exp(z) - 1);
  if (name === 'gelu') return 0.5 * z * (1 + referenceErf(z / Math.sqrt(2)));
  if (name === 'gelu_tanh') return 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * Math.pow(z, 3))));
  if (name === 'silu') return z / (1 + Math.exp(-z));
  if (name === 'mish') return z * Math.tanh(Math.log(1 + Math.exp(z)));
  if (name === 'softplus') return Math.log(1 + Math.exp(z));
  if (name === 'sigmoid') return 1 / (1 + Math.exp(-z));
  if (name === 'tanh') return (Math.exp(z) - Math.exp(-z)) / (Math.exp(z) + Math.exp(-z));
  throw new Error(`reference: unknown activation ${name}`);
}

/** Class probabilities of one input row, layer by layer, one multiply-add at a time. */
export function referenceForward(weights: ReferenceWeights, input: number[]): number[] {
  let values = input;
  weights.layers.forEach((layer, l) => {
    const isOutput = l === weights.layers.length - 1;
    const next: number[] = [];
    for (let o = 0; o < layer.bias.length; o++) {
      let z = layer.bias[o]!;
      for (let i = 0; i < values.length; i++) z += layer.weights[o]![i]! * values[i]!;
      next.push(isOutput ? z : referenceActivation(weights.activation, z));
    }
    values = next;
  });
  const exps = values.map((v) => Math.exp(v));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
