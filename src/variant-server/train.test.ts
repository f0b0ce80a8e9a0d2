import { describe, expect, it } from '@jest/globals';
import { DEFAULT_DATASET, generateDataset } from './dataset.ts';
import { accuracy } from './mlp.ts';
import { createRandom } from './random.ts';
import { initModel, train } from './train.ts';

const data = generateDataset({ ...DEFAULT_DATASET, rows: 400 });
const options = { epochs: 4, batchSize: 16, learningRate: 0.01, weightDecay: 1e-4 };

function trained(seed: number) {
  const random = createRandom(seed);
  const model = initModel('gelu', data.features, [16, 16], data.classes, random);
  const losses = train(model, data.train, options, random);
  return { model, losses };
}

describe('training', () => {
  it('is reproducible from its seed, weight for weight', () => {
    expect(trained(3).model).toEqual(trained(3).model);
    expect(trained(3).model).not.toEqual(trained(4).model);
  });

  it('lowers the loss and learns better than chance', () => {
    const { model, losses } = trained(3);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect(accuracy(model, data.train.inputs, data.train.labels)).toBeGreaterThan(0.4);
  });
});
