/**
 * Schema → arbitrary: draws a value for any node of the CRD's OpenAPI schema with fast-check, honouring
 * what the schema states (types, enums, bounds, lengths, patterns, required fields, list sizes) and the
 * CEL rules `ruleConstraints` understands, so most drawn specs are ones the apiserver should accept.
 * Where the schema leaves a string free, the value is often hostile text (it reaches the operator as
 * it is). A string whose description says "PromQL template" gets a template with placeholders; the
 * free-form pod template gets containers, resources, ports and labels. Values are drawn through
 * `fc.gen()`, so a seed replays them exactly.
 */
import fc from 'fast-check';
import { DURATION_PATTERN, parseDuration } from '../../src/util/duration.ts';
import { toPromDuration } from '../../src/analysis/render-query.ts';
import { ruleConstraints, type SchemaNode } from './crd-schema.ts';
import { anyString, hostileText, promqlTemplate } from './hostile-values.ts';

/** fast-check's imperative drawing function (`fc.gen()`). */
export type Draw = fc.GeneratorValue;

/** How often an optional property is drawn, and how large lists get. */
export interface DrawOptions {
  optionalRate: number;
  /** Chance that a free string is hostile rather than plain. */
  hostileRate: number;
}

export const DEFAULT_DRAW_OPTIONS: DrawOptions = { optionalRate: 0.5, hostileRate: 0.35 };

const chance = (g: Draw, p: number): boolean => g(fc.double, { min: 0, max: 1, noNaN: true }) < p;

/** A duration within [minMs, maxMs], written as the CRD's pattern allows ("1h30m", "1.5s", "500ms"). */
export function drawDuration(g: Draw, minMs = 0, maxMs = 24 * 3_600_000): string {
  const edge = g(fc.constantFrom, 'min', 'max', 'inside', 'inside', 'inside');
  const ms = edge === 'min' ? minMs : edge === 'max' ? maxMs : g(fc.integer, { min: Math.ceil(minMs), max: Math.floor(maxMs) });
  const style = g(fc.constantFrom, 'go', 'ms', 's', 'decimal');
  if (style === 'ms') return `${ms}ms`;
  if (style === 's' && ms % 1000 === 0) return `${ms / 1000}s`;
  if (style === 'decimal' && ms % 100 === 0 && ms >= 1000) return `${ms / 1000}s`;
  return toPromDuration(ms);
}

/**
 * A string matching `pattern`. The arbitrary is built inside a fresh closure: `fc.gen()` caches
 * arbitraries by their factory's arguments, and two RegExp arguments look alike to that cache.
 */
export function matching(g: Draw, pattern: string): string {
  return g(() => fc.stringMatching(new RegExp(pattern), { size: 'small' }));
}

/** A metadata.name-like DNS label of `min`–`max` characters. */
function dnsLabel(g: Draw, min: number, max: number): string {
  return matching(g, `^[a-z]([-a-z0-9]{${Math.max(0, min - 2)},${Math.max(0, max - 2)}}[a-z0-9])?$`);
}

function drawString(g: Draw, node: SchemaNode, path: string, opts: DrawOptions): string {
  const c = ruleConstraints(node);
  const maxLength = node.maxLength ?? 4096;
  if (node.enum) return g(fc.constantFrom, ...(node.enum as string[]));
  if (node.pattern === DURATION_PATTERN) return drawDuration(g, c.durationMinMs ?? 0, c.durationMaxMs ?? 168 * 3_600_000);
  if (c.urlSchemes) {
    const scheme = g(fc.constantFrom, ...c.urlSchemes);
    const host = g(fc.constantFrom, 'prometheus.monitoring', '127.0.0.1', 'localhost', '[::1]', 'prom.invalid', 'xn--bcher-kva.invalid');
    const port = g(fc.constantFrom, '', ':9090', ':1', ':65535');
    const rest = g(fc.constantFrom, '', '/', '/prom', '/a/b?x=1', `/${encodeURIComponent(g(() => hostileText).toWellFormed())}`);
    return `${scheme}://${host}${port}${rest}`;
  }
  const pattern = node.pattern ?? c.matches;
  if (pattern) {
    const min = node.minLength ?? 1;
    const drawn = matching(g, pattern);
    return drawn.length >= min && drawn.length <= maxLength ? drawn : drawn.slice(0, maxLength).padEnd(min, 'a');
  }
  if (node.description?.includes('PromQL template')) return clipBytes(g(() => promqlTemplate), maxLength);
  if (/name$/i.test(path) || /\.(key|namespace|kind|group|sectionName|virtualService|httpRoute)$/.test(path)) {
    const text = chance(g, opts.hostileRate / 2) ? clipBytes(g(() => anyString), maxLength) : dnsLabel(g, node.minLength ?? 1, Math.min(maxLength, 40));
    return text.length >= (node.minLength ?? 0) ? text : text.padEnd(node.minLength ?? 0, 'x');
  }
  const text = chance(g, opts.hostileRate) ? g(() => anyString) : g(fc.string, { unit: 'grapheme', minLength: 1, maxLength: 40 });
  return clipBytes(text.length >= (node.minLength ?? 0) ? text : text.padEnd(node.minLength ?? 0, 'x'), maxLength);
}

/** `text` cut to at most `max` UTF-8 bytes, on a code point boundary (the apiserver counts bytes). */
export function clipBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

function drawNumber(g: Draw, node: SchemaNode, integer: boolean): number {
  const c = ruleConstraints(node);
  let min = node.minimum ?? c.numberMin?.value ?? -1e6;
  let max = node.maximum ?? c.numberMax?.value ?? 1e6;
  if (c.numberMin?.exclusive) min += integer ? 1 : 1e-6;
  if (c.numberMax?.exclusive) max -= integer ? 1 : 1e-6;
  const edge = g(fc.constantFrom, 'min', 'max', 'inside', 'inside');
  if (edge === 'min') return min;
  if (edge === 'max') return max;
  return integer ? g(fc.integer, { min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }) : g(fc.double, { min, max, noNaN: true, noDefaultInfinity: true });
}

/** Draws a value for `node` at `path` (dotted, e.g. "spec.strategy.steps"). */
export function drawValue(g: Draw, node: SchemaNode, path: string, opts: DrawOptions = DEFAULT_DRAW_OPTIONS): unknown {
  switch (node.type) {
    case 'string': return drawString(g, node, path, opts);
    case 'integer': return drawNumber(g, node, true);
    case 'number': return drawNumber(g, node, false);
    case 'boolean': return g(fc.boolean);
    case 'array': return drawArray(g, node, path, opts);
    default: return drawObject(g, node, path, opts);
  }
}

function drawArray(g: Draw, node: SchemaNode, path: string, opts: DrawOptions): unknown[] {
  const min = node.minItems ?? 0;
  const max = Math.min(node.maxItems ?? 5, 5);
  const n = g(fc.constantFrom, min, max, g(fc.integer, { min, max: Math.max(min, max) }));
  let items = Array.from({ length: n }, (_, i) => drawValue(g, node.items ?? {}, `${path}[${i}]`, opts));
  const keys = node['x-kubernetes-list-map-keys'];
  if (keys) {
    const seen = new Set<string>();
    items = items.filter((it) => {
      const key = JSON.stringify(keys.map((k) => (it as Record<string, unknown>)[k]));
      return !seen.has(key) && !!seen.add(key);
    });
  }
  const increasing = ruleConstraints(node).increasing;
  if (increasing) {
    const values = [...new Set(items.map((it) => (it as Record<string, number>)[increasing]).filter((v) => v !== undefined))].sort((a, b) => a - b);
    let k = 0;
    items = items.filter((it) => {
      const o = it as Record<string, number>;
      if (o[increasing] === undefined) return true;
      if (k >= values.length) return false;
      o[increasing] = values[k++] as number;
      return true;
    });
    if (items.length < min) items.push(drawValue(g, node.items ?? {}, `${path}[${items.length}]`, opts));
  }
  return items;
}

function drawObject(g: Draw, node: SchemaNode, path: string, opts: DrawOptions): Record<string, unknown> {
  const c = ruleConstraints(node);
  const props = node.properties ?? {};
  const required = new Set([...(node.required ?? []), ...c.nonEmpty.map((p) => p.split('.')[0] as string)]);
  const out: Record<string, unknown> = {};
  const nonEmpty = new Set(c.nonEmpty);
  const draw = (key: string) => {
    const child = props[key] as SchemaNode;
    out[key] = drawValue(g, nonEmpty.has(key) ? { ...child, minLength: Math.max(1, child.minLength ?? 0) } : child, `${path}.${key}`, opts);
  };
  const exclusive = new Set(c.exactlyOne.flat());
  for (const key of Object.keys(props)) {
    if (exclusive.has(key)) continue;
    if (required.has(key) || chance(g, opts.optionalRate)) draw(key);
  }
  for (const group of c.exactlyOne) {
    for (const key of group) delete out[key];
    draw(g(fc.constantFrom, ...group));
  }
  for (const [a = '', b = ''] of c.together) if ((a in out) !== (b in out)) { draw(a); draw(b); }
  for (const [a = '', b = ''] of c.implies) {
    if (!(a in out) || b in out) continue;
    if (props[b] && !exclusive.has(b)) draw(b);
    else delete out[a];
  }
  for (const group of c.atLeastOne) if (!group.some((k) => k in out)) draw(g(fc.constantFrom, ...group));
  const effective = (key: string) => out[key] ?? props[key]?.default;
  for (const { lower, upper, durations } of c.ordered) {
    const lo = effective(lower);
    const hi = effective(upper);
    if (lo === undefined || hi === undefined) continue;
    const [a, b] = durations ? [parseDuration(lo as string) ?? 0, parseDuration(hi as string) ?? 0] : [lo as number, hi as number];
    if (a > b) [out[lower], out[upper]] = [hi, lo];
    if (durations && a === b) { delete out[lower]; delete out[upper]; }
  }
  for (const { key, value, field } of c.onlyWhen) {
    if (effective(key) === value && !(field in out)) draw(field);
    if (effective(key) !== value) delete out[field];
  }
  for (const nested of c.nonEmpty.filter((p) => p.includes('.'))) {
    const [parent = '', child = ''] = nested.split('.');
    const holder = out[parent] as Record<string, unknown[]> | undefined;
    const itemNode = props[parent]?.properties?.[child]?.items ?? {};
    if (holder && (!Array.isArray(holder[child]) || holder[child].length === 0)) holder[child] = [drawValue(g, itemNode, `${path}.${nested}[0]`, opts)];
  }
  if (node['x-kubernetes-preserve-unknown-fields'] && path.endsWith('.template')) Object.assign(out, podTemplateExtras(g, out, opts));
  return out;
}

/** What a real pod template carries beyond containers: labels, GPU limits, ports, env, node selection. */
function podTemplateExtras(g: Draw, template: Record<string, unknown>, opts: DrawOptions): Record<string, unknown> {
  const spec = (template.spec ?? {}) as { containers?: Record<string, unknown>[] };
  for (const c of spec.containers ?? []) {
    if (chance(g, 0.5)) c.resources = { limits: { 'nvidia.com/gpu': g(fc.constantFrom, 1, 2, 0, '1', 'lots', -1, 5) } };
    if (chance(g, 0.3)) c.ports = [{ containerPort: g(fc.constantFrom, 8080, 0, 65536, 1, 65535), name: g(fc.constantFrom, 'http', 'HTTP', 'a'.repeat(16)) }];
    if (chance(g, 0.3)) c.env = [{ name: g(fc.constantFrom, 'MODEL', 'ACTIVATION', '1BAD', ''), value: chance(g, opts.hostileRate) ? g(() => anyString) : 'x' }];
  }
  const extras: Record<string, unknown> = {};
  if (chance(g, 0.4)) extras.metadata = { labels: { app: g(fc.constantFrom, 'model', 'x'.repeat(64), 'a b') }, annotations: { note: chance(g, opts.hostileRate) ? g(() => anyString) : 'n' } };
  if (chance(g, 0.2)) spec.containers?.push({ name: 'sidecar', image: 'busybox' });
  if (chance(g, 0.2)) Object.assign(spec, { nodeSelector: { 'no-such-label': 'x' } });
  return extras;
}
