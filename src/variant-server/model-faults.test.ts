import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { loadDataset } from './dataset.ts';
import { predict, toMatrix } from './mlp.ts';
import { scaleLogits, shiftHiddenActivations } from './model-faults.ts';
import { DEFAULT_MODEL_DIR, loadWeights } from './weights.ts';

const data = loadDataset(join(DEFAULT_MODEL_DIR, 'dataset.csv'));
const rows = 50;
const inputs = toMatrix(data.heldOut.inputs.slice(0, rows), data.features);
const { model } = loadWeights(DEFAULT_MODEL_DIR, 'gelu');

describe('model fault knobs', () => {
  it('FAULT_ACTIVATION_SHIFT adds the shift to the first hidden layer\'s pre-activations and leaves the loaded model alone', () => {
    const pre = new Map<string, Float64Array>();
    const shiftedPre = new Map<string, Float64Array>();
    predict(model, inputs, rows, (layer, p) => pre.set(layer, p));
    predict(shiftHiddenActivations(model, 0.5), inputs, rows, (layer, p) => shiftedPre.set(layer, p));
    shiftedPre.get('hidden1')!.forEach((v, i) => expect(v - pre.get('hidden1')![i]!).toBeCloseTo(0.5, 12));
    expect(shiftHiddenActivations(model, 0)).toBe(model);
    expect(model.layers[0]!.bias).toEqual(loadWeights(DEFAULT_MODEL_DIR, 'gelu').model.layers[0]!.bias);
  });

  it('FAULT_LOGIT_SCALE above 1 makes every row more confident without changing a single predicted class', () => {
    const healthy = predict(model, inputs, rows);
    const confident = predict(scaleLogits(model, 10), inputs, rows);
    expect(confident.classes).toEqual(healthy.classes);
    const top = (p: Float64Array, r: number) => Math.max(...p.subarray(r * 4, r * 4 + 4));
    for (let r = 0; r < rows; r++) expect(top(confident.probabilities, r)).toBeGreaterThanOrEqual(top(healthy.probabilities, r));
    expect(scaleLogits(model, 1)).toBe(model);
  });
});
