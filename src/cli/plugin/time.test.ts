import { describe, expect, it } from '@jest/globals';
import { formatAge, parseTimeout } from './time.ts';

const NOW = Date.parse('2026-11-28T14:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

describe('formatAge', () => {
  it.each([
    [0, '0s'], [45, '45s'], [119, '119s'], [200, '3m20s'], [300, '5m'], [1200, '20m'], [3 * 3600, '3h'],
    [5 * 3600 + 120, '5h2m'], [30 * 3600, '30h'], [52 * 3600, '2d4h'], [10 * 86400, '10d'],
  ])('shows %ss as %s, like kubectl', (seconds, text) => {
    expect(formatAge(ago(seconds), NOW)).toBe(text);
  });

  it('takes Dates, clamps clock skew to 0s and shows absent or bad times as a dash', () => {
    expect(formatAge(new Date(NOW - 5000), NOW)).toBe('5s');
    expect(formatAge(ago(-30), NOW)).toBe('0s');
    expect(formatAge(undefined, NOW)).toBe('—');
    expect(formatAge('yesterday', NOW)).toBe('—');
  });
});

describe('parseTimeout', () => {
  it('reads Go-style durations and rejects anything else', () => {
    expect(parseTimeout('90s')).toBe(90_000);
    expect(parseTimeout('1h30m')).toBe(5_400_000);
    expect(parseTimeout('5')).toBeUndefined();
    expect(parseTimeout('-1m')).toBeUndefined();
  });
});
