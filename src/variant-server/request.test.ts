import { describe, expect, it } from '@jest/globals';
import { parsePredictRequest } from './request.ts';

const limits = { inputSize: 3, classes: 4, maxBatch: 2 };

describe('predict request validation', () => {
  it('accepts a batch with labels, nulls for unlabelled rows', () => {
    const result = parsePredictRequest({ inputs: [[1, 2, 3], [4, 5, 6]], labels: [3, null] }, limits);
    expect(result).toEqual({ ok: true, request: { rows: 2, inputs: Float64Array.from([1, 2, 3, 4, 5, 6]), labels: [3, null] } });
  });

  it('accepts a batch without labels', () => {
    expect(parsePredictRequest({ inputs: [[0, 0, 0]] }, limits)).toEqual({ ok: true, request: { rows: 1, inputs: new Float64Array(3) } });
  });

  it.each([
    ['a non-object body', [1, 2, 3], 'body must be a JSON object with "inputs"'],
    ['missing inputs', { rows: [] }, '"inputs" must be an array of rows'],
    ['an empty batch', { inputs: [] }, '"inputs" is empty'],
    ['an oversized batch', { inputs: [[1, 2, 3], [1, 2, 3], [1, 2, 3]] }, 'batch of 3 rows exceeds the maximum of 2'],
    ['a row that is not an array', { inputs: [{ a: 1 }] }, 'inputs[0] must be an array of 3 numbers'],
    ['a short row', { inputs: [[1, 2, 3], [1, 2]] }, 'inputs[1] has 2 values, expected 3'],
    ['a string', { inputs: [[1, '2', 3]] }, 'inputs[0][1] is not a finite number'],
    ['a null', { inputs: [[1, 2, null]] }, 'inputs[0][2] is not a finite number'],
    ['labels that are not an array', { inputs: [[1, 2, 3]], labels: 2 }, '"labels" must be an array'],
    ['too few labels', { inputs: [[1, 2, 3], [1, 2, 3]], labels: [1] }, '"labels" has 1 entries for 2 rows'],
    ['a label out of range', { inputs: [[1, 2, 3]], labels: [4] }, 'labels[0] must be a class from 0 to 3'],
    ['a fractional label', { inputs: [[1, 2, 3]], labels: [1.5] }, 'labels[0] must be a class from 0 to 3'],
  ])('rejects %s with a message saying where', (_what, body, message) => {
    const result = parsePredictRequest(body, limits);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(message);
  });
});
