import { describe, expect, it } from '@jest/globals';
import { budgetConsumed, burnRate, errorRatio, judgeBurnRate, multiwindowVerdict, plannedRolloutMs } from './burn-rate.ts';
import type { BurnRateMeasurement, Measured } from './measurements.ts';

const v = (value: number): Measured => ({ kind: 'value', value });
const noData: Measured = { kind: 'noData' };
const down: Measured = { kind: 'error', error: { code: 'Unreachable', address: 'http://prom', message: 'cannot reach Prometheus at http://prom' } };
/** errors/total on the short (1m) and long (5m) windows. */
const measured = (short: [Measured, Measured], long: [Measured, Measured], customQueries = false): BurnRateMeasurement => ({
  shortWindow: '1m', longWindow: '5m', customQueries,
  short: { errors: short[0], total: short[1] }, long: { errors: long[0], total: long[1] },
});
const judge = (m: BurnRateMeasurement, planned = 0) => judgeBurnRate({ objective: 0.99, burnRateThreshold: 10 }, m, planned);

describe('burnRate', () => {
  it.each([
    [0.001, 0.999, 1], [0.0144, 0.999, 14.4], [0, 0.995, 0], [0.05, 0.995, 10], [1, 0.9, 10],
  ])('burns an error ratio of %d against objective %d at %d× the budget rate', (ratio, objective, burn) =>
    expect(burnRate(ratio, objective)).toBeCloseTo(burn, 9));
});

describe('errorRatio', () => {
  it.each([
    [0, 100, 0], [5, 100, 0.05], [100, 100, 1], [101, 100, 1], [300, 100, 1], [Infinity, 100, 1], [-1, 100, 0],
  ])('%d errors of %d events is a ratio of %d, never above 1', (errors, total, ratio) => expect(errorRatio(errors, total)).toBe(ratio));
});

describe('the error ratio of a burn rate never exceeds 1', () => {
  it.each([
    [100, 100], [101, 100], [400, 100], [3, 1],
  ])('%d errors over %d events burn at most 1 / (1 − objective)', (errors, total) => {
    const r = judge(measured([v(errors), v(total)], [v(errors), v(total)]));
    expect(r.short).toBeCloseTo(100, 9);
    expect(r.long).toBeCloseTo(100, 9);
    expect((r.short ?? Infinity) * (1 - 0.99)).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('says when errors outnumbered the events, and that the queries must count the same unit', () => {
    const r = judge(measured([v(12), v(4)], [v(30), v(40)]), 0);
    expect(r.message).toContain('error ratio 1 and 0.75; 12 errors > 4 events over 1m, taken as every event bad: errorQuery and totalQuery must count the same unit');
  });

  it('says nothing of units when errors do not outnumber the events', () =>
    expect(judge(measured([v(4), v(4)], [v(3), v(40)])).message).not.toContain('same unit'));
});

describe('multiwindowVerdict', () => {
  it.each([
    [20, 20, 'Failed', 'BurnRateExceeded', 'fails when both windows burn faster than the threshold'],
    [20, 5, 'Successful', 'ShortWindowBurnOnly', 'does not fail on a burn of the short window only'],
    [5, 20, 'Successful', 'LongWindowBurnOnly', 'does not fail on a burn of the long window only'],
    [5, 5, 'Successful', 'WithinBudget', 'passes when neither window exceeds the threshold'],
    [10, 10, 'Successful', 'WithinBudget', 'does not fail at exactly the threshold'],
    [10.0001, 10.0001, 'Failed', 'BurnRateExceeded', 'fails just above the threshold'],
    [Infinity, Infinity, 'Failed', 'BurnRateExceeded', 'fails on an infinite burn of both windows'],
  ])('short %d, long %d → %s (%s): %s', (short, long, verdict, reason) =>
    expect(multiwindowVerdict(short, long, 10)).toEqual({ verdict, reason }));
});

describe('judgeBurnRate', () => {
  it('fails when both windows exceed, naming both burn rates, the windows and the threshold', () => {
    const r = judge(measured([v(30), v(100)], [v(100), v(500)]));
    expect(r).toMatchObject({ verdict: 'Failed', reason: 'BurnRateExceeded', short: expect.closeTo(30), long: expect.closeTo(20), threshold: 10 });
    expect(r.message).toMatch(/burn rate 30 over 1m and 20 over 5m both exceed 10/);
  });

  it('does not fail on a burn of the short window only, and says so', () => {
    const r = judge(measured([v(30), v(100)], [v(30), v(500)]));
    expect(r).toMatchObject({ verdict: 'Successful', reason: 'ShortWindowBurnOnly', short: expect.closeTo(30), long: expect.closeTo(6) });
    expect(r.message).toContain('a short spike, not a failure');
  });

  it('passes a canary with no errors', () =>
    expect(judge(measured([v(0), v(100)], [v(0), v(500)]))).toMatchObject({ verdict: 'Successful', reason: 'WithinBudget', short: 0, long: 0, budgetRemaining: 1 }));

  it('treats a canary without traffic as inconclusive, never as a pass', () =>
    expect(judge(measured([v(0), v(0)], [v(0), v(0)]))).toMatchObject({ verdict: 'Inconclusive', reason: 'NoTraffic' }));

  it('treats an empty total as no data, never as zero', () =>
    expect(judge(measured([v(0), noData], [v(0), v(500)]))).toMatchObject({ verdict: 'Inconclusive', reason: 'NoData', long: 0 }));

  it('suggests `or vector(0)` when a custom error query returns no data', () =>
    expect(judge(measured([noData, v(100)], [noData, v(500)], true)).message).toContain('or vector(0)'));

  it('treats a NaN count as inconclusive', () =>
    expect(judge(measured([v(Number.NaN), v(100)], [v(0), v(500)]))).toMatchObject({ verdict: 'Inconclusive', reason: 'NaNValue' }));

  it('reports an unreachable Prometheus as an Error, ahead of an inconclusive window', () => {
    const r = judge(measured([v(0), noData], [down, v(500)]));
    expect(r).toMatchObject({ verdict: 'Error', reason: 'PrometheusUnavailable' });
    expect(r.message).toContain('over 5m failed: cannot reach Prometheus');
  });

  it('uses objective 0.995 and threshold 14.4 by default', () => {
    const r = judgeBurnRate({}, measured([v(8), v(100)], [v(8), v(100)]));
    expect(r).toMatchObject({ objective: 0.995, threshold: 14.4, verdict: 'Failed' });
    expect(r.short).toBeCloseTo(16, 9);
  });
});

describe('the error budget of a rollout', () => {
  it('sums the steps\' pauses as the planned rollout, ignoring steps that wait for a signal', () =>
    expect(plannedRolloutMs([{ pause: '2m' }, { pause: '5m' }, {}, { pause: '30s' }])).toBe(450_000));

  it.each([
    [1, 300_000, 1_200_000, 0.25, 'a burn of 1 over 5m of a 20m rollout spends a quarter of its budget'],
    [14.4, 300_000, 0, 14.4, 'without a planned duration, the period is the long window itself'],
    [2, 300_000, 60_000, 2, 'a period shorter than the long window is raised to it'],
    [0, 300_000, 1_200_000, 0, 'no errors spend nothing'],
  ])('burn %d over %d ms, planned %d ms → %d consumed: %s', (burn, longMs, planned, consumed) =>
    expect(budgetConsumed(burn, longMs, planned)).toBeCloseTo(consumed, 9));

  it('reports the budget remaining after the long window, between 0 and 1', () => {
    expect(judge(measured([v(1), v(100)], [v(1), v(100)]), 1_200_000)).toMatchObject({ long: expect.closeTo(1), budgetConsumed: expect.closeTo(0.25), budgetRemaining: expect.closeTo(0.75), budgetPeriodMs: 1_200_000 });
    expect(judge(measured([v(30), v(100)], [v(100), v(500)]), 1_200_000)).toMatchObject({ budgetConsumed: expect.closeTo(5), budgetRemaining: 0 });
  });

  it('has no budget figure when the long window could not be measured', () =>
    expect(judge(measured([v(0), v(100)], [down, v(100)]))).not.toHaveProperty('budgetRemaining'));
});
