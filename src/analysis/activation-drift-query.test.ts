import { describe, expect, it } from '@jest/globals';
import { VALUE_BUCKETS } from '../telemetry/activation-telemetry.ts';
import { activationDriftQuery, activationDriftSamplesQuery, bucketWidthsVector } from './activation-drift-query.ts';
import { renderQuery } from './render-query.ts';

// That Prometheus evaluates the query to wasserstein1() of the same buckets is checked in
// test/integration/activation-signals.test.ts.
const render = (template: string) => {
  const r = renderQuery(template, { namespace: 'ml', name: 'sentiment', role: 'canary', variant: 'gelu', window: '1m' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('the activationDrift query', () => {
  it('gives each finite bound but the last the width to the next one, keyed by le as the server writes it', () => {
    expect(bucketWidthsVector([1, -1, 0.5])).toBe(
      'label_replace(vector(1.5), "le", "-1", "", "") or label_replace(vector(0.5), "le", "0.5", "", "")');
    expect(bucketWidthsVector([-1, -0.99])).toBe('label_replace(vector(0.01), "le", "-1", "", "")');
  });

  it('has one width per bucket of the reference server but the last', () =>
    expect(activationDriftQuery().match(/label_replace\(vector/g)).toHaveLength(VALUE_BUCKETS.length - 1));

  it('refuses bounds it cannot turn into widths', () => {
    expect(() => bucketWidthsVector([1])).toThrow(/two finite, distinct bounds/);
    expect(() => bucketWidthsVector([1, 1, 2])).toThrow(/distinct/);
  });

  it('compares this role with stable, per layer, and takes the worst layer', () => {
    const q = render(activationDriftQuery());
    expect(q.startsWith('max(sum by (layer) (')).toBe(true);
    expect(q).toContain('activation_value_bucket{namespace="ml",model="sentiment",role="canary",variant="gelu"}[1m]');
    expect(q).toContain('activation_value_bucket{namespace="ml",model="sentiment",role="stable"}[1m]');
    expect(q).toContain(' - on (layer, le) ');
    // Prometheus 3 writes le="1.0": the trailing .0 is dropped before the widths are joined.
    expect(q).toContain('"le", "$1", "le", "(.*)\\\\.0")');
  });

  it('compares with the role\'s own reference histogram, read as it is (never a rate: it does not change), for activationDriftFromReference', () => {
    const q = render(activationDriftQuery('reference'));
    expect(q).toContain('rate(activation_value_bucket{namespace="ml",model="sentiment",role="canary",variant="gelu"}[1m])');
    expect(q).toContain(' - on (layer, le) (sum by (layer, le) (activation_reference_value_bucket{namespace="ml",model="sentiment",role="canary",variant="gelu"})');
    expect(q).not.toContain('role="stable"');
  });

  it('counts the units observed on the side with fewer', () =>
    expect(render(activationDriftSamplesQuery())).toBe(
      '(sum(increase(activation_units_observed_total{namespace="ml",model="sentiment",role="canary",variant="gelu"}[1m]))'
      + ' < sum(increase(activation_units_observed_total{namespace="ml",model="sentiment",role="stable"}[1m])))'
      + ' or sum(increase(activation_units_observed_total{namespace="ml",model="sentiment",role="stable"}[1m]))'));
});
