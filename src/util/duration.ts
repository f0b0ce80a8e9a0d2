/**
 * Go-style durations ("30s", "2m", "1h30m", "500ms") as used in the CRD, parsed to milliseconds.
 * The CRD's CEL rules accept exactly what `parseDuration` accepts, so a spec the apiserver took never
 * fails here; the pattern is exported so the two cannot drift.
 */

/** The regular expression the CRD uses for every duration field (anchored, at least one unit). */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration such as "1m30s" to milliseconds; undefined when it does not parse. */
export function parseDuration(text: string): number | undefined {
  if (!new RegExp(DURATION_PATTERN).test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return Math.round(total);
}

/** Formats milliseconds as a short human duration ("2m5s", "750ms"). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
