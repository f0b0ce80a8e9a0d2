import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { ACTIVATION_NAMES } from '../telemetry/activations.ts';
import { loadDataset } from './dataset.ts';
import { fakeQuantize, quantizeValue } from './int8.ts';
import { accuracy, predict, toMatrix, type Mlp } from './mlp.ts';
import { calibrateInputScales, quantizeModel, symmetricScale } from './quantize.ts';
import { DEFAULT_MODEL_DIR, loadWeights } from './weights.ts';

const data = loadDataset(join(DEFAULT_MODEL_DIR, 'dataset.csv'));
const train = toMatrix(data.train.inputs, data.features);
const int8 = (model: Mlp, factor = 1) =>
  quantizeModel(model, calibrateInputScales(model, train, data.train.inputs.length).map((s) => s * factor));

describe('int8 quantization, one symmetric scale per tensor', () => {
  it('maps the largest magnitude to ±127: a tensor of [-2, 1] has scale 2/127, and 1 becomes 64', () => {
    const s = symmetricScale([-2, 1]);
    expect(s).toBe(2 / 127);
    expect(quantizeValue(-2, s)).toBe(-127);
    expect(quantizeValue(1, s)).toBe(64); // 63.5 rounds half up
    expect(quantizeValue(5, s)).toBe(127); // clipped
    expect(quantizeValue(Number.NaN, s)).toBeNaN();
    expect(symmetricScale([0, 0])).toBe(1);
  });

  it('dequantizes onto the grid: every value a whole multiple of the scale, off by at most half a step', () => {
    const values = Float64Array.from([0.3, -1.27, 0.011, 1.27]);
    const s = symmetricScale(values);
    const q = Float64Array.from(values);
    fakeQuantize(q, s);
    q.forEach((v, i) => {
      expect(Math.abs(Math.round(v / s) - v / s)).toBeLessThan(1e-9);
      expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(s / 2 + 1e-15);
    });
  });

  it('calibrates each layer input on the data: the first scale is the largest |feature| of the training split / 127', () => {
    const { model } = loadWeights(DEFAULT_MODEL_DIR, 'relu');
    const scales = calibrateInputScales(model, train, data.train.inputs.length);
    expect(scales).toHaveLength(model.layers.length);
    expect(scales[0]).toBeCloseTo(Math.max(...data.train.inputs.flat().map(Math.abs)) / 127, 12);
    expect(scales.every((s) => s > 0)).toBe(true);
  });

  it('puts every weight of the int8 flavour on its layer\'s grid with at most 255 levels', () => {
    const quantized = int8(loadWeights(DEFAULT_MODEL_DIR, 'gelu').model);
    for (const layer of quantized.layers) {
      const s = symmetricScale(layer.weights);
      const levels = new Set(Array.from(layer.weights, (w) => Math.round(w / s)));
      expect(Math.max(...[...levels].map(Math.abs))).toBe(127);
      expect(levels.size).toBeLessThanOrEqual(255);
    }
    expect(quantized.inputScales).toHaveLength(quantized.layers.length);
  });

  it.each(ACTIVATION_NAMES)('keeps %s within 0.01 of the float accuracy on the held-out split', (activation) => {
    const { model } = loadWeights(DEFAULT_MODEL_DIR, activation);
    const float = accuracy(model, data.heldOut.inputs, data.heldOut.labels);
    expect(Math.abs(accuracy(int8(model), data.heldOut.inputs, data.heldOut.labels) - float)).toBeLessThanOrEqual(0.01);
  });

  it('loses most of the accuracy with a bad scale: a tenth of the calibrated one clips the activations', () => {
    const { model } = loadWeights(DEFAULT_MODEL_DIR, 'relu');
    expect(accuracy(int8(model, 0.1), data.heldOut.inputs, data.heldOut.labels)).toBeLessThan(0.5);
  });

  it('refuses scales that do not fit the model', () => {
    const { model } = loadWeights(DEFAULT_MODEL_DIR, 'relu');
    expect(() => quantizeModel(model, [1])).toThrow(/need 4 positive finite input scales/);
    expect(() => quantizeModel(model, [1, 0, 1, 1])).toThrow(/positive/);
  });

  it('lets NaN inputs flow through as NaN, so they are still reported as non-finite', () => {
    const quantized = int8(loadWeights(DEFAULT_MODEL_DIR, 'relu').model);
    const input = new Float64Array(12).fill(Number.NaN);
    expect(predict(quantized, input, 1).nonfinite).toBe(1);
  });
});
