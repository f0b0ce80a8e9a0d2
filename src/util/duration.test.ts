import { describe, expect, it } from '@jest/globals';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000], ['2m', 120_000], ['1h30m', 5_400_000], ['500ms', 500], ['1.5s', 1500], ['1m30s', 90_000],
  ])('parses %s as %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '5', 'm', '1d', '-1s', '1 s', 'abc'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('formatDuration', () => {
  it.each([[750, '750ms'], [1000, '1s'], [125_000, '2m5s'], [3_600_000, '1h'], [0, '0ms']])('formats %d as %s', (ms, text) =>
    expect(formatDuration(ms)).toBe(text));
});
