import { describe, expect, it } from '@jest/globals';
import { BUILTIN_SLIS, DEFAULT_BURN_RATE_QUERIES, isBuiltinSli } from './builtins.ts';
import { renderQuery } from './render-query.ts';

// That Prometheus parses every one of these is checked in test/integration/prometheus-client.test.ts.
const vars = { namespace: 'ml', name: 'sentiment', role: 'canary', variant: 'gelu', window: '2m' } as const;
const render = (template: string): string => {
  const r = renderQuery(template, vars);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('built-in SLIs', () => {
  it('knows exactly the built-ins of docs/api.md', () =>
    expect(Object.keys(BUILTIN_SLIS).sort()).toEqual([
      'accuracy', 'activationDrift', 'activationDriftFromReference', 'activationSaturation', 'calibrationError', 'deadUnits', 'errorRate', 'latencyP95',
      'memoryFootprint', 'nonFinite', 'quantizationDelta',
    ]));

  it('marks the built-ins that compare the role with stable inside their own query', () =>
    expect(Object.entries(BUILTIN_SLIS).filter(([, s]) => 'comparesWithStable' in s).map(([n]) => n)).toEqual(['activationDrift', 'quantizationDelta']));

  it.each(Object.entries(BUILTIN_SLIS))('%s selects one role of one variant of one model (and stable\'s side when it compares), over the window', (name, sli) => {
    for (const query of [render(sli.query), render(sli.samplesQuery)]) {
      const selectors = query.match(/\{[^}]*\}/g) ?? [];
      expect(selectors.length).toBeGreaterThan(0);
      const role = selectors.filter((s) => s.includes('namespace="ml",model="sentiment",role="canary",variant="gelu"'));
      const stable = selectors.filter((s) => s.includes('namespace="ml",model="sentiment",role="stable"'));
      expect(role.length).toBeGreaterThan(0);
      expect(role.length + stable.length).toBe(selectors.length);
      expect(stable.length > 0).toBe('comparesWithStable' in BUILTIN_SLIS[name as keyof typeof BUILTIN_SLIS]);
      expect(query).toContain('[2m]');
      expect(query).not.toContain('{{');
    }
  });

  it('computes the quantization delta as stable\'s accuracy minus this role\'s', () =>
    expect(render(BUILTIN_SLIS.quantizationDelta.query)).toBe(
      '(sum(rate(inference_correct_predictions_total{namespace="ml",model="sentiment",role="stable"}[2m]))'
      + ' / sum(rate(inference_labelled_predictions_total{namespace="ml",model="sentiment",role="stable"}[2m])))'
      + ' - (sum(rate(inference_correct_predictions_total{namespace="ml",model="sentiment",role="canary",variant="gelu"}[2m]))'
      + ' / sum(rate(inference_labelled_predictions_total{namespace="ml",model="sentiment",role="canary",variant="gelu"}[2m])))'));

  it('computes the calibration error as Σ per bin |correct − confidence sum| over labelled predictions', () =>
    expect(render(BUILTIN_SLIS.calibrationError.query)).toMatch(
      /^sum\(abs\(sum by \(bin\) \(rate\(inference_calibration_correct_total\{.*\}\[2m\]\)\) - sum by \(bin\) \(rate\(inference_calibration_confidence_total\{.*\}\[2m\]\)\)\)\) \/ sum\(rate\(inference_calibration_predictions_total\{.*\}\[2m\]\)\)$/));

  it('takes the memory footprint of the role\'s largest pod over the window', () =>
    expect(render(BUILTIN_SLIS.memoryFootprint.query)).toBe(
      'max(max_over_time(process_resident_memory_bytes{namespace="ml",model="sentiment",role="canary",variant="gelu"}[2m]))'));

  it('computes the saturation as saturated over observed units', () =>
    expect(render(BUILTIN_SLIS.activationSaturation.query)).toBe(
      '(sum(rate(activation_saturated_units_total{namespace="ml",model="sentiment",role="canary",variant="gelu"}[2m])) or vector(0))'
      + ' / sum(rate(activation_units_observed_total{namespace="ml",model="sentiment",role="canary",variant="gelu"}[2m]))'));

  it('computes p95 latency from the histogram buckets summed by le', () =>
    expect(render(BUILTIN_SLIS.latencyP95.query)).toMatch(/^histogram_quantile\(0\.95, sum by \(le\) \(rate\(inference_request_duration_seconds_bucket\{.*\}\[2m\]\)\)\)$/));

  it('counts only 5xx responses as errors', () => expect(render(BUILTIN_SLIS.errorRate.query)).toContain(',code=~"5.."}'));

  it('does not turn a missing accuracy numerator into zero', () => expect(BUILTIN_SLIS.accuracy.query).not.toContain('vector(0)'));

  it('judges accuracy as lower-is-worse and the rest as higher-is-worse', () =>
    expect(Object.entries(BUILTIN_SLIS).filter(([, s]) => s.direction === 'lowerIsWorse').map(([n]) => n)).toEqual(['accuracy']));

  it.each([['accuracy', true], ['latencyP95', true], ['toString', false], ['p99', false]])('isBuiltinSli(%j) is %s', (name, known) =>
    expect(isBuiltinSli(name)).toBe(known));
});

describe('default burn-rate queries', () => {
  it('counts bad requests: 5xx responses plus 2xx requests with a non-finite prediction, each 0 when it has no series', () => {
    const q = render(DEFAULT_BURN_RATE_QUERIES.errorQuery);
    expect(q).toMatch(/^\(sum\(increase\(inference_requests_total\{.*,code=~"5.."\}\[2m\]\)\) or vector\(0\)\) \+ \(sum\(increase\(inference_nonfinite_requests_total\{.*\}\[2m\]\)\) or vector\(0\)\)$/);
  });

  it('counts errors and total in one unit, requests: no term counts predictions (rows)', () => {
    const metrics = (q: string) => [...q.matchAll(/([a-z_]+)\{/g)].map((m) => m[1]);
    expect(metrics(DEFAULT_BURN_RATE_QUERIES.errorQuery)).toEqual(['inference_requests_total', 'inference_nonfinite_requests_total']);
    expect(metrics(DEFAULT_BURN_RATE_QUERIES.totalQuery)).toEqual(['inference_requests_total']);
  });

  it('counts all requests as the total, with no fallback to 0', () => {
    expect(render(DEFAULT_BURN_RATE_QUERIES.totalQuery)).toBe('sum(increase(inference_requests_total{namespace="ml",model="sentiment",role="canary",variant="gelu"}[2m]))');
  });
});
