/**
 * Time as the plugin shows and reads it: ages in kubectl's compact form ("45s", "3m20s", "5h", "2d4h")
 * computed against an injected `now`, and `--timeout` values as Go-style durations (the CRD's syntax,
 * parsed by src/util/duration.ts).
 */
import { parseDuration } from '../../util/duration.ts';

export const ABSENT = '—';

/** The age of `iso` at `now` in kubectl's compact form; '—' when absent or unparsable. */
export function formatAge(iso: string | Date | undefined, now: number): string {
  if (iso === undefined || iso === '') return ABSENT;
  const at = iso instanceof Date ? iso.getTime() : Date.parse(iso);
  if (Number.isNaN(at)) return ABSENT;
  const s = Math.max(0, Math.floor((now - at) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  return `${d}d`;
}

/** Parses a `--timeout` value such as "90s", "5m" or "1h30m" to milliseconds; undefined if invalid. */
export function parseTimeout(text: string): number | undefined {
  return parseDuration(text.trim());
}
