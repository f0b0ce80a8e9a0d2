/**
 * The spec fuzzer's own pure parts, so that a pass of `make fuzz` means something: the JSON text it
 * sends (duplicate keys, raw literals), the refusal check (a `<nil>` field names nothing), the
 * constraints it reads from the real CRD's CEL rules, replayable cases, the PromQL string decoder
 * (Go's rules) and the operator-log reader.
 */
import { describe, expect, it } from '@jest/globals';
import { namesField } from '../../fuzz/apiserver.ts';
import { loadModelVariantSchema, nameRules, ruleConstraints } from '../../fuzz/crd-schema.ts';
import { caseSeed, generateCase } from '../../fuzz/generate.ts';
import { addDuplicate, RawJson, toJsonText } from '../../fuzz/json-text.ts';
import { schemaAt } from '../../fuzz/mutate.ts';
import { parseOperatorLog } from '../../fuzz/operator-log.ts';
import { decodeStringLiteral } from '../../fuzz/promql-check.ts';

describe('the JSON text the fuzzer sends', () => {
  it('writes a key twice where marked, and literals verbatim', () => {
    const spec: Record<string, unknown> = { activation: 'relu', replicas: new RawJson('1e400') };
    addDuplicate(spec, { key: 'activation', value: 'BAD', before: true });
    expect(toJsonText({ spec })).toBe('{"spec":{"activation":"BAD","activation":"relu","replicas":1e400}}');
  });
});

describe('a refusal names its field', () => {
  it.each([
    [{ details: { causes: [{ field: 'spec.strategy.steps[3].pause', message: 'x' }] } }, true],
    [{ details: { causes: [{ field: 'metadata.name', message: 'x' }] } }, true],
    [{ message: 'metadata.name must not end in -stable', details: { causes: [{ field: '<nil>', message: 'metadata.name must not end in -stable' }] } }, false],
    [{ message: 'strict decoding error: duplicate field "spec.activation"' }, true],
    [{ message: 'Request entity too large: limit is 3145728' }, false],
  ])('%j → %s', (body, named) => expect(namesField(body)).toBe(named));
});

describe('constraints read from the CRD', () => {
  const schema = loadModelVariantSchema();
  it('finds duration bounds, exactly-one groups, increasing weights and the name rules', () => {
    expect(ruleConstraints(schemaAt(schema, ['spec', 'strategy', 'progressDeadline']) ?? {})).toMatchObject({ durationMinMs: 10_000, durationMaxMs: 86_400_000 });
    expect(ruleConstraints(schemaAt(schema, ['spec', 'strategy', 'analysis', 'slis', 0]) ?? {}).exactlyOne).toContainEqual(['builtin', 'query']);
    expect(ruleConstraints(schemaAt(schema, ['spec', 'strategy', 'steps', 0]) ?? {}).exactlyOne).toContainEqual(['setWeight', 'setHeaderRoute', 'setMirror']);
    expect(ruleConstraints(schemaAt(schema, ['spec', 'strategy', 'steps']) ?? {}).increasing).toBe('setWeight');
    expect(ruleConstraints(schemaAt(schema, ['spec', 'traffic']) ?? {}).onlyWhen).toContainEqual({ key: 'provider', value: 'gatewayAPI', field: 'gatewayAPI' });
    expect(nameRules(schema)).toEqual({ maxLength: 56, forbiddenSuffixes: ['-stable', '-canary'] });
  });
});

describe('fuzz cases', () => {
  it('replay: the same seed and index give the same case, other indexes other cases', () => {
    expect(generateCase(7, 3)).toEqual(generateCase(7, 3));
    expect(generateCase(7, 4).text).not.toBe(generateCase(7, 3).text);
    expect(caseSeed(7, 3)).not.toBe(caseSeed(8, 3));
  });
});

describe('PromQL string literals, decoded as Prometheus does', () => {
  it.each([
    ['"a\\"b"', 'a"b'], ["'a\\'b'", "a'b"], ['"\\x41\\u00e9\\n"', 'Aé\n'], ['`a\\b`', 'a\\b'], ['"\\101"', 'A'],
    ['"a\\\'b"', undefined], ["'a\\\"b'", undefined], ['"a\\qb"', undefined], ['"a"b"', undefined], ['"a', undefined],
  ])('%s → %j', (literal, value) => expect(decodeStringLiteral(literal)).toBe(value));
});

describe('the operator log', () => {
  it('counts reconciles per ModelVariant and keeps what is not JSON', () => {
    const log = parseOperatorLog([
      '{"level":20,"time":1000,"modelVariant":"ns/a","outcome":"success","msg":"Reconciled"}',
      '{"level":20,"time":1100,"modelVariant":"ns/a","outcome":"requeue","msg":"Reconciled"}',
      '{"level":40,"time":1200,"key":"ns/b","err":"boom","msg":"Reconcile failed; backing off"}',
      '{"level":50,"time":1300,"msg":"Analysis run failed unexpectedly"}',
      'TypeError: x is not a function',
    ].join('\n'));
    expect(log.reconciles.get('ns/a')).toEqual([{ at: 1000, outcome: 'success' }, { at: 1100, outcome: 'requeue' }]);
    expect(log.reconcileErrors).toEqual([{ key: 'ns/b', err: 'boom' }]);
    expect(log.errors).toHaveLength(1);
    expect(log.foreign).toEqual(['TypeError: x is not a function']);
  });
});
