/**
 * JSON text the way a careless client writes it: the same key twice in one object (YAML and JSON
 * parsers disagree on which wins; the apiserver warns or, with `fieldValidation=Strict`, refuses), and
 * number literals a float64 cannot hold (`1e400`). A value carries them as markers: `RawJson` for a
 * literal written as is, and the `DUPLICATES` symbol for extra occurrences of a key.
 */

/** A literal written into the JSON text verbatim. */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** Extra occurrences of keys of an object: written before or after the key's own entry. */
export const DUPLICATES = Symbol('duplicate keys');

export interface DuplicateKey {
  key: string;
  value: unknown;
  /** Written before the key's own entry (so the own value wins where the last one wins). */
  before: boolean;
}

type WithDuplicates = Record<string, unknown> & { [DUPLICATES]?: DuplicateKey[] };

/** Serializes `value` to JSON text, writing raw literals and duplicate keys where they are marked. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => toJsonText(v === undefined ? null : v)).join(',')}]`;
  const obj = value as WithDuplicates;
  const dupes = obj[DUPLICATES] ?? [];
  const entry = (k: string, v: unknown) => `${JSON.stringify(k)}:${toJsonText(v)}`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    for (const d of dupes) if (d.key === k && d.before) parts.push(entry(d.key, d.value));
    parts.push(entry(k, v));
    for (const d of dupes) if (d.key === k && !d.before) parts.push(entry(d.key, d.value));
  }
  for (const d of dupes) if (!(d.key in obj)) parts.push(entry(d.key, d.value), entry(d.key, d.value));
  return `{${parts.join(',')}}`;
}

/** Marks `key` of `obj` as written twice, once with `value`. */
export function addDuplicate(obj: Record<string, unknown>, duplicate: DuplicateKey): void {
  const o = obj as WithDuplicates;
  o[DUPLICATES] = [...(o[DUPLICATES] ?? []), duplicate];
}
