/**
 * The ModelVariant CRD's own OpenAPI schema, read from crds/ (the single source of truth) for the spec
 * fuzzer, and the constraints its simple CEL rules state in a shape a generator can honour: duration
 * bounds, numeric bounds, "exactly one of", "both or neither", "a implies b", "at least one of",
 * ordered pairs, strictly increasing list fields, provider-dependent fields, URLs. Rules of any other
 * shape are left to chance: the apiserver decides, which is the point of fuzzing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../harness/binaries.ts';

/** The part of an OpenAPI v3 schema node a CRD uses. */
export interface SchemaNode {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string; fieldPath?: string }[];
  'x-kubernetes-list-map-keys'?: string[];
}

/** What the generator can honour of a node's CEL rules. */
export interface RuleConstraints {
  /** Duration bounds in milliseconds, from `duration(self) >= duration('10s')`-style comparisons. */
  durationMinMs?: number;
  durationMaxMs?: number;
  /** Numeric bounds from `self > 0.0`, `self < 1.0`; `exclusive` when strict. */
  numberMin?: { value: number; exclusive: boolean };
  numberMax?: { value: number; exclusive: boolean };
  /** A regular expression the whole string must match, from `self.matches('^…$')`. */
  matches?: string;
  /** `size(self.x) <= n` on the object's own string. */
  maxSize?: number;
  /** `isURL(self)` with the schemes listed. */
  urlSchemes?: string[];
  /** Groups of properties of which exactly one is set. */
  exactlyOne: string[][];
  /** Groups of properties set together or not at all. */
  together: string[][];
  /** Groups of properties of which at least one is set. */
  atLeastOne: string[][];
  /** `[a, b]`: when a is set, b must be. */
  implies: [string, string][];
  /** `[a, b]`: a ≤ b (numbers) or a < b (durations). */
  ordered: { lower: string; upper: string; durations: boolean }[];
  /** `{key, value, field}`: field is required when key == value and forbidden otherwise. */
  onlyWhen: { key: string; value: string; field: string }[];
  /** Array items whose `field`, where set, strictly increases. */
  increasing?: string;
  /** `has(self.x) && size(self.x) > 0`: x required and non-empty. */
  nonEmpty: string[];
}

const CRD_FILE = join(REPO_ROOT, 'crds', 'activationcanary.io_modelvariants.yaml');

interface CrdDocument {
  spec: { versions: { name: string; schema: { openAPIV3Schema: SchemaNode } }[] };
}

/** The openAPIV3Schema of the CRD's first version (v1alpha1). */
export function loadModelVariantSchema(file = CRD_FILE): SchemaNode {
  const crd = parse(readFileSync(file, 'utf8')) as CrdDocument;
  const version = crd.spec.versions[0];
  if (!version) throw new Error(`${file} has no version`);
  return version.schema.openAPIV3Schema;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a simple literal such as "10s" or "168h" (as written in the CRD's rules). */
export function literalDurationMs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/([0-9.]+)(ms|s|m|h)/g)) total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return total;
}

const has = (name: string) => `has\\(self\\.(${name})\\)`;
const NAME = '[A-Za-z_][A-Za-z0-9_]*';

/** The constraints of a node's `x-kubernetes-validations` that have one of the shapes above. */
export function ruleConstraints(node: SchemaNode): RuleConstraints {
  const c: RuleConstraints = { exactlyOne: [], together: [], atLeastOne: [], implies: [], ordered: [], onlyWhen: [], nonEmpty: [] };
  for (const { rule } of node['x-kubernetes-validations'] ?? []) {
    for (const m of rule.matchAll(/duration\(self\) (>=|<=) duration\('([^']+)'\)/g)) {
      if (m[1] === '>=') c.durationMinMs = literalDurationMs(m[2] as string);
      else c.durationMaxMs = literalDurationMs(m[2] as string);
    }
    for (const m of rule.matchAll(/(?:^|&& )self (>=|>|<=|<) (-?[0-9.]+)/g)) {
      const bound = { value: Number(m[2]), exclusive: m[1] === '>' || m[1] === '<' };
      if (m[1]?.startsWith('>')) c.numberMin = bound;
      else c.numberMax = bound;
    }
    const matches = /^self\.matches\('(.*)'\)$/.exec(rule);
    if (matches) c.matches = (matches[1] as string).replace(/\\\\/g, '\\');
    const size = /^size\(self\) <= (\d+)$/.exec(rule);
    if (size) c.maxSize = Number(size[1]);
    const url = /^isURL\(self\).*getScheme\(\) in \[([^\]]+)\]/.exec(rule);
    if (url) c.urlSchemes = [...(url[1] as string).matchAll(/'([^']+)'/g)].map((x) => x[1] as string);
    let m = new RegExp(`^${has(NAME)} != ${has(NAME)}$`).exec(rule);
    if (m) c.exactlyOne.push([m[1] as string, m[2] as string]);
    m = new RegExp(`^${has(NAME)} == ${has(NAME)}$`).exec(rule);
    if (m) c.together.push([m[1] as string, m[2] as string]);
    m = new RegExp(`^'?!${has(NAME)} \\|\\| ${has(NAME)}'?$`).exec(rule);
    if (m) c.implies.push([m[1] as string, m[2] as string]);
    if (/^\[has\(self\.\w+\)(, has\(self\.\w+\))+\]\.filter\(x, x\)\.size\(\) == 1$/.test(rule)) {
      c.exactlyOne.push([...rule.matchAll(/has\(self\.(\w+)\)/g)].map((x) => x[1] as string));
    }
    if (/^has\(self\.\w+\)( \|\| has\(self\.\w+\))+$/.test(rule)) {
      c.atLeastOne.push([...rule.matchAll(/has\(self\.(\w+)\)/g)].map((x) => x[1] as string));
    }
    m = /^'?!has\(self\.(\w+)\) \|\| !has\(self\.(\w+)\) \|\| self\.\1 <= self\.\2'?$/.exec(rule);
    if (m) c.ordered.push({ lower: m[1] as string, upper: m[2] as string, durations: false });
    m = /duration\(self\.(\w+)\) < duration\(self\.(\w+)\)"?$/.exec(rule);
    if (m) c.ordered.push({ lower: m[1] as string, upper: m[2] as string, durations: true });
    m = /^self\.(\w+) != '([^']+)' \|\| has\(self\.(\w+)\)$/.exec(rule);
    if (m) c.onlyWhen.push({ key: m[1] as string, value: m[2] as string, field: m[3] as string });
    m = /filter\(s, has\(s\.(\w+)\)\)\[i\]\.\1 > /.exec(rule);
    if (m) c.increasing = m[1] as string;
    m = /^has\(self\.(\w+)\) && has\(self\.\1\.(\w+)\) && size\(self\.\1\.\2\) > 0$/.exec(rule);
    if (m) c.nonEmpty.push(`${m[1]}.${m[2]}`);
    m = /^has\(self\.(\w+)\) && size\(self\.\1\) > 0$/.exec(rule);
    if (m) c.nonEmpty.push(m[1] as string);
  }
  return c;
}

/** The longest metadata.name the CRD's root rules allow, and the suffixes they forbid. */
export function nameRules(root: SchemaNode): { maxLength: number; forbiddenSuffixes: string[] } {
  const rules = (root['x-kubernetes-validations'] ?? []).map((v) => v.rule).join('\n');
  const max = /size\(self\.metadata\.name\) <= (\d+)/.exec(rules);
  return {
    maxLength: max ? Number(max[1]) : 253,
    forbiddenSuffixes: [...rules.matchAll(/metadata\.name\.endsWith\('([^']+)'\)/g)].map((m) => m[1] as string),
  };
}
