/**
 * What a metrics server sends back is not ours to show. Any text from a response (Prometheus' error
 * message, a label value, a redirect target, a transport error that quotes a certificate) reaches a
 * status message, an Event or a log only through `serverText`: terminal escape sequences, control and
 * invisible format characters (newlines, bidi overrides, zero-width) and HTML tags removed, whitespace
 * collapsed, credentials redacted, and at most MAX_SERVER_TEXT characters. A raw response body is never
 * quoted at all: `describeBody` names its kind and size instead. `clip` bounds whole messages, so no
 * message can outgrow the CRD's status fields (an SLI message may hold 4096 characters).
 */

/** At most this many characters of one piece of server text end up in a message. */
export const MAX_SERVER_TEXT = 200;
/** At most this many characters of a user's query are echoed in a message (a template may have 4096). */
export const MAX_QUERY_ECHO = 256;
/** A message about one SLI or the burn rate, as written to status.analysis (the CRD allows 4096). */
export const MAX_CHECK_MESSAGE = 1024;
/** The run's overall message and the decision's (conditions, status.message; Events keep 1024 of it). */
export const MAX_RUN_MESSAGE = 4096;

const REDACTED = '[redacted]';

// Terminal escape sequences: CSI (ESC [ … or the one-byte C1 CSI), OSC (ESC ] … BEL or ST), and any
// other two-character ESC sequence. Removed whole, so no "[31m" is left behind.
// eslint-disable-next-line no-control-regex
const ANSI = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]?/g;
/** Control characters (C0, DEL, C1) and invisible format characters (bidi overrides, zero-width). */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]+/gu;
const HTML_TAG = /<\/?[a-zA-Z!][^<>]{0,1000}>/g;
/** An Authorization header, `Bearer <token>`, `token=…`-style parameters and JWTs: credentials a server may echo back. */
const CREDENTIALS: [RegExp, string][] = [
  [/\b(authorization)(\s*[=:]\s*)(?:(?:Bearer|Basic)\s+)?[^\s&;,"]+/gi, `$1$2${REDACTED}`],
  [/\b(Bearer|Basic)\s+[\w.~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\b((?:access_|id_|refresh_)?token|password|passwd|secret|api[_-]?key)(\s*[=:]\s*)("[^"]*"|[^\s&;,"]+)/gi, `$1$2${REDACTED}`],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, REDACTED],
];

export interface ServerTextOptions {
  /** Characters kept at most (default MAX_SERVER_TEXT); a cut is marked with "…" within the limit. */
  max?: number;
  /** Exact strings to redact wherever they appear, e.g. the bearer token the provider sent. */
  secrets?: readonly string[];
}

/** Server-sent `value` as one short, printable line; a non-string is written as JSON first. */
export function serverText(value: unknown, options: ServerTextOptions = {}): string {
  const max = options.max ?? MAX_SERVER_TEXT;
  // Only so much input is worth cleaning: a 16 MiB string is cut before any regex runs over it.
  let text = toText(value).slice(0, Math.max(max * 8, 4096));
  for (const secret of options.secrets ?? []) if (secret.length >= 4) text = text.split(secret).join(REDACTED);
  text = text.replace(ANSI, '').replace(HTML_TAG, ' ').replace(INVISIBLE, ' ');
  for (const [pattern, replacement] of CREDENTIALS) text = text.replace(pattern, replacement);
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}

/** `text` cut to at most `max` characters (a cut ends in "…"), never splitting a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A user's query echoed in a message: printable and at most MAX_QUERY_ECHO characters. */
export function queryEcho(query: string): string {
  return clip(query.replace(INVISIBLE, ' '), MAX_QUERY_ECHO);
}

/**
 * What a response body was, without any of its content: "an HTML page of 1234 bytes", "an empty body".
 * For messages about answers that are not Prometheus' JSON (a proxy's error page, a login page).
 */
export function describeBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return 'an empty body';
  if (typeof body === 'string') {
    const size = Buffer.byteLength(body.length > 1_000_000 ? body.slice(0, 1_000_000) : body);
    const bytes = `${body.length > 1_000_000 ? 'over 1000000' : size} bytes`;
    return /^\s*</.test(body) ? `an HTML or XML page of ${bytes}` : `a text body of ${bytes}`;
  }
  if (Array.isArray(body)) return `a JSON array of ${body.length} items`;
  if (typeof body === 'object') return 'a JSON object';
  return `a JSON ${typeof body}`;
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
