import { describe, expect, it } from '@jest/globals';
import { batchedTemplateOf, batchTemplate, fanOut, indexBatch, memberKey, renderBatch, type BatchMember } from './batch-query.ts';
import { BUILTIN_SLIS, DEFAULT_BURN_RATE_QUERIES, ROLE_SELECTOR } from './builtins.ts';
import type { VectorResult } from './prometheus-response.ts';

const canary: BatchMember = { namespace: 'ml', name: 'sentiment', role: 'canary', variant: 'gelu' };
const other: BatchMember = { namespace: 'ml', name: 'vision', role: 'canary', variant: 'silu' };
const series = (m: BatchMember, value: number, extra: Record<string, string> = {}) =>
  ({ labels: { namespace: m.namespace, model: m.name, role: m.role, variant: m.variant, ...extra }, value });
const vector = (...s: ReturnType<typeof series>[]): VectorResult => ({ kind: 'vector', series: s });
const SEL = `{${ROLE_SELECTOR}}`;

describe('batchTemplate: which templates batch', () => {
  const batching = Object.entries(BUILTIN_SLIS).filter(([, s]) => !('batches' in s));
  const templates = [
    ...batching.flatMap(([name, s]) => [[`${name} query`, s.query], [`${name} samplesQuery`, s.samplesQuery]]),
    ['burn rate errorQuery', DEFAULT_BURN_RATE_QUERIES.errorQuery], ['burn rate totalQuery', DEFAULT_BURN_RATE_QUERIES.totalQuery],
  ];

  it.each(templates)('batches the built-in %s, grouped by namespace, model, role and variant, with no placeholder but the window left', (_name, template) => {
    const batched = batchedTemplateOf(template);
    expect(batched).toBeDefined();
    expect(batched).not.toMatch(/\{\{(namespace|name|role|variant)\}\}/);
    expect(batched).toContain('{{window}}');
    // Every aggregation keeps the four labels apart, so one series answers per member.
    const sums = (batched as string).match(/(sum|avg|min|max|count)( by \([^)]*\))? \(/g) ?? [];
    expect(sums.length).toBeGreaterThan(0);
    for (const s of sums) expect(s).toMatch(/namespace, model, role, variant\) \($/);
  });

  it('knows which built-ins are outside the grammar: the ones that join histograms on layer and le or select stable too', () =>
    expect(Object.entries(BUILTIN_SLIS).filter(([, s]) => 'batches' in s).map(([n]) => n)).toEqual(['activationDrift', 'activationDriftFromReference', 'quantizationDelta']));

  it.each(Object.entries(BUILTIN_SLIS).filter(([, s]) => 'batches' in s))('sends the built-in %s per ModelVariant, as its batches: false says', (_name, s) =>
    expect(batchedTemplateOf(s.query)).toBeUndefined());

  it('replaces `or vector(0)` with 0 times the presence query, so the fallback is per member', () => {
    expect(batchTemplate(`(sum(rate(bad${SEL}[{{window}}])) or vector(0)) / sum(rate(all${SEL}[{{window}}]))`, `sum(increase(all${SEL}[{{window}}]))`))
      .toBe('(sum by (namespace, model, role, variant) (rate(bad{{{batchSelector}}}[{{window}}])) or 0 * (sum by (namespace, model, role, variant) '
        + '(increase(all{{{batchSelector}}}[{{window}}])))) / sum by (namespace, model, role, variant) (rate(all{{{batchSelector}}}[{{window}}]))');
  });

  it('groups avg, min, max and count as it groups sum, and keeps functions of one series', () => {
    expect(batchTemplate(`max(max_over_time(x${SEL}[{{window}}])) / avg(clamp_min(y${SEL}, 1))`))
      .toBe('max by (namespace, model, role, variant) (max_over_time(x{{{batchSelector}}}[{{window}}])) / avg by (namespace, model, role, variant) (clamp_min(y{{{batchSelector}}}, 1))');
  });

  it('adds the labels to an existing `by` and keeps extra matchers after the role selector', () => {
    expect(batchTemplate(`histogram_quantile(0.9, sum by (le) (rate(h_bucket{${ROLE_SELECTOR},code=~"5.."}[5m])))`))
      .toBe('histogram_quantile(0.9, sum by (le, namespace, model, role, variant) (rate(h_bucket{{{batchSelector}},code=~"5.."}[5m])))');
  });

  it.each([
    ['a selector without the role selector (it would mix every model)', `sum(rate(x{model="{{name}}"}[1m]))`],
    ['a bare metric', `sum(rate(x${SEL}[1m])) / sum(up)`],
    ['an aggregation with a parameter', `topk(1, rate(x${SEL}[1m]))`],
    ['quantile', `quantile(0.9, rate(x${SEL}[1m]))`],
    ['sum without', `sum without (pod) (rate(x${SEL}[1m]))`],
    ['a by clause that already names a grouping label', `sum by (model) (rate(x${SEL}[1m]))`],
    ['vector matching', `sum(rate(x${SEL}[1m])) / on() sum(rate(y${SEL}[1m]))`],
    ['an unknown function', `sum(label_replace(x${SEL}, "a", "b", "c", "d"))`],
    ['any other `or`', `sum(rate(x${SEL}[1m])) or sum(rate(y${SEL}[1m]))`],
    ['a comparison', `sum(rate(x${SEL}[1m])) > 0`],
    ['a comment', `sum(rate(x${SEL}[1m])) # note`],
    ['a placeholder elsewhere', `sum(rate(x{${ROLE_SELECTOR},pod="{{name}}"}[1m]))`],
  ])('refuses %s: it is run per ModelVariant', (_why, template) => {
    expect(batchTemplate(template, `sum(increase(x${SEL}[1m]))`)).toBeUndefined();
  });

  it('refuses `or vector(0)` without a presence query, or with one that does not batch', () => {
    expect(batchTemplate(`sum(rate(x${SEL}[1m])) or vector(0)`)).toBeUndefined();
    expect(batchTemplate(`sum(rate(x${SEL}[1m])) or vector(0)`, 'sum(up)')).toBeUndefined();
  });

  it('never batches a custom query that is not a built-in, even one that would transform', () => {
    expect(batchedTemplateOf(`sum(rate(x${SEL}[{{window}}]))`)).toBeUndefined();
  });
});

describe('renderBatch', () => {
  it('selects every member with one regex matcher per label, sorted and without repeats', () => {
    const q = renderBatch('sum by (namespace, model, role, variant) (rate(x{{{batchSelector}}}[{{window}}]))',
      [canary, other, { ...canary, role: 'stable', variant: 'relu' }, canary], '30s');
    expect(q).toBe('sum by (namespace, model, role, variant) (rate(x{namespace=~"ml",model=~"sentiment|vision",role=~"canary|stable",variant=~"gelu|relu|silu"}[30s]))');
  });

  it('regex-quotes and escapes values, so each matches only itself and stays inside its string', () => {
    const q = renderBatch('x{{{batchSelector}}}', [{ namespace: 'a.b', name: 'x"} or vector(1) #', role: 'canary', variant: 'g$&|h' }], '1m');
    expect(q).toBe(String.raw`x{namespace=~"a\\.b",model=~"x\"\\} or vector\\(1\\) #",role=~"canary",variant=~"g\\$&\\|h"}`);
  });
});

describe('fanOut: each member gets its own series', () => {
  const answer = (result: VectorResult) => indexBatch(result, 'q');

  it('hands each member the value of the series with its namespace, model, role and variant', () => {
    const a = answer(vector(series(canary, 0.01), series(other, 0.5), series({ ...canary, role: 'stable', variant: 'relu' }, 0.02)));
    expect(fanOut(a, canary)).toEqual({ kind: 'value', value: 0.01 });
    expect(fanOut(a, other)).toEqual({ kind: 'value', value: 0.5 });
    expect(fanOut(a, { ...canary, role: 'stable', variant: 'relu' })).toEqual({ kind: 'value', value: 0.02 });
  });

  it('gives a member missing from the answer no data, never 0 and never a pass', () => {
    const a = answer(vector(series(other, 0)));
    expect(fanOut(a, canary)).toEqual({ kind: 'noData' });
    expect(fanOut(answer(vector()), canary)).toEqual({ kind: 'noData' });
  });

  it('does not take a series of the same model in another role, variant or namespace', () => {
    const a = answer(vector(series({ ...canary, variant: 'relu' }, 0.01), series({ ...canary, role: 'stable' }, 0.01), series({ ...canary, namespace: 'ml2' }, 0.01)));
    expect(fanOut(a, canary)).toEqual({ kind: 'noData' });
  });

  it('keeps NaN and infinities as they are, for judge to call NaNValue or InfiniteValue', () => {
    const a = answer(vector(series(canary, Number.NaN), series(other, Number.POSITIVE_INFINITY)));
    expect(fanOut(a, canary)).toEqual({ kind: 'value', value: Number.NaN });
    expect(fanOut(a, other)).toEqual({ kind: 'value', value: Number.POSITIVE_INFINITY });
  });

  it('makes two series for one member an error, as a single query answering two series is', () => {
    const a = answer(vector(series(canary, 1, { pod: 'a' }), series(canary, 2, { pod: 'b' })));
    expect(fanOut(a, canary)).toMatchObject({ kind: 'error', error: { code: 'UnexpectedResultType', series: 2 } });
    expect(fanOut(a, other)).toEqual({ kind: 'noData' });
  });

  it('gives every member the error of a failed batch', () => {
    const error = { code: 'Timeout', address: 'http://prom:9090', timeoutMs: 10_000, message: 'Prometheus at http://prom:9090 did not answer' } as const;
    const a = answer({ kind: 'error', error });
    expect(fanOut(a, canary)).toEqual({ kind: 'error', error });
    expect(fanOut(a, other)).toEqual({ kind: 'error', error });
  });

  it('keys members so that no two distinct members collide', () => {
    expect(memberKey({ namespace: 'a', name: 'b","c', role: 'canary', variant: 'd' }))
      .not.toBe(memberKey({ namespace: 'a","b', name: 'c', role: 'canary', variant: 'd' }));
  });
});
