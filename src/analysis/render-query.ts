/**
 * PromQL templates: `{{namespace}}`, `{{name}}`, `{{role}}`, `{{variant}}` and `{{window}}` in an SLI's
 * query are replaced before the query is sent. The first four are text and may only stand inside a
 * double- or single-quoted string (a label value such as `model="{{name}}"`): the value is escaped as
 * the inside of that string (backslash, the quote, newlines and other control characters), and in the
 * value of a regex matcher (`=~`, `!~`) its regular-expression characters are quoted first, so it
 * matches only itself. A name such as `x"} or vector(1) #` stays one string and cannot add PromQL. A
 * text placeholder anywhere else (bare, in a comment, in a backtick string, which has no escapes) is an
 * error that says where it must go, never user text pasted into the query. `{{window}}` is not text but
 * a range: it must be a Prometheus duration (`1m`, `90s`, `1h30m`), is checked, and may stand anywhere.
 * An unknown `{{variable}}` is an error that names it, never left for Prometheus to choke on.
 */
import type { Result, SpecError } from './errors.ts';
import { queryEcho } from './sanitize.ts';

/** The values a template can refer to. */
export interface TemplateVars {
  namespace: string;
  /** The ModelVariant's name (the `model` label). */
  name: string;
  role: 'stable' | 'canary' | 'experiment';
  /** The activation variant the role serves. */
  variant: string;
  /** A Prometheus duration, e.g. "1m". */
  window: string;
}

export const TEMPLATE_VARIABLES = ['namespace', 'name', 'role', 'variant', 'window'] as const;
type VariableName = (typeof TEMPLATE_VARIABLES)[number];
const isVariable = (v: string): v is VariableName => (TEMPLATE_VARIABLES as readonly string[]).includes(v);

/** A duration in Prometheus' range syntax: integer amounts of y, w, d, h, m, s, ms in that order, not zero. */
const PROM_DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

/** True for a non-empty, non-zero Prometheus duration such as "5m" or "1h30m". */
export function isPromDuration(text: string): boolean {
  return text !== '' && PROM_DURATION.test(text) && /[1-9]/.test(text);
}

/** Writes milliseconds as a Prometheus duration ("5m", "1m30s", "1500ms"); the input must be > 0. */
export function toPromDuration(ms: number): string {
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Escapes a value for use inside a PromQL string quoted with `quote` (default `"`): `\` and the quote
 * are backslash-escaped, newline, carriage return and tab become `\n`, `\r`, `\t`, any other control
 * character `\xNN`, a lone surrogate U+FFFD (UTF-8 cannot carry it). (Prometheus, like Go, accepts only
 * the string's own quote escaped.)
 */
export function escapeLabelValue(value: string, quote: '"' | "'" = '"'): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they get escaped
  return value.toWellFormed().replace(/[\\"'\u0000-\u001f\u007f]/g, (c) => {
    if (c === '"' || c === "'") return c === quote ? `\\${c}` : c;
    return ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** RE2's QuoteMeta: a regular expression that matches exactly `value`. */
export function quoteRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

const PLACEHOLDER = /\{\{(.*?)\}\}/g;

/** Where a position of a template is: PromQL code, a comment, or a string (and whether a regex matcher's value). */
type Context = { kind: 'code' | 'comment' } | { kind: 'string'; quote: '"' | "'" | '`'; regex: boolean };

/** The context of every position of `template`, as Prometheus' lexer reads strings and comments. */
function contexts(template: string): Context[] {
  const out: Context[] = [];
  let current: Context = { kind: 'code' };
  for (let i = 0; i < template.length; i++) {
    const ch = template[i] as string;
    if (current.kind === 'code' && (ch === '"' || ch === "'" || ch === '`')) {
      const before = template.slice(0, i).trimEnd();
      current = { kind: 'string', quote: ch, regex: before.endsWith('=~') || before.endsWith('!~') };
      out.push({ kind: 'code' });
      continue;
    }
    if (current.kind === 'code' && ch === '#') current = { kind: 'comment' };
    out.push(current);
    if (current.kind === 'comment' && ch === '\n') {
      current = { kind: 'code' };
    } else if (current.kind === 'string' && ch === '\\' && current.quote !== '`') {
      out.push(current); // the escaped character belongs to the string, whatever it is
      i++;
    } else if (current.kind === 'string' && ch === current.quote) {
      current = { kind: 'code' };
    }
  }
  return out;
}

/** Where a string that runs to the end of the template (never closed) opens, if one does. */
function unclosedStringStart(at: Context[]): number | undefined {
  if (at[at.length - 1]?.kind !== 'string') return undefined;
  let i = at.length - 1;
  while (i > 0 && at[i - 1]?.kind === 'string') i--;
  return i - 1; // the opening quote is recorded as code
}

const where = (c: Context | undefined): string =>
  !c || c.kind === 'code' ? 'bare in the query' : c.kind === 'comment' ? 'in a comment' : 'in a backtick string, which has no escapes';

/**
 * What is wrong with `template` whatever the values: an unknown variable, or a text placeholder outside
 * a double- or single-quoted string, or in one that is never closed. Undefined when it can be rendered.
 */
export function checkTemplate(template: string): SpecError | undefined {
  const at = contexts(template);
  const unclosedFrom = unclosedStringStart(at);
  for (const m of template.matchAll(PLACEHOLDER)) {
    const variable = (m[1] ?? '').trim();
    if (!isVariable(variable)) {
      return { code: 'UnknownTemplateVariable', variable,
        message: `unknown template variable {{${variable}}} in query ${JSON.stringify(queryEcho(template))}; use one of ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}` };
    }
    const c = at[m.index];
    if (variable !== 'window' && c?.kind === 'string' && unclosedFrom !== undefined && m.index > unclosedFrom) {
      return { code: 'PlaceholderOutsideString', variable,
        message: `{{${variable}}} is in a string that is never closed (the ${c.quote} at character ${unclosedFrom + 1} has no closing ${c.quote}), so its value would be read as PromQL; close the string in query ${JSON.stringify(queryEcho(template))}` };
    }
    if (variable !== 'window' && !(c?.kind === 'string' && c.quote !== '`')) {
      return { code: 'PlaceholderOutsideString', variable,
        message: `{{${variable}}} must be inside a double- or single-quoted string, e.g. model="{{name}}", so its value stays a label value; it is ${where(c)} in query ${JSON.stringify(queryEcho(template))}` };
    }
  }
  return undefined;
}

/** Replaces the placeholders of `template`; an unknown variable, a misplaced one or a bad window is a SpecError. */
export function renderQuery(template: string, vars: TemplateVars): Result<string, SpecError> {
  const problem = checkTemplate(template);
  if (problem) return { ok: false, error: problem };
  if (!isPromDuration(vars.window)) {
    return { ok: false, error: { code: 'InvalidWindow', window: vars.window,
      message: `window ${JSON.stringify(vars.window)} is not a Prometheus duration: use e.g. 1m, 90s or 1h30m` } };
  }
  const at = contexts(template);
  return { ok: true, value: template.replace(PLACEHOLDER, (_all, variable: string, offset: number) => {
    const name = variable.trim() as VariableName;
    if (name === 'window') return vars.window;
    const c = at[offset] as Extract<Context, { kind: 'string' }>;
    return escapeLabelValue(c.regex ? quoteRegex(vars[name]) : vars[name], c.quote as '"' | "'");
  }) };
}
