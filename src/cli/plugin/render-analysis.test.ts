import { describe, expect, it } from '@jest/globals';
import { plain } from './colour.ts';
import { formatValue, renderBurnRate } from './render-analysis.ts';

describe('formatValue', () => {
  it('keeps short values and Prometheus specials as they are, and shortens long ones to 4 significant digits', () => {
    expect(formatValue('0.012')).toBe('0.012');
    expect(formatValue('NaN')).toBe('NaN');
    expect(formatValue('+Inf')).toBe('+Inf');
    expect(formatValue('0.0041234567')).toBe('0.004123');
    expect(formatValue('1234567.891')).toBe('1235000');
    expect(formatValue(640)).toBe('640');
  });

  it('shows absent values as a dash', () => {
    expect(formatValue(undefined)).toBe('—');
    expect(formatValue('')).toBe('—');
  });
});

describe('burn rate', () => {
  it('prints both windows, the threshold, the budget left and the verdict, and the message when it failed', () => {
    expect(renderBurnRate({ shortWindow: '1m', longWindow: '5m', short: '20.5', long: '15.2', threshold: 14.4, budgetRemaining: '0.12',
      verdict: 'Failed', reason: 'BurnRateExceeded', message: 'both windows burn faster than 14.4' }, plain)).toEqual([
      'Burn rate:    short 20.5 (1m)   long 15.2 (5m)   threshold 14.4   budget left 0.12   Failed (BurnRateExceeded)',
      '  ! burn rate: both windows burn faster than 14.4',
    ]);
  });

  it('shows dashes for values there was no data for', () => {
    expect(renderBurnRate({ verdict: 'Inconclusive' }, plain)[0]).toBe('Burn rate:    short —   long —   threshold —   budget left —   Inconclusive');
  });
});
