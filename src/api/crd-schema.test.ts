/**
 * Offline checks of the ModelVariant CRD: the names the operator relies on, a structural schema the
 * apiserver will accept (a type everywhere, bounded strings and lists so CEL rules fit the cost
 * budget), a description on every field, one duration pattern shared with src/util/duration.ts, and
 * samples and defaults that satisfy the OpenAPI part of the schema. The CEL rules need a real
 * apiserver: test/integration/crd.test.ts covers them.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DURATION_PATTERN, HUGE_DURATION_PATTERN, parseDuration } from '../util/duration.ts';
import { MAX_MODEL_NAME_LENGTH } from '../workload/names.ts';
import { API_VERSION, GROUP, KIND, PHASE, PLURAL, VERSION } from './types.ts';

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  format?: string;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  additionalProperties?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string; messageExpression?: string; fieldPath?: string }[];
}

const ROOT = join(import.meta.dirname, '..', '..');
const crd = parse(readFileSync(join(ROOT, 'crds', 'activationcanary.io_modelvariants.yaml'), 'utf8'));
const version = crd.spec.versions.find((v: { name: string }) => v.name === VERSION);
const schema: Schema = version.schema.openAPIV3Schema;

/** Every schema node with its dotted path ("[]" for items), root first. */
function nodes(node: Schema, path = ''): [string, Schema][] {
  const out: [string, Schema][] = [[path, node]];
  for (const [name, sub] of Object.entries(node.properties ?? {})) out.push(...nodes(sub, path ? `${path}.${name}` : name));
  if (node.items) out.push(...nodes(node.items, `${path}[]`));
  return out;
}
const all = nodes(schema);

/** What the OpenAPI part of the schema (not CEL) rejects in `value`, or pruning would drop. */
function violations(node: Schema, value: unknown, path: string): string[] {
  const bad = (why: string) => [`${path}: ${why}`];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (node.enum && !node.enum.includes(value)) return bad(`${JSON.stringify(value)} not in enum`);
  switch (node.type) {
    case 'string':
      if (typeof value !== 'string') return bad('not a string');
      if (node.maxLength !== undefined && value.length > node.maxLength) return bad('too long');
      if (node.pattern && !new RegExp(node.pattern).test(value)) return bad(`${value} does not match ${node.pattern}`);
      return [];
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (node.type === 'integer' && !Number.isInteger(value))) return bad(`not an ${node.type}`);
      if ((node.minimum !== undefined && value < node.minimum) || (node.maximum !== undefined && value > node.maximum)) return bad('out of range');
      return [];
    case 'array': {
      if (!Array.isArray(value)) return bad('not an array');
      if (value.length < (node.minItems ?? 0) || value.length > (node.maxItems ?? Infinity)) return bad('wrong number of items');
      return value.flatMap((item, i) => violations(node.items as Schema, item, `${path}[${i}]`));
    }
    case 'boolean':
      return typeof value === 'boolean' ? [] : bad('not a boolean');
    case 'object': {
      if (!isObject(value)) return bad('not an object');
      const missing = (node.required ?? []).filter((key) => value[key] === undefined).map((key) => `${path}.${key}: required`);
      const fields = Object.entries(value).flatMap(([key, v]) => {
        const sub = node.properties?.[key];
        if (sub) return violations(sub, v, `${path}.${key}`);
        return node['x-kubernetes-preserve-unknown-fields'] ? [] : [`${path}.${key}: unknown field (the apiserver would prune it)`];
      });
      return [...missing, ...fields];
    }
    default:
      return bad(`schema without type ${String(node.type)}`);
  }
}

describe('the ModelVariant CRD', () => {
  it('names the resource as the operator expects', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.metadata.name).toBe(`${PLURAL}.${GROUP}`);
    expect(crd.spec).toMatchObject({
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, plural: PLURAL, singular: 'modelvariant', shortNames: ['mv'], categories: ['all', 'activationcanary'] },
    });
    expect(API_VERSION).toBe(`${crd.spec.group}/${version.name}`);
    expect(crd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({
      served: true,
      storage: true,
      subresources: {
        status: {},
        scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
      },
    });
  });

  it('prints activation, stable, canary, weight, phase and age columns, and change and revision with -o wide', () => {
    type Column = { name: string; jsonPath: string; priority?: number };
    expect(version.additionalPrinterColumns.map((c: Column) => [c.name, c.jsonPath, c.priority ?? 0])).toEqual([
      ['Activation', '.spec.activation', 0],
      ['Stable', '.status.stableActivation', 0],
      ['Canary', '.status.canaryActivation', 0],
      ['Weight', '.status.canaryWeight', 0],
      ['Phase', '.status.phase', 0],
      ['Age', '.metadata.creationTimestamp', 0],
      ['Change', '.status.change', 1],
      ['Revision', '.status.stableRevision', 1],
    ]);
  });

  it('declares only metadata.name of the root metadata, so the rules about the name can name it as their field', () => {
    expect(Object.keys(schema.properties?.metadata?.properties ?? {})).toEqual(['name']);
    // Without fieldPath the apiserver reports a root rule's field as "<nil>" (found by the spec fuzzer).
    for (const v of schema['x-kubernetes-validations'] ?? []) expect({ rule: v.rule, fieldPath: v.fieldPath }).toEqual({ rule: v.rule, fieldPath: '.metadata.name' });
  });

  it('gives every schema node a type (the schema is structural)', () => {
    const untyped = all.filter(([, node]) => !node.type).map(([path]) => path);
    expect(untyped).toEqual([]);
    const openAndClosed = all.filter(([, n]) => n.properties && n.additionalProperties !== undefined).map(([path]) => path);
    expect(openAndClosed).toEqual([]);
  });

  it('describes every field for the platform engineer reading kubectl explain', () => {
    // The apiserver forbids anything but a type on the root metadata.
    const undocumented = all
      .filter(([path, node]) => path !== 'metadata' && (!node.description || node.description.trim().length < 5))
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it('bounds every free-form string and every list, so CEL rules fit the cost budget', () => {
    // metadata.name is bounded by the apiserver itself (253) and by a rule (56).
    const rootFields = new Set(['apiVersion', 'kind', 'metadata.name']);
    const unboundedStrings = all
      .filter(([path, n]) => n.type === 'string' && !n.enum && n.maxLength === undefined && !rootFields.has(path))
      .map(([path]) => path);
    expect(unboundedStrings).toEqual([]);
    const unboundedLists = all.filter(([, n]) => n.type === 'array' && n.maxItems === undefined).map(([path]) => path);
    expect(unboundedLists).toEqual([]);
  });

  it('gives every CEL rule a message a user understands', () => {
    const rules = all.flatMap(([path, n]) => (n['x-kubernetes-validations'] ?? []).map((v) => ({ path, ...v })));
    expect(rules.length).toBeGreaterThanOrEqual(15);
    for (const rule of rules) expect({ path: rule.path, message: (rule.message ?? '').length > 20 }).toEqual({ path: rule.path, message: true });
  });

  it('keys map-type lists by a field every item must have', () => {
    for (const [path, n] of all.filter(([, n]) => n['x-kubernetes-list-type'] === 'map')) {
      for (const key of n['x-kubernetes-list-map-keys'] ?? []) expect({ path, required: n.items?.required?.includes(key) }).toEqual({ path, required: true });
    }
  });

  it('uses DURATION_PATTERN of src/util/duration.ts for every duration field', () => {
    const durations = all.filter(([, n]) => n.pattern?.includes('(ms|s|m|h)')).map(([path, n]) => [path, n.pattern]);
    expect(durations).toEqual(
      [
        'spec.strategy.steps[].pause',
        'spec.strategy.progressDeadline',
        'spec.strategy.promotionDeadline',
        'spec.strategy.capacityTimeout',
        'spec.strategy.analysis.interval',
        'spec.strategy.analysis.prometheus.timeout',
        'spec.strategy.analysis.slo.shortWindow',
        'spec.strategy.analysis.slo.longWindow',
        'spec.strategy.analysis.slis[].window',
        'spec.strategy.experiment.duration',
      ].map((path) => [path, DURATION_PATTERN]),
    );
  });

  const celLiteral = (pattern: string) => `'${pattern.replaceAll('\\', '\\\\')}'`;

  it('guards the window comparison with the duration pattern and the overflow guard', () => {
    const slo = all.find(([path]) => path === 'spec.strategy.analysis.slo')?.[1];
    const rule = slo?.['x-kubernetes-validations']?.find((v) => v.rule.includes('duration('))?.rule ?? '';
    expect(rule.split(celLiteral(DURATION_PATTERN))).toHaveLength(3);
    expect(rule.split(celLiteral(HUGE_DURATION_PATTERN))).toHaveLength(3);
  });

  it('bounds every duration field with a CEL rule that never calls duration() on a string it cannot parse', () => {
    const bounds = all
      .filter(([, n]) => n.pattern === DURATION_PATTERN)
      .map(([path, n]) => {
        const rules = (n['x-kubernetes-validations'] ?? []).filter((v) => v.rule.includes('duration(self)'));
        const rule = rules[0]?.rule ?? '';
        const guarded = rule.startsWith(`!self.matches(${celLiteral(DURATION_PATTERN)}) || (!self.matches(${celLiteral(HUGE_DURATION_PATTERN)}) && `);
        const min = /duration\(self\) >= duration\('([^']+)'\)/.exec(rule)?.[1];
        const max = /duration\(self\) <= duration\('([^']+)'\)/.exec(rule)?.[1];
        return { path, rules: rules.length, guarded, min, max };
      });
    const expected = (path: string, min: string | undefined, max: string) => ({ path, rules: 1, guarded: true, min, max });
    expect(bounds).toEqual([
      expected('spec.strategy.steps[].pause', undefined, '168h'),
      expected('spec.strategy.progressDeadline', '10s', '24h'),
      expected('spec.strategy.promotionDeadline', '10s', '24h'),
      expected('spec.strategy.capacityTimeout', '1m', '168h'),
      expected('spec.strategy.analysis.interval', '1s', '1h'),
      expected('spec.strategy.analysis.prometheus.timeout', '100ms', '5m'),
      expected('spec.strategy.analysis.slo.shortWindow', '5s', '24h'),
      expected('spec.strategy.analysis.slo.longWindow', '5s', '24h'),
      expected('spec.strategy.analysis.slis[].window', '5s', '24h'),
      expected('spec.strategy.experiment.duration', '10s', '168h'),
    ]);
    // The guard only refuses values above 27000h, so the bounds must stay well below it.
    for (const { max } of bounds) expect(parseDuration(max as string)).toBeLessThanOrEqual(parseDuration('168h') as number);
  });

  it('keeps every duration default within its bounds', () => {
    for (const [path, n] of all.filter(([, n]) => n.pattern === DURATION_PATTERN && n.default !== undefined)) {
      const rule = n['x-kubernetes-validations']?.[0]?.rule ?? '';
      const ms = parseDuration(n.default as string) as number;
      const min = /duration\(self\) >= duration\('([^']+)'\)/.exec(rule)?.[1];
      const max = /duration\(self\) <= duration\('([^']+)'\)/.exec(rule)?.[1] as string;
      expect({ path, within: ms >= (min ? (parseDuration(min) as number) : 0) && ms <= (parseDuration(max) as number) }).toEqual({ path, within: true });
    }
  });

  it('refuses ModelVariant names that would collide with the children of another ModelVariant', () => {
    const rules = (schema['x-kubernetes-validations'] ?? []).map((v) => v.rule);
    expect(rules).toContain("!self.metadata.name.endsWith('-stable') && !self.metadata.name.endsWith('-canary')");
    expect(rules).toContain(`size(self.metadata.name) <= ${MAX_MODEL_NAME_LENGTH}`);
    expect(rules).toContain("self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')");
  });

  it('declares defaults that satisfy their own schema', () => {
    const defaults = all.filter(([, n]) => n.default !== undefined);
    expect(defaults.length).toBeGreaterThanOrEqual(13);
    for (const [path, n] of defaults) expect(violations(n, n.default, path)).toEqual([]);
  });

  it('enumerates the phases the operator writes', () => {
    const phase = all.find(([path]) => path === 'status.phase')?.[1];
    expect(phase?.enum).toEqual(Object.values(PHASE));
  });
});

describe('the samples in deploy/samples', () => {
  const dir = join(ROOT, 'deploy', 'samples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('cover every traffic provider, analysis and no analysis', () => {
    const specs = files.map((f) => parse(readFileSync(join(dir, f), 'utf8')).spec);
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(new Set(specs.map((s) => s.traffic?.provider ?? 'replicas'))).toEqual(new Set(['replicas', 'gatewayAPI', 'istio']));
    expect(specs.some((s) => s.strategy?.analysis)).toBe(true);
    expect(specs.some((s) => !s.strategy?.analysis)).toBe(true);
    expect(specs.some((s) => s.strategy?.analysis?.slis?.some((sli: { query?: string }) => sli.query))).toBe(true);
  });

  it.each(files)('%s is a ModelVariant the OpenAPI schema accepts without pruning', (file) => {
    const object = parse(readFileSync(join(dir, file), 'utf8'));
    expect(object).toMatchObject({ apiVersion: API_VERSION, kind: KIND, metadata: { name: expect.any(String) } });
    expect(violations(schema.properties?.spec as Schema, object.spec, 'spec')).toEqual([]);
  });
});
