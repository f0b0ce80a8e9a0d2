import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ACTIVATION_NAMES } from '../telemetry/activations.ts';
import { loadDataset } from './dataset.ts';
import { predict, softmaxInto, toMatrix } from './mlp.ts';
import { referenceForward, type ReferenceWeights } from './reference-mlp.ts';
import { DEFAULT_MODEL_DIR, loadWeights, weightsPath } from './weights.ts';

const data = loadDataset(`${DEFAULT_MODEL_DIR}/dataset.csv`);
const rows = data.heldOut.inputs.slice(0, 60);
// Inputs far outside the training range push units into the tails where formulas differ most.
const wide = rows.slice(0, 20).map((row, r) => row.map((v) => v * (2 + (r % 4) * 3)));

describe('the optimized forward pass', () => {
  it.each(ACTIVATION_NAMES)('agrees with the naive reference for %s, on held-out and scaled-up inputs', (name) => {
    const raw = JSON.parse(readFileSync(weightsPath(DEFAULT_MODEL_DIR, name), 'utf8')) as ReferenceWeights;
    const { model } = loadWeights(DEFAULT_MODEL_DIR, name);
    const inputs = [...rows, ...wide];
    const { probabilities, nonfinite } = predict(model, toMatrix(inputs, model.inputSize), inputs.length);
    expect(nonfinite).toBe(0);
    let worst = 0;
    inputs.forEach((input, r) => {
      referenceForward(raw, input).forEach((p, k) => {
        worst = Math.max(worst, Math.abs(probabilities[r * model.classes + k]! - p));
      });
    });
    expect(worst).toBeLessThan(1e-6);
  });

  it('shows each hidden layer, pre-activation and output, to the observer once per batch', () => {
    const { model } = loadWeights(DEFAULT_MODEL_DIR, 'relu');
    const seen: string[] = [];
    predict(model, toMatrix(rows.slice(0, 3), model.inputSize), 3, (layer, pre, post, count) => {
      seen.push(`${layer}:${pre.length}:${post.length}:${count}`);
      pre.forEach((z, i) => expect(post[i]).toBe(z > 0 ? z : 0));
    });
    expect(seen).toEqual(['hidden1:96:96:3', 'hidden2:96:96:3', 'hidden3:96:96:3']);
  });
});

describe('softmax', () => {
  const softmax = (logits: number[]) => {
    const out = new Float64Array(logits.length);
    const finite = softmaxInto(Float64Array.from(logits), 0, logits.length, out);
    return { finite, p: Array.from(out) };
  };

  it('does not overflow on huge logits', () => {
    expect(softmax([1000, 1000, -1000])).toEqual({ finite: true, p: [0.5, 0.5, 0] });
    expect(softmax([-1e308, -1e308]).p).toEqual([0.5, 0.5]);
    expect(softmax([1e308, -1e308]).p).toEqual([1, 0]);
  });

  it('splits the mass between infinite logits as the limit does', () => {
    expect(softmax([Infinity, 3, Infinity]).p).toEqual([0.5, 0, 0.5]);
    expect(softmax([-Infinity, -Infinity]).p).toEqual([0.5, 0.5]);
  });

  it('reports a NaN logit as a non-finite row, and predict gives it no class', () => {
    expect(softmax([1, Number.NaN, 2]).finite).toBe(false);
    const { model } = loadWeights(DEFAULT_MODEL_DIR, 'tanh');
    const input = toMatrix([rows[0]!, rows[1]!.map(() => Number.NaN)], model.inputSize);
    const prediction = predict(model, input, 2);
    expect(prediction.classes[1]).toBeNull();
    expect(prediction.classes[0]).toEqual(expect.any(Number));
    expect(prediction.nonfinite).toBe(1);
  });
});
