/**
 * Go-style durations ("30s", "2m", "1h30m", "500ms") as used in the CRD, parsed to milliseconds.
 * The CRD accepts a duration field only when it matches DURATION_PATTERN and lies within the
 * field's bounds (CEL rules, all far below MAX_DURATION_MS), so a spec the apiserver took always
 * parses here. An object stored before the bounds existed, or written around validation, may hold
 * anything: `parseDuration` refuses values above MAX_DURATION_MS and `clampTimerMs` keeps a computed
 * delay within what `setTimeout` can wait, so neither ends up as an overflowing timer.
 */

/** The regular expression the CRD uses for every duration field (anchored, at least one unit). */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

/**
 * Matches (unanchored, as CEL's `matches`) a duration with a part of at least 100000h, 10000000m,
 * 100000000s or 100000000000ms. The CRD's bound rules refuse such a value before calling CEL's
 * `duration()`, which fails with a runtime error above Go's limit (~2562047h) instead of comparing.
 * Every duration of at most 32 characters that this does not match stays below ~670000h, and every
 * value it matches is above 27000h, far beyond any bound in the CRD.
 */
export const HUGE_DURATION_PATTERN =
  '(^|[hms])0*([1-9][0-9]{5,}(\\.[0-9]+)?h|[1-9][0-9]{7,}(\\.[0-9]+)?m([0-9]|$)|[1-9][0-9]{8,}(\\.[0-9]+)?s|[1-9][0-9]{11,}(\\.[0-9]+)?ms)';

/** The longest duration `parseDuration` accepts: one year (365 days), far above every CRD bound. */
export const MAX_DURATION_MS = 365 * 24 * 3_600_000;

/** The longest delay `setTimeout` honours (2^31 − 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as "1m30s" to milliseconds; undefined when it does not match
 * DURATION_PATTERN or its value is not finite or exceeds MAX_DURATION_MS (one year).
 */
export function parseDuration(text: string): number | undefined {
  if (!new RegExp(DURATION_PATTERN).test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  const ms = Math.round(total);
  return Number.isFinite(ms) && ms <= MAX_DURATION_MS ? ms : undefined;
}

/**
 * A delay in milliseconds made safe for `setTimeout`: NaN and negative values become 0, values above
 * MAX_TIMER_MS (including Infinity) become MAX_TIMER_MS, fractions are rounded up so a timer never
 * fires before the moment it waits for. Node fires a timer beyond 2^31 − 1 ms after 1 ms instead, so
 * a requeue computed from a huge duration would otherwise spin.
 */
export function clampTimerMs(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(Math.ceil(ms), MAX_TIMER_MS);
}

/** Formats milliseconds as a short human duration ("2m5s", "750ms"). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
