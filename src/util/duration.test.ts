import { describe, expect, it } from '@jest/globals';
import { clampTimerMs, DURATION_PATTERN, formatDuration, HUGE_DURATION_PATTERN, MAX_DURATION_MS, MAX_TIMER_MS, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000], ['2m', 120_000], ['1h30m', 5_400_000], ['500ms', 500], ['1.5s', 1500], ['1m30s', 90_000], ['8760h', MAX_DURATION_MS],
  ])('parses %s as %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '5', 'm', '1d', '-1s', '1 s', 'abc'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
  it.each(['8760h1ms', '99999999999h', '9'.repeat(400) + 's'])('rejects %s, which is longer than a year (or not finite)', (text) =>
    expect(parseDuration(text)).toBeUndefined());
});

describe('clampTimerMs', () => {
  it.each([
    [0, 0], [-5, 0], [Number.NaN, 0], [-Infinity, 0], [1.2, 2], [30_000, 30_000],
    [MAX_TIMER_MS, MAX_TIMER_MS], [MAX_TIMER_MS + 1, MAX_TIMER_MS], [MAX_DURATION_MS, MAX_TIMER_MS], [Infinity, MAX_TIMER_MS],
  ])('turns %d ms into %d ms', (ms, safe) => expect(clampTimerMs(ms)).toBe(safe));

  it('never exceeds what setTimeout can wait (2^31 - 1 ms)', () => {
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });
});

/** Go's time.ParseDuration limit: the total must fit an int64 of nanoseconds. */
const GO_MAX_NS = 2n ** 63n - 1n;
const UNIT_NS: Record<string, bigint> = { ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
/** The exact value in nanoseconds, rounded up (an upper bound of what Go computes). */
function nanoseconds(text: string): bigint {
  let total = 0n;
  for (const m of text.matchAll(/([0-9]+)(?:\.([0-9]+))?(ms|s|m|h)/g)) {
    const unit = UNIT_NS[m[3] as string] as bigint;
    total += BigInt(m[1] as string) * unit + (m[2] ? unit : 0n);
  }
  return total;
}

describe('HUGE_DURATION_PATTERN (the guard before CEL duration())', () => {
  const huge = new RegExp(HUGE_DURATION_PATTERN);
  const valid = new RegExp(DURATION_PATTERN);

  it.each(['99999999999h', '100000h', '1h100000h', '10000000m', '10000000.5m', '100000000s', '100000000000ms', '0000100000h'])(
    'matches %s', (text) => expect(huge.test(text)).toBe(true));

  it.each(['168h', '99999h', '9999999m', '9999999ms', '99999999s', '99999999999ms', '0.1234567h', '1h0.123456789s', '604800000ms', '0000000000000000000000000001h'])(
    'does not match %s', (text) => expect(huge.test(text)).toBe(false));

  it('leaves only durations Go can parse, and flags only durations far above every CRD bound (168h)', () => {
    // Random durations of up to 32 characters (the CRD's maxLength), skewed towards long digit runs.
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const units = ['ms', 's', 'm', 'h'];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      while (text.length < 32) {
        const digits = Array.from({ length: 1 + random(13) }, (_, d) => String(d === 0 && random(4) === 0 ? 0 : random(10))).join('');
        const fraction = random(5) === 0 ? `.${random(1000)}` : '';
        const part = `${digits}${fraction}${units[random(4)]}`;
        if (text.length + part.length > 32) break;
        text += part;
        if (random(3) === 0) break;
      }
      if (!valid.test(text)) continue;
      const ns = nanoseconds(text);
      if (huge.test(text)) expect({ text, aboveAllBounds: ns > 168n * UNIT_NS.h! }).toEqual({ text, aboveAllBounds: true });
      else expect({ text, parsesInGo: ns <= GO_MAX_NS }).toEqual({ text, parsesInGo: true });
    }
  });
});

describe('formatDuration', () => {
  it.each([[750, '750ms'], [1000, '1s'], [125_000, '2m5s'], [3_600_000, '1h'], [0, '0ms']])('formats %d as %s', (ms, text) =>
    expect(formatDuration(ms)).toBe(text));
});
