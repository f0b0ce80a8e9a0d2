/**
 * Fault knobs that change the model itself, applied once when the server loads it (pure: each returns
 * a new Mlp and leaves the loaded one alone):
 * - FAULT_ACTIVATION_SHIFT adds a constant to every hidden unit's pre-activation (a drifted bias, as a
 *   corrupted checkpoint or a badly folded normalization layer gives): the activation histograms move.
 * - FAULT_LOGIT_SCALE multiplies the logits before the softmax (an inverse temperature, the opposite of
 *   Guo et al.'s temperature scaling): above 1 the probabilities become over-confident, below 1
 *   under-confident, and the predicted classes, hence accuracy, do not change at all.
 */
import type { DenseLayer, Mlp } from './mlp.ts';

const mapLayers = (model: Mlp, f: (layer: DenseLayer, l: number, last: boolean) => DenseLayer): Mlp =>
  ({ ...model, layers: model.layers.map((layer, l) => f(layer, l, l === model.layers.length - 1)) });

/** Adds `shift` to the bias of every hidden layer, i.e. to every hidden pre-activation. */
export function shiftHiddenActivations(model: Mlp, shift: number): Mlp {
  if (shift === 0) return model;
  return mapLayers(model, (layer, _l, last) => (last ? layer : { ...layer, bias: layer.bias.map((b) => b + shift) }));
}

/** Multiplies the output layer's weights and bias by `scale`, i.e. every logit. */
export function scaleLogits(model: Mlp, scale: number): Mlp {
  if (scale === 1) return model;
  return mapLayers(model, (layer, _l, last) => (last ? { ...layer, weights: layer.weights.map((w) => w * scale), bias: layer.bias.map((b) => b * scale) } : layer));
}
