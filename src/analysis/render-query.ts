/**
 * PromQL templates: `{{namespace}}`, `{{name}}`, `{{role}}`, `{{variant}}` and `{{window}}` in an SLI's
 * query are replaced before the query is sent. Label values are escaped as the inside of a double-quoted
 * PromQL string (backslash, quote, newlines and other control characters), so a template that writes
 * `model="{{name}}"` matches the name literally whatever it contains: a name such as
 * `x"} or vector(1) #` stays one string and cannot add PromQL. `{{window}}` is not text but a range:
 * it must be a Prometheus duration (`1m`, `90s`, `1h30m`) and is inserted only after that check.
 * An unknown `{{variable}}` is an error that names it, never left for Prometheus to choke on.
 */
import type { Result, SpecError } from './errors.ts';

/** The values a template can refer to. */
export interface TemplateVars {
  namespace: string;
  /** The ModelVariant's name (the `model` label). */
  name: string;
  role: 'stable' | 'canary';
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

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Escapes a value for use inside a double-quoted PromQL string: `\` and `"` are backslash-escaped,
 * newline, carriage return and tab become `\n`, `\r`, `\t`, any other control character `\xNN`.
 */
export function escapeLabelValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they get escaped
  return value.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const PLACEHOLDER = /\{\{(.*?)\}\}/g;

/** Replaces the placeholders of `template`; an unknown variable or a bad window is a SpecError. */
export function renderQuery(template: string, vars: TemplateVars): Result<string, SpecError> {
  for (const m of template.matchAll(PLACEHOLDER)) {
    const variable = (m[1] ?? '').trim();
    if (!isVariable(variable)) {
      return { ok: false, error: { code: 'UnknownTemplateVariable', variable,
        message: `unknown template variable {{${variable}}} in query ${JSON.stringify(template)}; use one of ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}` } };
    }
  }
  if (!isPromDuration(vars.window)) {
    return { ok: false, error: { code: 'InvalidWindow', window: vars.window,
      message: `window ${JSON.stringify(vars.window)} is not a Prometheus duration: use e.g. 1m, 90s or 1h30m` } };
  }
  const value = (variable: VariableName): string => (variable === 'window' ? vars.window : escapeLabelValue(vars[variable]));
  return { ok: true, value: template.replace(PLACEHOLDER, (_all, variable: string) => value(variable.trim() as VariableName)) };
}
