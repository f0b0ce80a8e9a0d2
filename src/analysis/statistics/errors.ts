/**
 * Typed errors of the statistical judge, a discriminated union keyed by `code` like the rest of the
 * analysis package (src/analysis/errors.ts), returned as values (`Result`), never thrown. They are
 * caller mistakes, not verdicts: a NaN or infinite sample (a 0/0 interval, a quantile beyond the last
 * bucket) must be dropped or judged by the caller before it reaches a test, since a rank or a mean of
 * NaN means nothing; a count that is negative, not finite, or larger than its total; an option out of
 * its range. Too few samples is not an error: the tests refuse an empty side, and the decision calls it
 * Inconclusive.
 */
import type { Result } from '../errors.ts';
import type { Counts } from './types.ts';

export type StatisticsError =
  | { code: 'NonFiniteSample'; message: string; side: string; index: number; value: number }
  | { code: 'EmptySample'; message: string; side: string }
  | { code: 'InvalidCount'; message: string; side: string; field: 'events' | 'total'; value: number }
  | { code: 'InvalidOption'; message: string; option: string; value: unknown };

export type { Result };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = (error: StatisticsError): { ok: false; error: StatisticsError } => ({ ok: false, error });

/** The first sample that is NaN or ±Infinity, as an error naming the side and the index; undefined if none. */
export function checkFinite(samples: readonly number[], side: string): StatisticsError | undefined {
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i] as number;
    if (!Number.isFinite(value)) {
      return { code: 'NonFiniteSample', side, index: i, value,
        message: `${side} sample ${i} is ${String(value)}: only finite numbers can be ranked; drop intervals without data (0/0) before judging` };
    }
  }
  return undefined;
}

/** An error when `counts` are not finite, negative, or have more events than the total. */
export function checkCounts(counts: Counts, side: string): StatisticsError | undefined {
  for (const field of ['events', 'total'] as const) {
    const value = counts[field];
    if (!Number.isFinite(value) || value < 0) {
      return { code: 'InvalidCount', side, field, value, message: `${side} ${field} is ${String(value)}: counts are finite and not negative` };
    }
  }
  if (counts.events > counts.total) {
    return { code: 'InvalidCount', side, field: 'events', value: counts.events,
      message: `${side} has ${counts.events} events out of a total of ${counts.total}: events cannot outnumber the total (cap them first)` };
  }
  return undefined;
}

/** An error unless `value` lies strictly between `min` and `max`. */
export function checkOpenRange(option: string, value: number, min: number, max: number): StatisticsError | undefined {
  if (Number.isFinite(value) && value > min && value < max) return undefined;
  return { code: 'InvalidOption', option, value, message: `${option} is ${String(value)}: it must lie strictly between ${min} and ${max}` };
}
