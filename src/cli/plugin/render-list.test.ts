import { describe, expect, it } from '@jest/globals';
import { plain } from './colour.ts';
import { emptyListMessage, renderList } from './render-list.ts';
import { NOW, degraded, healthy, progressing } from './test-fixtures.ts';

const named = (mv: ReturnType<typeof healthy>, name: string, namespace = 'ml') => ({ ...mv, metadata: { ...mv.metadata, name, namespace } });

describe('list', () => {
  it('shows one row per ModelVariant, sorted by name, with phase, weight, step and verdict', () => {
    const items = [named(progressing(), 'sentiment'), named(healthy(), 'ranker'), named(degraded(), 'embedder')];
    expect(renderList(items, { allNamespaces: false, now: NOW, paint: plain })).toEqual([
      'NAME        ACTIVATION   STABLE   CANARY   PHASE         WEIGHT   STEP   ANALYSIS     AGE',
      'embedder    gelu         relu     gelu     Degraded      0%       2/3    Failed       3h',
      'ranker      gelu         gelu     —        Healthy       0%       —      —            3h',
      'sentiment   gelu         relu     gelu     Progressing   25%      2/3    Successful   3h',
    ]);
  });

  it('adds a NAMESPACE column and sorts by namespace first with --all-namespaces', () => {
    const items = [named(healthy(), 'a', 'prod'), named(healthy(), 'b', 'dev')];
    const lines = renderList(items, { allNamespaces: true, now: NOW, paint: plain });
    expect(lines[0]).toMatch(/^NAMESPACE +NAME +ACTIVATION/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 2).join('/'))).toEqual(['dev/b', 'prod/a']);
  });

  it('says which namespace was empty', () => {
    expect(emptyListMessage('ml')).toBe('No modelvariants found in namespace "ml".');
    expect(emptyListMessage(undefined)).toBe('No modelvariants found in any namespace.');
  });
});
