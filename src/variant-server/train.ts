/**
 * Training of the reference MLP: mini-batch backpropagation of softmax cross-entropy with Adam and a
 * cosine learning-rate decay, in plain loops over Float64Arrays (a few thousand weights, so seconds on
 * one core). Initialisation follows the activation (He for the ReLU family, LeCun for SELU, Glorot for
 * sigmoid and tanh) and every random draw comes from the seeded generator, so a seed fixes the weights.
 */
import type { ActivationName } from '../telemetry/activations.ts';
import { applyActivation, derivative } from './activation-functions.ts';
import type { Split } from './dataset.ts';
import { softmaxInto, type DenseLayer, type Mlp } from './mlp.ts';
import type { Random } from './random.ts';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty on weights (not biases), as decoupled weight decay. */
  weightDecay: number;
}

export const DEFAULT_TRAINING: TrainOptions = { epochs: 30, batchSize: 32, learningRate: 0.01, weightDecay: 1e-4 };

function initScale(activation: ActivationName, fanIn: number, fanOut: number, isOutput: boolean): number {
  if (isOutput || activation === 'sigmoid' || activation === 'tanh') return Math.sqrt(2 / (fanIn + fanOut));
  if (activation === 'selu') return Math.sqrt(1 / fanIn);
  return Math.sqrt(2 / fanIn);
}

/** A freshly initialised network: hidden widths as given, then the output layer. */
export function initModel(activation: ActivationName, inputSize: number, hidden: readonly number[], classes: number, random: Random): Mlp {
  const widths = [inputSize, ...hidden, classes];
  const layers: DenseLayer[] = [];
  for (let l = 1; l < widths.length; l++) {
    const inputs = widths[l - 1]!;
    const outputs = widths[l]!;
    const isOutput = l === widths.length - 1;
    const scale = initScale(activation, inputs, outputs, isOutput);
    const weights = new Float64Array(inputs * outputs).map(() => scale * random.gaussian());
    layers.push({ name: isOutput ? 'output' : `hidden${l}`, inputs, outputs, weights, bias: new Float64Array(outputs) });
  }
  return { activation, inputSize, classes, layers };
}

/** Per-layer scratch buffers of one training row, reused for every row. */
interface Scratch {
  pre: Float64Array[];
  post: Float64Array[];
  delta: Float64Array[];
  gradW: Float64Array[];
  gradB: Float64Array[];
}

/** Trains the model in place; returns the mean training loss of each epoch. */
export function train(model: Mlp, data: Split, options: TrainOptions, random: Random): number[] {
  const { layers } = model;
  const scratch: Scratch = {
    pre: layers.map((l) => new Float64Array(l.outputs)),
    post: layers.map((l) => new Float64Array(l.outputs)),
    delta: layers.map((l) => new Float64Array(l.outputs)),
    gradW: layers.map((l) => new Float64Array(l.weights.length)),
    gradB: layers.map((l) => new Float64Array(l.outputs)),
  };
  const adam = layers.map((l) => ({
    mW: new Float64Array(l.weights.length), vW: new Float64Array(l.weights.length),
    mB: new Float64Array(l.outputs), vB: new Float64Array(l.outputs),
  }));
  const inputs = data.inputs.map((row) => Float64Array.from(row));
  const order = data.inputs.map((_, i) => i);
  const totalSteps = options.epochs * Math.ceil(order.length / options.batchSize);
  const losses: number[] = [];
  let step = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    random.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      scratch.gradW.forEach((g) => g.fill(0));
      scratch.gradB.forEach((g) => g.fill(0));
      for (const index of batch) {
        const x = inputs[index]!;
        const label = data.labels[index]!;
        forwardRow(model, x, scratch);
        lossSum -= Math.log(Math.max(scratch.post[layers.length - 1]![label]!, 1e-300));
        backwardRow(model, x, label, scratch);
      }
      step++;
      const lr = 0.5 * options.learningRate * (1 + Math.cos((Math.PI * (step - 1)) / totalSteps));
      layers.forEach((layer, l) => {
        const state = adam[l]!;
        adamUpdate(layer.weights, scratch.gradW[l]!, state.mW, state.vW, step, lr, batch.length, options.weightDecay);
        adamUpdate(layer.bias, scratch.gradB[l]!, state.mB, state.vB, step, lr, batch.length, 0);
      });
    }
    losses.push(lossSum / order.length);
  }
  return losses;
}

/** Forward pass of one row, keeping every layer's pre-activation and output (softmax at the top). */
function forwardRow(model: Mlp, x: Float64Array, scratch: Scratch): void {
  const depth = model.layers.length;
  let input = x;
  for (let l = 0; l < depth; l++) {
    const layer = model.layers[l]!;
    const z = scratch.pre[l]!;
    const post = scratch.post[l]!;
    affine(layer.weights, layer.bias, layer.inputs, layer.outputs, input, z);
    if (l < depth - 1) applyActivation(model.activation, z, post);
    else softmaxInto(z, 0, layer.outputs, post);
    input = post;
  }
}

function affine(w: Float64Array, bias: Float64Array, nIn: number, nOut: number, input: Float64Array, z: Float64Array): void {
  for (let o = 0; o < nOut; o++) {
    let sum = bias[o]!;
    const base = o * nIn;
    for (let i = 0; i < nIn; i++) sum += input[i]! * w[base + i]!;
    z[o] = sum;
  }
}

/** Backward pass of one row: softmax cross-entropy gives p - onehot at the logits; gradients accumulate. */
function backwardRow(model: Mlp, x: Float64Array, label: number, scratch: Scratch): void {
  const depth = model.layers.length;
  const probabilities = scratch.post[depth - 1]!;
  const top = scratch.delta[depth - 1]!;
  for (let o = 0; o < top.length; o++) top[o] = probabilities[o]! - (o === label ? 1 : 0);
  for (let l = depth - 1; l >= 0; l--) {
    const layer = model.layers[l]!;
    const d = scratch.delta[l]!;
    accumulate(layer.inputs, layer.outputs, d, l > 0 ? scratch.post[l - 1]! : x, scratch.gradW[l]!, scratch.gradB[l]!);
    if (l > 0) {
      const prev = scratch.delta[l - 1]!;
      propagate(layer.weights, layer.inputs, layer.outputs, d, prev);
      const z = scratch.pre[l - 1]!;
      const a = scratch.post[l - 1]!;
      for (let i = 0; i < layer.inputs; i++) prev[i] = prev[i]! * derivative(model.activation, z[i]!, a[i]!);
    }
  }
}

function accumulate(nIn: number, nOut: number, d: Float64Array, below: Float64Array, gW: Float64Array, gB: Float64Array): void {
  for (let o = 0; o < nOut; o++) {
    const g = d[o]!;
    gB[o] = gB[o]! + g;
    const base = o * nIn;
    for (let i = 0; i < nIn; i++) gW[base + i] = gW[base + i]! + g * below[i]!;
  }
}

function propagate(w: Float64Array, nIn: number, nOut: number, d: Float64Array, prev: Float64Array): void {
  prev.fill(0);
  for (let o = 0; o < nOut; o++) {
    const g = d[o]!;
    const base = o * nIn;
    for (let i = 0; i < nIn; i++) prev[i] = prev[i]! + w[base + i]! * g;
  }
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

function adamUpdate(
  params: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array,
  step: number, lr: number, batchSize: number, weightDecay: number,
): void {
  const c1 = 1 - BETA1 ** step;
  const c2 = 1 - BETA2 ** step;
  for (let i = 0; i < params.length; i++) {
    const g = grad[i]! / batchSize;
    m[i] = BETA1 * m[i]! + (1 - BETA1) * g;
    v[i] = BETA2 * v[i]! + (1 - BETA2) * g * g;
    const update = (m[i]! / c1) / (Math.sqrt(v[i]! / c2) + EPSILON);
    params[i] = params[i]! - lr * (update + weightDecay * params[i]!);
  }
}
