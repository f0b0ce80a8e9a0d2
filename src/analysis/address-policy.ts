/**
 * The operator's allow-list of Prometheus addresses (`--prometheus-allowed-addresses`). A ModelVariant
 * chooses where the operator sends its queries and, with them, the bearer token of its Secret; an
 * administrator can confine that to known Prometheus (or Thanos, Mimir) endpoints. An entry is an
 * http(s) URL; an address is allowed when its scheme, host and port (the scheme's default when absent)
 * equal an entry's and, if the entry has a path, the address' path is that path or below it on a
 * segment boundary (`/prom` allows `/prom` and `/prom/x`, not `/prometheus`). Both sides are compared
 * as WHATWG URLs, so `..` and `%2e%2e` segments are resolved before the comparison, as they are before
 * the request is sent. An empty list allows every address. Pure.
 */
import type { Result, TrustError } from './errors.ts';
import { clip } from './sanitize.ts';

/** The operator flag (and ACTIVATION_CANARY_PROMETHEUS_ALLOWED_ADDRESSES) that sets the list. */
export const ALLOWED_ADDRESSES_FLAG = '--prometheus-allowed-addresses';

/** One entry of the allow-list, normalised. */
export interface AllowedAddress {
  protocol: 'http:' | 'https:';
  /** Lower-case host name or IP literal (IPv6 in brackets). */
  hostname: string;
  /** The port, the scheme's default filled in ("80", "443"). */
  port: string;
  /** "" (any path) or a path without a trailing slash, e.g. "/prometheus". */
  pathPrefix: string;
  /** The entry as written back in messages: scheme://host:port/path. */
  text: string;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** Reads one entry, or says what is wrong with it. */
export function parseAllowedAddress(entry: string): Result<AllowedAddress, string> {
  const shown = JSON.stringify(clip(entry, 200));
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return { ok: false, error: `${shown} is not a URL: write e.g. http://prometheus.monitoring:9090` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, error: `${shown} must start with http:// or https://` };
  if (!url.hostname) return { ok: false, error: `${shown} has no host` };
  if (url.username || url.password) return { ok: false, error: `${shown} must not contain a user or password` };
  if (url.search || url.hash || entry.includes('?') || entry.includes('#')) return { ok: false, error: `${shown} must not have a query (?) or fragment (#)` };
  const protocol = url.protocol;
  const port = url.port || (DEFAULT_PORTS[protocol] as string);
  const pathPrefix = url.pathname.replace(/\/+$/, '');
  return { ok: true, value: { protocol, hostname: url.hostname, port, pathPrefix, text: `${protocol}//${url.hostname}:${port}${pathPrefix}` } };
}

/** Reads a comma-separated list (or a list of such strings); blanks are ignored. */
export function parseAllowedAddresses(list: string | readonly string[]): Result<AllowedAddress[], string> {
  const entries = (typeof list === 'string' ? [list] : list).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const parsed: AllowedAddress[] = [];
  for (const entry of entries) {
    const r = parseAllowedAddress(entry);
    if (!r.ok) return r;
    parsed.push(r.value);
  }
  return { ok: true, value: parsed };
}

/** True when `address` (a prometheus.address) matches `entry`. */
export function matchesAllowedAddress(address: string, entry: AllowedAddress): boolean {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return false;
  }
  if (url.protocol !== entry.protocol || url.hostname !== entry.hostname) return false;
  if ((url.port || DEFAULT_PORTS[url.protocol]) !== entry.port) return false;
  const path = url.pathname.replace(/\/+$/, '');
  return entry.pathPrefix === '' || path === entry.pathPrefix || path.startsWith(`${entry.pathPrefix}/`);
}

/** Undefined when the list is empty or an entry matches; else the error naming the flag and the list. */
export function checkAddressAllowed(address: string, allowed: readonly AllowedAddress[]): TrustError | undefined {
  if (allowed.length === 0 || allowed.some((entry) => matchesAllowedAddress(address, entry))) return undefined;
  const list = allowed.map((a) => a.text);
  return { code: 'AddressNotAllowed', address, allowed: list,
    message: `prometheus.address ${JSON.stringify(clip(address, 200))} is not allowed by the operator's ${ALLOWED_ADDRESSES_FLAG} (${clip(list.join(', '), 600)}): use one of those addresses, or ask the operator's administrator to add this one` };
}
