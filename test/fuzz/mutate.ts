/**
 * Hostile edits of a drawn ModelVariant, each recorded with the path it touched (as the apiserver
 * writes paths: `spec.strategy.steps[3].pause`): a string replaced by hostile text, a duration by
 * `99999999999h` and friends, a number by a boundary or a literal float64 cannot hold, a field deleted
 * or given the wrong type, a list made enormous (steps × 1000, slis × 500), an unknown field, a key
 * written twice in the JSON text, and a metadata.name the operator cannot use.
 */
import fc from 'fast-check';
import { DURATION_PATTERN } from '../../src/util/duration.ts';
import type { SchemaNode } from './crd-schema.ts';
import { anyString, boundaryNumbers, enormousString, hostileDuration, RAW_NUMBER_LITERALS, wrongType } from './hostile-values.ts';
import { addDuplicate, RawJson } from './json-text.ts';
import type { Draw } from './schema-arbitrary.ts';

export type PathKey = string | number;

export type MutationKind =
  | 'hostileString' | 'enormousString' | 'hostileDuration' | 'boundaryNumber' | 'rawNumber' | 'delete' | 'wrongType'
  | 'enormousList' | 'unknownField' | 'duplicateKey' | 'name';

export interface Mutation {
  kind: MutationKind;
  /** Where, as the apiserver names it. */
  path: string;
}

/** `spec.strategy.steps[3].pause` from `['spec', 'strategy', 'steps', 3, 'pause']`. */
export function pathText(path: readonly PathKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** The schema node at `path` (array indexes step into `items`); undefined in free-form parts. */
export function schemaAt(root: SchemaNode, path: readonly PathKey[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const key of path) {
    if (!node) return undefined;
    node = typeof key === 'number' ? node.items : node.properties?.[key];
  }
  return node;
}

/** Every path in `value` below `prefix` (objects, arrays and leaves), parents first. */
export function allPaths(value: unknown, prefix: PathKey[] = []): PathKey[][] {
  const out: PathKey[][] = [prefix];
  if (Array.isArray(value)) value.slice(0, 50).forEach((v, i) => out.push(...allPaths(v, [...prefix, i])));
  else if (value && typeof value === 'object' && !(value instanceof RawJson)) for (const [k, v] of Object.entries(value)) out.push(...allPaths(v, [...prefix, k]));
  return out;
}

function parentOf(root: Record<string, unknown>, path: readonly PathKey[]): Record<string | number, unknown> | undefined {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node && typeof node === 'object' ? (node as Record<string | number, unknown>) : undefined;
}

/** How many copies an enormous list gets: steps × 1000, slis × 500, anything else × 100. */
function enormousLength(path: readonly PathKey[]): number {
  const last = path[path.length - 1];
  return last === 'steps' ? 1000 : last === 'slis' ? 500 : 100;
}

/**
 * Applies one hostile edit to `mv` (a ModelVariant object, edited in place) at a path drawn from its
 * paths, and says what it did; undefined when the drawn edit does not apply there.
 */
export function mutateOnce(g: Draw, mv: Record<string, unknown>, schema: SchemaNode): Mutation | undefined {
  const paths = allPaths(mv.spec, ['spec']);
  const path = g(fc.constantFrom, ...paths);
  const node = schemaAt(schema, path);
  const parent = parentOf(mv, path);
  const key = path[path.length - 1] as PathKey;
  const current = parent?.[key];
  const kind = g(() => fc.constantFrom<MutationKind[]>('hostileString', 'hostileDuration', 'boundaryNumber', 'rawNumber', 'delete', 'wrongType',
    'enormousList', 'unknownField', 'duplicateKey', 'hostileString', 'hostileDuration', 'delete', 'enormousString'));
  const done = (k: MutationKind, p: readonly PathKey[] = path): Mutation => ({ kind: k, path: pathText(p) });
  switch (kind) {
    case 'hostileString':
      if (!parent || typeof current !== 'string') return undefined;
      parent[key] = g(() => anyString);
      return done(kind);
    case 'enormousString':
      if (!parent || typeof current !== 'string') return undefined;
      parent[key] = g(() => enormousString);
      return done(kind);
    case 'hostileDuration':
      if (!parent || typeof current !== 'string' || node?.pattern !== DURATION_PATTERN) return undefined;
      parent[key] = g(() => hostileDuration);
      return done(kind);
    case 'boundaryNumber':
      if (!parent || typeof current !== 'number') return undefined;
      parent[key] = g(fc.constantFrom, ...boundaryNumbers(node ?? {}));
      return done(kind);
    case 'rawNumber':
      if (!parent || typeof current !== 'number') return undefined;
      parent[key] = new RawJson(g(fc.constantFrom, ...RAW_NUMBER_LITERALS));
      return done(kind);
    case 'delete':
      if (!parent || path.length < 2) return undefined;
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return done(kind);
    case 'wrongType':
      if (!parent) return undefined;
      parent[key] = g(() => wrongType);
      return done(kind);
    case 'enormousList': {
      if (!Array.isArray(current) || current.length === 0) return undefined;
      const n = enormousLength(path);
      const unique = g(fc.boolean);
      parent![key] = Array.from({ length: n }, (_, i) => {
        const item = structuredClone(current[i % current.length]) as Record<string, unknown>;
        if (unique && item && typeof item === 'object' && typeof item.name === 'string') item.name = `${item.name.slice(0, 50)}${i}`;
        if (unique && item && typeof item === 'object' && typeof item.setWeight === 'number') item.setWeight = Math.min(100, i + 1);
        return item;
      });
      return done(kind);
    }
    case 'unknownField':
      if (!current || typeof current !== 'object' || Array.isArray(current)) return undefined;
      (current as Record<string, unknown>)[g(fc.constantFrom, 'stepz', 'x-unknown', '', ' ', 'spec', '$ref', '__proto__', 'activation')] = g(() => wrongType);
      return done(kind);
    case 'duplicateKey': {
      if (!current || typeof current !== 'object' || Array.isArray(current)) return undefined;
      const keys = Object.keys(current);
      if (keys.length === 0) return undefined;
      const dupKey = g(fc.constantFrom, ...keys);
      const value = g(() => fc.oneof(fc.constant(structuredClone((current as Record<string, unknown>)[dupKey])), wrongType, anyString));
      addDuplicate(current as Record<string, unknown>, { key: dupKey, value, before: g(fc.boolean) });
      return done(kind, [...path, dupKey]);
    }
    default:
      return undefined;
  }
}

/** A metadata.name that breaks one of the rules a name must follow (length, suffix, characters). */
export function hostileName(g: Draw, unique: string, maxLength: number, suffixes: string[]): string {
  const variant = g(fc.constantFrom, 'long', 'exact', 'suffix', 'dots', 'digit', 'upper', 'hyphen', 'unicode', 'empty');
  switch (variant) {
    case 'long': return `${unique}-${'m'.repeat(maxLength)}`.slice(0, maxLength + g(fc.integer, { min: 1, max: 200 }));
    case 'exact': return `${unique}-${'m'.repeat(maxLength)}`.slice(0, maxLength);
    case 'suffix': return `${unique}${g(fc.constantFrom, ...suffixes)}`;
    case 'dots': return `${unique}.b.c`;
    case 'digit': return `1${unique}`;
    case 'upper': return `${unique}X`;
    case 'hyphen': return `${unique}-`;
    case 'unicode': return `${unique}ü`;
    default: return '';
  }
}
