import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DEFAULT_DATASET, datasetToCsv, generateDataset, parseDatasetCsv } from './dataset.ts';
import { DEFAULT_MODEL_DIR } from './weights.ts';

describe('the data set', () => {
  it('is reproduced byte for byte from its seed', () => {
    const shipped = readFileSync(`${DEFAULT_MODEL_DIR}/dataset.csv`, 'utf8');
    expect(datasetToCsv(generateDataset(DEFAULT_DATASET))).toBe(shipped);
  });

  it('has balanced classes and a held-out quarter', () => {
    const data = generateDataset(DEFAULT_DATASET);
    expect(data.heldOut.labels).toHaveLength(1000);
    expect(data.train.labels).toHaveLength(3000);
    const counts = [0, 1, 2, 3].map((k) => data.heldOut.labels.filter((l) => l === k).length);
    counts.forEach((c) => expect(c).toBeGreaterThan(200));
  });

  it('round-trips through CSV', () => {
    const data = generateDataset({ ...DEFAULT_DATASET, rows: 40 });
    expect(parseDatasetCsv(datasetToCsv(data))).toEqual(data);
  });

  it('says which line of a broken file is wrong', () => {
    expect(() => parseDatasetCsv('split,label,f0\ntrain,1,0.5\ntrain,x,1\n')).toThrow('malformed line 3');
    expect(() => parseDatasetCsv('split,label,f0\ntest,1,0.5\n')).toThrow('unknown split "test" on line 2');
    expect(() => parseDatasetCsv('a,b\n')).toThrow('bad CSV header');
  });
});
