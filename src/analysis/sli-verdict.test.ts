import { describe, expect, it } from '@jest/globals';
import type { Measured, SliMeasurement } from './measurements.ts';
import { judgeSli, thresholdText } from './sli-verdict.ts';
import type { SliSpec } from './spec.ts';

const v = (value: number): Measured => ({ kind: 'value', value });
const none: Measured = { kind: 'noData' };
const down: Measured = { kind: 'error', error: { code: 'Timeout', address: 'http://prom', timeoutMs: 10_000, message: 'Prometheus at http://prom did not answer within 10000 ms' } };
const badQuery: Measured = { kind: 'error', error: { code: 'BadQuery', status: 400, errorType: 'bad_data', query: 'x{', message: 'Prometheus rejected the query (bad_data): parse error' } };

interface Case {
  canary: Measured;
  stable?: Measured;
  samples?: Measured;
  stableSamples?: Measured;
}
const measure = (c: Case, minSamples = 0): SliMeasurement => ({
  name: 'sli', window: '1m', minSamples, samplesUnit: 'requests', canary: c.canary,
  ...(c.stable ? { stable: c.stable } : {}), ...(c.samples ? { canarySamples: c.samples } : {}), ...(c.stableSamples ? { stableSamples: c.stableSamples } : {}),
});

const max = { name: 'saturation', max: 0.01 };
const min = { name: 'accuracy', min: 0.9 };
const ratio = { name: 'latency', maxRatioToStable: 1.2 };
const minRatio = { name: 'accuracy', minRatioToStable: 0.98 };
const both = { name: 'latency', max: 0.25, maxRatioToStable: 1.2 };

describe('judgeSli', () => {
  it.each<[string, SliSpec, Case, number, string, string]>([
    ['passes a value within max', max, { canary: v(0.005) }, 0, 'Successful', 'WithinBounds'],
    ['passes a value exactly at max', max, { canary: v(0.01) }, 0, 'Successful', 'WithinBounds'],
    ['fails a value above max', max, { canary: v(0.0101) }, 0, 'Failed', 'AboveMax'],
    ['fails a value below min', min, { canary: v(0.85) }, 0, 'Failed', 'BelowMin'],
    ['treats an empty vector as no data, never as zero', max, { canary: none }, 0, 'Inconclusive', 'NoData'],
    ['treats NaN as inconclusive, never as a pass', max, { canary: v(Number.NaN) }, 0, 'Inconclusive', 'NaNValue'],
    ['fails +Inf where a max bound is set', max, { canary: v(Infinity) }, 0, 'Failed', 'InfiniteValue'],
    ['fails -Inf where a min bound is set', min, { canary: v(-Infinity) }, 0, 'Failed', 'InfiniteValue'],
    ['is inconclusive below minSamples, even far above max', max, { canary: v(0.5), samples: v(12) }, 100, 'Inconclusive', 'TooFewSamples'],
    ['counts a sample query without data as zero samples', max, { canary: v(0.001), samples: none }, 100, 'Inconclusive', 'TooFewSamples'],
    ['judges once minSamples is reached', max, { canary: v(0.5), samples: v(100) }, 100, 'Failed', 'AboveMax'],
    ['reports an unreachable Prometheus as Error', max, { canary: down }, 0, 'Error', 'PrometheusUnavailable'],
    ['reports a query Prometheus rejected as Error', max, { canary: badQuery }, 0, 'Error', 'QueryInvalid'],
    ['reports a failed sample count query as Error', max, { canary: v(0.001), samples: down }, 100, 'Error', 'PrometheusUnavailable'],
    ['passes within the ratio to stable', ratio, { canary: v(0.23), stable: v(0.2) }, 0, 'Successful', 'WithinBounds'],
    ['fails above the ratio to stable', ratio, { canary: v(0.25), stable: v(0.2) }, 0, 'Failed', 'AboveMaxRatioToStable'],
    ['fails below the minimum ratio to stable', minRatio, { canary: v(0.85), stable: v(0.9) }, 0, 'Failed', 'BelowMinRatioToStable'],
    ['is inconclusive on a ratio when stable has no data', ratio, { canary: v(0.2), stable: none }, 0, 'Inconclusive', 'StableNoData'],
    ['is inconclusive on a ratio when stable is 0', ratio, { canary: v(0.001), stable: v(0) }, 0, 'Inconclusive', 'StableZero'],
    ['is inconclusive on a ratio when stable is NaN', ratio, { canary: v(0.2), stable: v(Number.NaN) }, 0, 'Inconclusive', 'StableNaN'],
    ['is inconclusive on a ratio when stable is +Inf', ratio, { canary: v(0.2), stable: v(Infinity) }, 0, 'Inconclusive', 'StableNotFinite'],
    ['is inconclusive on a ratio when stable has too few samples', ratio, { canary: v(0.2), stable: v(0.2), samples: v(500), stableSamples: v(3) }, 100, 'Inconclusive', 'StableTooFewSamples'],
    ['reports a failed stable query as Error', ratio, { canary: v(0.2), stable: down }, 0, 'Error', 'PrometheusUnavailable'],
    ['passes a canary at 0 against any maxRatioToStable, stable 0 or missing', ratio, { canary: v(0), stable: none }, 0, 'Successful', 'WithinBounds'],
    ['passes a canary at 0 when stable is 0 too', ratio, { canary: v(0), stable: v(0) }, 0, 'Successful', 'WithinBounds'],
    ['passes minRatioToStable when stable is 0', minRatio, { canary: v(0.5), stable: v(0) }, 0, 'Successful', 'WithinBounds'],
    ['fails on the absolute bound even when stable is missing', both, { canary: v(0.3), stable: none }, 0, 'Failed', 'AboveMax'],
    ['fails on the absolute bound even when stable is 0', both, { canary: v(0.3), stable: v(0) }, 0, 'Failed', 'AboveMax'],
    ['fails on the ratio when the absolute bound holds', both, { canary: v(0.2), stable: v(0.1) }, 0, 'Failed', 'AboveMaxRatioToStable'],
    ['fails +Inf against a finite stable on a ratio bound', ratio, { canary: v(Infinity), stable: v(0.2) }, 0, 'Failed', 'InfiniteValue'],
  ])('%s', (_title, sli, c, minSamples, verdict, reason) =>
    expect(judgeSli(sli, measure(c, minSamples))).toMatchObject({ verdict, reason }));

  it('names the SLI, the value, the threshold and the window when it fails', () => {
    const r = judgeSli({ name: 'latencyP95', max: 0.25 }, measure({ canary: v(0.31234567), samples: v(412) }, 50));
    expect(r.message).toBe('SLI latencyP95: canary value 0.3123 is above max 0.25 over 1m, 412 requests');
    expect(r).toMatchObject({ canaryValue: 0.31234567, samples: 412, threshold: '<= 0.25', window: '1m' });
  });

  it('never rounds a value onto its bound in a message', () =>
    expect(judgeSli(max, measure({ canary: v(0.0100000001) })).message).toContain('0.0100000001 is above max 0.01'));

  it('explains an infinite value', () =>
    expect(judgeSli(max, measure({ canary: v(Infinity) })).message).toMatch(/\+Inf is above max 0\.01 over 1m .*infinite/));

  it('gives the ratio to stable when failing on it', () =>
    expect(judgeSli(ratio, measure({ canary: v(0.3), stable: v(0.2) })).message).toBe('SLI latency: canary value 0.3 is 1.5 × stable 0.2, above maxRatioToStable 1.2 over 1m'));

  it('keeps the value it did not judge for too few samples', () =>
    expect(judgeSli(max, measure({ canary: v(0.5), samples: v(12) }, 100))).toMatchObject({ canaryValue: 0.5, samples: 12 }));

  it('has no value when there was no data', () => expect(judgeSli(max, measure({ canary: none }))).not.toHaveProperty('canaryValue'));

  it('passes Prometheus\' message through on Error', () =>
    expect(judgeSli(max, measure({ canary: badQuery })).message).toContain('parse error'));
});

describe('thresholdText', () => {
  it.each<[SliSpec, string]>([
    [max, '<= 0.01'], [min, '>= 0.9'], [both, '<= 0.25 and <= 1.2 × stable'],
    [{ name: 'x', min: 0.9, minRatioToStable: 0.98 }, '>= 0.9 and >= 0.98 × stable'],
  ])('writes %j as %s', (sli, text) => expect(thresholdText(sli)).toBe(text));
});
