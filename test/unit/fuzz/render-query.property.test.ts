/**
 * Property test of the operator's query rendering, checked with Prometheus' own PromQL grammar: for any
 * template the spec fuzzer draws and any value (hostile or not), a query the operator agrees to render
 * carries each value only inside a string literal, escaped so that it decodes back to the value (to a
 * regex matching exactly the value in a regex matcher), and the value never changes the query's syntax.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { checkRenderedQuery } from '../../fuzz/promql-check.ts';
import { HOSTILE_STAND_INS } from '../../fuzz/promql-targets.ts';
import { hostileText, promqlTemplate } from '../../fuzz/hostile-values.ts';

const value = fc.oneof(fc.constantFrom(...HOSTILE_STAND_INS, 'sentiment', 'ml', 'gelu', 'a.b'), hostileText);

describe('rendered PromQL carries user text only as label values', () => {
  it('never lets a name, namespace, role or variant out of its string literal', () => {
    fc.assert(fc.property(promqlTemplate, value, value, value, (template, name, namespace, variant) => {
      const breach = checkRenderedQuery(template, { name, namespace, variant, role: 'canary', window: '1m' });
      expect(breach).toBeUndefined();
    }), { numRuns: 2000 });
  });
});
