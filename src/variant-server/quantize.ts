/**
 * The int8 flavour of a reference model (QUANTIZATION=int8), as pure functions: post-training
 * quantization with one symmetric scale per tensor (Jacob et al. 2018, "Quantization and training of
 * neural networks for efficient integer-arithmetic-only inference", CVPR, §2, with the zero point 0 of
 * the symmetric scheme; Krishnamoorthi 2018, "Quantizing deep convolutional networks for efficient
 * inference: a whitepaper", §2.2):
 *
 *   q = clamp(round(x / s), −127, 127),   x ≈ s · q,   s = max|x| / 127
 *
 * - weights: s_W = max|W| / 127 of each layer's weight matrix (no data needed);
 * - activations: each dense layer's input gets s_x = max|x| / 127, the largest absolute value that
 *   input takes over the calibration set (the training split of models/dataset.csv run through the
 *   float model): max calibration, the simplest of the calibrators in the whitepaper;
 * - biases: int32 at scale s_x · s_W, as in Jacob et al. (the rounding is far below the int8 error).
 *
 * A dense layer then computes s_x · s_W · Σ q_x q_W + bias, which equals an int8 kernel with int32
 * accumulation up to float64 rounding (every q is an exact small integer); activations and the softmax
 * stay in float, as int8 runtimes dequantize before non-linear functions. The model carries its
 * quantization as dequantized weights (s_W · q_W) and the per-layer input scales that predict() applies.
 */
import { fakeQuantize, INT8_MAX } from './int8.ts';
import { predict, type DenseLayer, type Mlp } from './mlp.ts';

/** Symmetric per-tensor scale of `values`: max|v| / 127 (1 for an all-zero tensor, so nothing divides by 0). */
export function symmetricScale(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]!));
  return max === 0 ? 1 : max / INT8_MAX;
}

/**
 * The largest |input| of each dense layer (the raw features for the first, the previous hidden
 * layer's outputs after it) over `inputs` (rows × inputSize) through the float model, as scales / 127.
 */
export function calibrateInputScales(model: Mlp, inputs: Float64Array, rows: number): number[] {
  const maxima = new Array<number>(model.layers.length).fill(0);
  const track = (l: number, values: ArrayLike<number>) => {
    for (let i = 0; i < values.length; i++) maxima[l] = Math.max(maxima[l]!, Math.abs(values[i]!));
  };
  track(0, inputs);
  const index = new Map(model.layers.map((layer, l) => [layer.name, l]));
  predict(model, inputs, rows, (layer, _pre, post) => track(index.get(layer)! + 1, post));
  return maxima.map((m) => (m === 0 ? 1 : m / INT8_MAX));
}

/**
 * The int8 flavour of a float model: weights and biases quantized as above, `inputScales` (one per
 * layer, from calibrateInputScales, multiplied by FAULT_QUANT_SCALE when that fault is on) applied to
 * each layer's input by predict(). Throws when the scales do not fit the model.
 */
export function quantizeModel(model: Mlp, inputScales: readonly number[]): Mlp {
  if (inputScales.length !== model.layers.length || inputScales.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new Error(`quantizeModel: need ${model.layers.length} positive finite input scales, got [${inputScales.join(', ')}]`);
  }
  const layers = model.layers.map((layer, l): DenseLayer => {
    const weightScale = symmetricScale(layer.weights);
    const weights = Float64Array.from(layer.weights);
    fakeQuantize(weights, weightScale);
    const biasScale = inputScales[l]! * weightScale;
    const bias = layer.bias.map((b) => Math.round(b / biasScale) * biasScale);
    return { ...layer, weights, bias };
  });
  return { ...model, layers, inputScales: [...inputScales] };
}
