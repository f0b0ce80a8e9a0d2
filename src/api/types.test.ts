/**
 * `withDefaults` against the CRD it mirrors: the test reads the `default:` values from the YAML and
 * applies them the way the apiserver's structural defaulting does, so the function and the CRD cannot
 * drift apart. The integration suite checks the same against a real apiserver.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULTS, withDefaults, type ModelVariantSpec } from './types.ts';

interface Schema {
  type?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
}

const ROOT = join(import.meta.dirname, '..', '..');
const crd = parse(readFileSync(join(ROOT, 'crds', 'activationcanary.io_modelvariants.yaml'), 'utf8'));
const specSchema: Schema = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;

/** Structural defaulting: an absent field with a default gets a copy of it, then defaults apply inside. */
function applySchemaDefaults(node: Schema, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (node.items ? applySchemaDefaults(node.items, item) : item));
  if (typeof value !== 'object' || value === null || !node.properties) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, sub] of Object.entries(node.properties)) {
    if (out[key] === undefined && sub.default !== undefined) out[key] = structuredClone(sub.default);
    if (out[key] !== undefined) out[key] = applySchemaDefaults(sub, out[key]);
  }
  return out;
}

/** Every `default:` of the spec schema, keyed by the field's name. */
function yamlDefaults(node: Schema, into: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, sub] of Object.entries(node.properties ?? {})) {
    if (sub.default !== undefined && sub.type !== 'object') into[key] = sub.default;
    yamlDefaults(sub, into);
  }
  if (node.items) yamlDefaults(node.items, into);
  return into;
}

const template = { spec: { containers: [{ name: 'server', image: 'ghcr.io/example/sentiment-server:1.4.0' }] } };
const prometheus = { address: 'http://prometheus.monitoring:9090' };

const specs: [string, ModelVariantSpec][] = [
  ['a minimal spec', { activation: 'relu', template }],
  ['a spec with analysis but no slo', { activation: 'gelu', template, strategy: { analysis: { prometheus } } }],
  ['a spec with an empty slo', { activation: 'gelu', template, strategy: { analysis: { prometheus, slo: {} } } }],
  [
    'a spec with an experiment',
    {
      activation: 'relu', template,
      strategy: {
        analysis: { prometheus, slis: [{ name: 'accuracy', builtin: 'accuracy', min: 0.5 }] },
        experiment: { candidates: [{ activation: 'gelu', weight: 10 }, { activation: 'silu', weight: 10 }],
          slis: [{ name: 'accuracy', minimumEffect: { absolute: 0.01 } }], rankBy: [{ sli: 'accuracy', prefer: 'higher' }] },
      },
    },
  ],
  [
    'a spec that sets some fields itself',
    {
      activation: 'silu',
      template,
      replicas: 0,
      traffic: { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'sentiment', port: 8080 } },
      strategy: {
        steps: [{ setWeight: 5 }, { setWeight: 25, pause: '5m' }],
        analysis: { prometheus: { ...prometheus, timeout: '3s' }, failureLimit: 3, slo: { objective: 0.99, longWindow: '1h' } },
      },
    },
  ],
];

describe('withDefaults', () => {
  it('knows exactly the defaults the CRD declares', () => {
    expect(DEFAULTS).toEqual(yamlDefaults(specSchema));
  });

  it.each(specs)('fills %s as the apiserver would', (_, spec) => {
    expect(withDefaults(spec)).toEqual(applySchemaDefaults(specSchema, spec));
  });

  it('keeps a value the user set, even a falsy one', () => {
    const spec = withDefaults({ activation: 'relu', template, replicas: 0 });
    expect(spec.replicas).toBe(0);
  });

  it('leaves analysis and slo absent when the user left them out', () => {
    expect(withDefaults({ activation: 'relu', template }).strategy.analysis).toBeUndefined();
    expect(withDefaults({ activation: 'relu', template, strategy: { analysis: { prometheus } } }).strategy.analysis?.slo).toBeUndefined();
  });

  it('neither mutates its input nor shares the default steps between specs', () => {
    const input: ModelVariantSpec = { activation: 'relu', template };
    const frozen = structuredClone(input);
    const a = withDefaults(input);
    const b = withDefaults(input);
    expect(input).toEqual(frozen);
    a.strategy.steps.push({ setWeight: 100 });
    expect(b.strategy.steps).toEqual([{ setWeight: 50, pause: '1m' }]);
    expect(DEFAULTS.steps).toEqual([{ setWeight: 50, pause: '1m' }]);
  });
});
