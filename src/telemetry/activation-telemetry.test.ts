import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createActivationTelemetry } from './activation-telemetry.ts';
import { parseExposition, sumSamples } from './exposition.ts';

async function scrape(registry: Registry) {
  return parseExposition(await registry.metrics());
}

describe('activation telemetry', () => {
  it('exports every series at zero from the start, for the layers it was told about', async () => {
    const registry = new Registry();
    createActivationTelemetry({ registry, variant: 'relu', activation: 'relu', layers: ['hidden1', 'hidden2'] });
    const samples = await scrape(registry);
    for (const name of ['inference_predictions_total', 'inference_labelled_predictions_total', 'inference_correct_predictions_total', 'inference_nonfinite_predictions_total', 'inference_nonfinite_requests_total']) {
      expect(samples.filter((s) => s.name === name)).toEqual([{ name, labels: { variant: 'relu' }, value: 0 }]);
    }
    expect(samples.filter((s) => s.name === 'activation_units_observed_total').map((s) => s.labels.layer)).toEqual(['hidden1', 'hidden2']);
    expect(samples.filter((s) => s.name === 'inference_request_duration_seconds_count')).toEqual(
      [{ name: 'inference_request_duration_seconds_count', labels: { variant: 'relu' }, value: 0 }]);
    expect(samples.filter((s) => s.name === 'activation_nonfinite_units_total').map((s) => `${s.labels.layer}/${s.labels.kind}`))
      .toEqual(['hidden1/nan', 'hidden1/inf', 'hidden2/nan', 'hidden2/inf']);
  });

  it('counts saturated, zero and non-finite units exactly, per layer', async () => {
    const registry = new Registry();
    const telemetry = createActivationTelemetry({ registry, variant: 'sigmoid', activation: 'sigmoid' });
    const pre = [-9, -1, 0, 6, 8, Number.NaN, Infinity];
    const post = [0, 0.27, 0.5, 0.9975, 0.9997, Number.NaN, 1];
    telemetry.observeLayer('hidden1', pre, post);
    telemetry.observeLayer('hidden1', [100], [1]);
    telemetry.observeLayer('hidden2', [0.1], [0.52]);
    const samples = await scrape(registry);
    const at = (name: string, layer: string, extra: Record<string, string> = {}) =>
      sumSamples(samples, name, { variant: 'sigmoid', layer, ...extra });
    expect(at('activation_units_observed_total', 'hidden1')).toBe(8);
    expect(at('activation_saturated_units_total', 'hidden1')).toBe(5);
    expect(at('activation_zero_units_total', 'hidden1')).toBe(1);
    expect(at('activation_nonfinite_units_total', 'hidden1', { kind: 'nan' })).toBe(1);
    expect(at('activation_nonfinite_units_total', 'hidden1', { kind: 'inf' })).toBe(1);
    expect(at('activation_units_observed_total', 'hidden2')).toBe(1);
    expect(at('activation_saturated_units_total', 'hidden2')).toBe(0);
    expect(at('activation_value_count', 'hidden1')).toBe(7);
    expect(at('activation_value_bucket', 'hidden1', { le: '0' })).toBe(1);
    expect(at('activation_value_bucket', 'hidden1', { le: '0.5' })).toBe(3);
    expect(at('activation_value_bucket', 'hidden1', { le: '+Inf' })).toBe(7);
  });

  it('counts requests by code with their latency, and predictions with accuracy', async () => {
    const registry = new Registry();
    const telemetry = createActivationTelemetry({ registry, variant: 'gelu', activation: 'gelu' });
    telemetry.recordRequest(200, 0.004);
    telemetry.recordRequest(200, 0.02);
    telemetry.recordRequest(500, 0.3);
    telemetry.recordPredictions({ rows: 8, labelled: 6, correct: 5, nonfinite: 1 });
    const samples = await scrape(registry);
    expect(sumSamples(samples, 'inference_requests_total', { variant: 'gelu', code: '200' })).toBe(2);
    expect(sumSamples(samples, 'inference_requests_total', { variant: 'gelu', code: '500' })).toBe(1);
    expect(sumSamples(samples, 'inference_request_duration_seconds_bucket', { le: '0.005' })).toBe(1);
    expect(sumSamples(samples, 'inference_request_duration_seconds_bucket', { le: '0.25' })).toBe(2);
    expect(sumSamples(samples, 'inference_request_duration_seconds_count')).toBe(3);
    expect(sumSamples(samples, 'inference_predictions_total')).toBe(8);
    expect(sumSamples(samples, 'inference_labelled_predictions_total')).toBe(6);
    expect(sumSamples(samples, 'inference_correct_predictions_total')).toBe(5);
    expect(sumSamples(samples, 'inference_nonfinite_predictions_total')).toBe(1);
  });

  it.each<[string, number | string, number, number]>([
    ['a 200 with 3 non-finite rows counts once', 200, 3, 1],
    ['a 200 with 1 non-finite row counts once', '200', 1, 1],
    ['a 204 with non-finite rows counts once', 204, 2, 1],
    ['a 200 with only finite rows does not count', 200, 0, 0],
    ['a 500 with non-finite rows does not count (it is a 5xx already)', 500, 3, 0],
    ['a 503 does not count', 503, 1, 0],
    ['a 400 does not count', 400, 1, 0],
  ])('non-finite requests: %s', async (_title, code, nonfiniteRows, counted) => {
    const registry = new Registry();
    const telemetry = createActivationTelemetry({ registry, variant: 'gelu', activation: 'gelu' });
    telemetry.recordRequest(code, 0.01, nonfiniteRows);
    expect(sumSamples(await scrape(registry), 'inference_nonfinite_requests_total')).toBe(counted);
  });

  it('never counts more bad requests (5xx plus non-finite) than requests, whatever the mix', async () => {
    const registry = new Registry();
    const telemetry = createActivationTelemetry({ registry, variant: 'gelu', activation: 'gelu' });
    // A deterministic mix: every code with 0 to 8 non-finite rows out of 8.
    for (let i = 0; i < 300; i++) {
      const code = [200, 500, 503, 400, 200, 201][i % 6] as number;
      const nonfiniteRows = (i * 7) % 9;
      telemetry.recordPredictions({ rows: 8, labelled: 0, correct: 0, nonfinite: nonfiniteRows });
      telemetry.recordRequest(code, 0.01, nonfiniteRows);
    }
    const samples = await scrape(registry);
    const requests = sumSamples(samples, 'inference_requests_total');
    const bad = sumSamples(samples, 'inference_requests_total', { code: '500' }) + sumSamples(samples, 'inference_requests_total', { code: '503' })
      + sumSamples(samples, 'inference_nonfinite_requests_total');
    expect(requests).toBe(300);
    expect(bad).toBeLessThanOrEqual(requests);
    // The rows counter alone would have claimed more bad events than there were requests.
    expect(sumSamples(samples, 'inference_nonfinite_predictions_total')).toBeGreaterThan(requests);
  });

  it('samples the configured fraction of requests, and none at rate 0', () => {
    const count = (sampleRate: number) => {
      const telemetry = createActivationTelemetry({ registry: new Registry(), variant: 'tanh', activation: 'tanh', sampleRate });
      return Array.from({ length: 200 }, () => telemetry.sampleRequest()).filter(Boolean).length;
    };
    expect(count(0.1)).toBe(20);
    expect(count(0)).toBe(0);
    expect(count(1)).toBe(200);
  });

  it('takes a custom saturation region for an activation it does not know', () => {
    const telemetry = createActivationTelemetry({ registry: new Registry(), variant: 'hardtanh', saturation: { below: -1, above: 1 } });
    expect(telemetry.observeLayer('hidden1', [-2, 0, 2], [-1, 0, 1]).saturated).toBe(2);
    expect(() => createActivationTelemetry({ registry: new Registry(), variant: 'x' })).toThrow('saturation region');
  });

  it('keeps two variants apart in one registry only if their metrics are separate', () => {
    const registry = new Registry();
    createActivationTelemetry({ registry, variant: 'relu', activation: 'relu' });
    expect(() => createActivationTelemetry({ registry, variant: 'gelu', activation: 'gelu' })).toThrow('already been registered');
  });
});
