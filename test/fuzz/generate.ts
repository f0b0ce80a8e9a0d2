/**
 * One fuzz case per index: a ModelVariant drawn from the CRD's schema, zero to three hostile edits,
 * sometimes a hostile metadata.name, written as JSON text (with duplicate keys or raw literals when an
 * edit asks) and sent with one of the apiserver's field-validation modes. Case `i` of seed `s` is drawn
 * from its own seed, so a failing case replays alone (`--seed s --case i`).
 */
import fc from 'fast-check';
import { API_VERSION, KIND, SIGNAL_ANNOTATION } from '../../src/api/types.ts';
import { loadModelVariantSchema, nameRules, type SchemaNode } from './crd-schema.ts';
import { anyString } from './hostile-values.ts';
import { toJsonText } from './json-text.ts';
import { hostileName, mutateOnce, type Mutation } from './mutate.ts';
import { drawValue, type Draw } from './schema-arbitrary.ts';

/** `fieldValidation` of the create: the apiserver's default (Warn), Strict as kubectl sends, or Ignore. */
export type FieldValidation = 'Warn' | 'Strict' | 'Ignore';

export interface FuzzCase {
  index: number;
  /** The seed this case was drawn from (derived from the run's seed and the index). */
  seed: number;
  name: string;
  /** The body as sent. */
  text: string;
  mutations: Mutation[];
  fieldValidation: FieldValidation;
}

/** A 32-bit seed for case `index` of a run seeded with `seed` (splitmix-style mixing). */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) | 0;
}

/** A name no other case of the run has (`f<index in base 36>`), kept as the name's prefix. */
export function uniquePrefix(index: number): string {
  return `f${index.toString(36)}`;
}

let cachedSchema: SchemaNode | undefined;

/** Draws case `index` of the run seeded with `seed`. */
export function generateCase(seed: number, index: number, schema: SchemaNode = (cachedSchema ??= loadModelVariantSchema())): FuzzCase {
  const s = caseSeed(seed, index);
  const [drawn] = fc.sample(fc.gen().map((g) => drawCase(g, schema, index)), { seed: s, numRuns: 1 });
  if (!drawn) throw new Error('fast-check drew nothing');
  return { index, seed: s, ...drawn };
}

function drawCase(g: Draw, schema: SchemaNode, index: number): Omit<FuzzCase, 'index' | 'seed'> {
  const specNode = schema.properties?.spec as SchemaNode;
  const rules = nameRules(schema);
  const prefix = uniquePrefix(index);
  const hostile = g(fc.double, { min: 0, max: 1, noNaN: true }) < 0.08;
  const tail = g(fc.stringMatching, /^(-[a-z0-9]{1,12}){0,3}$/);
  const name = hostile ? hostileName(g, prefix, rules.maxLength, rules.forbiddenSuffixes) : `${prefix}${tail}`.slice(0, rules.maxLength).replace(/-+$/, '');
  const signal = g(fc.double, { min: 0, max: 1, noNaN: true }) < 0.15 ? drawSignal(g) : undefined;
  const metadata = { name, ...(signal !== undefined ? { annotations: { [SIGNAL_ANNOTATION]: signal } } : {}) };
  const mv: Record<string, unknown> = { apiVersion: API_VERSION, kind: KIND, metadata, spec: drawValue(g, specNode, 'spec') };
  const mutations: Mutation[] = hostile ? [{ kind: 'name', path: 'metadata.name' }] : [];
  const edits = g(fc.constantFrom, 0, 0, 0, 1, 1, 2, 3);
  for (let i = 0; i < edits * 3 && mutations.length < edits + (hostile ? 1 : 0); i++) {
    const m = mutateOnce(g, mv, schema);
    if (m) mutations.push(m);
  }
  const fieldValidation = g(() => fc.constantFrom<FieldValidation[]>('Warn', 'Strict', 'Strict', 'Ignore'));
  return { name, text: toJsonText(mv), mutations, fieldValidation };
}

/** A signal annotation (docs/api.md#signals): well formed, unknown verbs, hostile text, or enormous. */
function drawSignal(g: Draw): string {
  const verb = g(fc.constantFrom, 'pause', 'resume', 'promote', 'abort', 'retry', 'bogus', '', 'PROMOTE', ' promote');
  const id = g(() => fc.oneof(fc.constantFrom('2026-11-30T00:00:00Z', '1', ''), anyString, fc.constant('x'.repeat(5000)), fc.constant('y'.repeat(100_000))));
  return g(fc.constantFrom, `${verb}@${id}`, `${verb}${id}`, id);
}
