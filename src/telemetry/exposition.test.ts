import { describe, expect, it } from '@jest/globals';
import { parseExposition, sumSamples } from './exposition.ts';

const text = `# HELP x_total help
# TYPE x_total counter
x_total{variant="relu",code="200"} 7
x_total{variant="relu",code="500"} 2
x_total{variant="gelu",code="200"} 1
h_bucket{le="+Inf",variant="a\\"b"} 3
plain 1.5e-3
`;

describe('exposition parsing', () => {
  it('reads names, labels (with escapes) and values', () => {
    const samples = parseExposition(text);
    expect(samples).toHaveLength(5);
    expect(samples[3]).toEqual({ name: 'h_bucket', labels: { le: '+Inf', variant: 'a"b' }, value: 3 });
    expect(samples[4]).toEqual({ name: 'plain', labels: {}, value: 0.0015 });
  });

  it('sums the samples whose labels include the ones asked for', () => {
    const samples = parseExposition(text);
    expect(sumSamples(samples, 'x_total', { variant: 'relu' })).toBe(9);
    expect(sumSamples(samples, 'x_total', { code: '200' })).toBe(8);
    expect(sumSamples(samples, 'x_total', { variant: 'silu' })).toBe(0);
  });
});
