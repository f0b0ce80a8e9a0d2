/**
 * Sample values as Prometheus writes them. The HTTP API sends every value as a string because JSON has
 * no NaN or infinities: "0.25", "1e-07", "NaN", "+Inf", "-Inf". `parsePromValue` reads exactly that
 * (and nothing looser: an empty string is not zero), and `formatPromValue` writes numbers back in the
 * same form for status fields, so a user sees the value Prometheus would show, at full precision.
 */

const SPECIAL: Readonly<Record<string, number>> = {
  'NaN': Number.NaN, '+Inf': Number.POSITIVE_INFINITY, '-Inf': Number.NEGATIVE_INFINITY, 'Inf': Number.POSITIVE_INFINITY,
};

/** A decimal float as Go's strconv.ParseFloat writes it (no hex floats, no leading/trailing space). */
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a Prometheus sample value string; undefined when it is not one. */
export function parsePromValue(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const special = SPECIAL[text];
  if (special !== undefined) return special;
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf' || lower === '+infinity' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  return FLOAT.test(text) ? Number(text) : undefined;
}

/** Formats a number as Prometheus does in its API: 'NaN', '+Inf', '-Inf', or the shortest exact decimal. */
export function formatPromValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return Object.is(value, -0) ? '0' : String(value);
}
