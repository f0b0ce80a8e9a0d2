import { describe, expect, it } from '@jest/globals';
import { ACTIVATION_NAMES } from '../telemetry/activations.ts';
import { loadDataset } from './dataset.ts';
import { accuracy } from './mlp.ts';
import { createRandom } from './random.ts';
import { initModel } from './train.ts';
import { DEFAULT_MODEL_DIR, WEIGHTS_FORMAT, formatWeights, loadWeights, parseWeights, roundModel } from './weights.ts';

const data = loadDataset(`${DEFAULT_MODEL_DIR}/dataset.csv`);

describe('weights files', () => {
  it.each(ACTIVATION_NAMES)('the shipped %s weights load and score the accuracy they record', (name) => {
    const { model, heldOutAccuracy } = loadWeights(DEFAULT_MODEL_DIR, name);
    expect(model.activation).toBe(name);
    expect(model.layers.map((l) => l.name)).toEqual(['hidden1', 'hidden2', 'hidden3', 'output']);
    expect(accuracy(model, data.heldOut.inputs, data.heldOut.labels)).toBe(heldOutAccuracy);
    expect(heldOutAccuracy).toBeGreaterThan(0.9);
  });

  it('round-trip through the file format', () => {
    const model = initModel('silu', 3, [4, 2], 2, createRandom(5));
    roundModel(model);
    const back = parseWeights(JSON.parse(formatWeights(model, { heldOutAccuracy: 0.5, training: { seed: 5 } })));
    expect(back.model).toEqual(model);
    expect(back.heldOutAccuracy).toBe(0.5);
  });

  const layer = (name: string, inputs: number, outputs: number) => ({
    name, inputs, outputs, bias: Array(outputs).fill(0), weights: Array.from({ length: outputs }, () => Array(inputs).fill(0.1)),
  });
  const file = (layers: unknown[], extra: object = {}) =>
    ({ format: WEIGHTS_FORMAT, activation: 'relu', inputSize: 2, classes: 2, layers, ...extra });

  it.each([
    ['an unknown activation', file([layer('hidden1', 2, 3), layer('output', 3, 2)], { activation: 'swish2' }), 'unknown activation'],
    ['layers that do not chain', file([layer('hidden1', 2, 3), layer('output', 4, 2)]), 'takes 4 inputs, the layer below gives 3'],
    ['a misnamed layer', file([layer('h1', 2, 3), layer('output', 3, 2)]), 'should be named hidden1'],
    ['the wrong number of classes', file([layer('hidden1', 2, 3), layer('output', 3, 5)]), 'gives 5 values for 2 classes'],
  ])('rejects %s', (_what, json, message) => {
    expect(() => parseWeights(json)).toThrow(message);
  });

  it('rejects non-finite weights', () => {
    const bad = layer('hidden1', 2, 3);
    bad.weights[0]![0] = Number.NaN;
    expect(() => parseWeights(file([bad, layer('output', 3, 2)]))).toThrow();
  });
});
