// The secondary index over an informer's cache: table cases, and a property that after any sequence of
// sets and deletes, byIndex answers exactly what a scan of the surviving objects would.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { CacheIndex } from './cache-index.ts';

const obj = (namespace: string, name: string, labels: Record<string, string> = {}): V1ConfigMap =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name, labels } });
const byModel = (o: V1ConfigMap) => (o.metadata?.labels?.model ? [`${o.metadata.namespace}/${o.metadata.labels.model}`] : []);
const names = (objects: V1ConfigMap[]) => objects.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`).sort();

describe('CacheIndex', () => {
  it('files objects under their values, per namespace, and leaves out those without one', () => {
    const index = new CacheIndex<V1ConfigMap>({ model: byModel });
    index.set(obj('a', 'x-stable', { model: 'x' }));
    index.set(obj('a', 'x-canary', { model: 'x' }));
    index.set(obj('b', 'x-stable', { model: 'x' }));
    index.set(obj('a', 'unlabelled'));
    expect(names(index.byIndex('model', 'a/x'))).toEqual(['a/x-canary', 'a/x-stable']);
    expect(names(index.byIndex('model', 'b/x'))).toEqual(['b/x-stable']);
    expect(index.byIndex('model', 'a/y')).toEqual([]);
  });

  it('moves an updated object to its new value and returns its latest version', () => {
    const index = new CacheIndex<V1ConfigMap>({ model: byModel });
    index.set(obj('a', 'o', { model: 'x' }));
    index.set({ ...obj('a', 'o', { model: 'y' }), data: { v: '2' } });
    expect(index.byIndex('model', 'a/x')).toEqual([]);
    expect(index.byIndex('model', 'a/y').map((o) => o.data)).toEqual([{ v: '2' }]);
    index.set(obj('a', 'o'));
    expect(index.byIndex('model', 'a/y')).toEqual([]);
  });

  it('unfiles a deleted object by its key, even when the deleted version carries other labels', () => {
    const index = new CacheIndex<V1ConfigMap>({ model: byModel });
    index.set(obj('a', 'o', { model: 'x' }));
    index.delete(obj('a', 'o', { model: 'stale' }));
    expect(index.byIndex('model', 'a/x')).toEqual([]);
    index.delete(obj('a', 'never-set'));
  });

  it('files an object under each of several values once, in several indexes', () => {
    const index = new CacheIndex<V1ConfigMap>({
      model: byModel,
      keys: (o) => Object.keys(o.data ?? {}),
    });
    index.set({ ...obj('a', 'o', { model: 'x' }), data: { p: '1', q: '2' } });
    expect(names(index.byIndex('keys', 'p'))).toEqual(['a/o']);
    expect(names(index.byIndex('keys', 'q'))).toEqual(['a/o']);
    expect(names(index.byIndex('model', 'a/x'))).toEqual(['a/o']);
    const dup = new CacheIndex<V1ConfigMap>({ twice: () => ['v', 'v'] });
    dup.set(obj('a', 'o'));
    expect(dup.byIndex('twice', 'v')).toHaveLength(1);
  });

  it('changes nothing when an index function throws, so the caller can unfile the object', () => {
    const index = new CacheIndex<V1ConfigMap>({ model: byModel, picky: (o) => { if (o.data?.bad) throw new Error('bad'); return []; } });
    index.set(obj('a', 'o', { model: 'x' }));
    expect(() => index.set({ ...obj('a', 'o', { model: 'y' }), data: { bad: '1' } })).toThrow('bad');
    expect(names(index.byIndex('model', 'a/x'))).toEqual(['a/o']);
    expect(index.byIndex('model', 'a/y')).toEqual([]);
    index.delete(obj('a', 'o'));
    expect(index.byIndex('model', 'a/x')).toEqual([]);
  });

  it('refuses an index it was not given, naming those it has', () => {
    expect(() => new CacheIndex<V1ConfigMap>({ model: byModel }).byIndex('owner', 'x')).toThrow('no index named "owner" on this cache (configured: model)');
  });

  it('answers as a scan of the surviving objects would, after any sequence of sets and deletes', () => {
    const op = fc.record({
      del: fc.boolean(),
      namespace: fc.constantFrom('a', 'b'),
      name: fc.constantFrom('o1', 'o2', 'o3', 'o4'),
      model: fc.option(fc.constantFrom('x', 'y', 'z'), { nil: undefined }),
    });
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const index = new CacheIndex<V1ConfigMap>({ model: byModel });
      const cache = new Map<string, V1ConfigMap>();
      for (const o of ops) {
        const it = obj(o.namespace, o.name, o.model ? { model: o.model } : {});
        if (o.del) {
          index.delete(it);
          cache.delete(`${o.namespace}/${o.name}`);
        } else {
          index.set(it);
          cache.set(`${o.namespace}/${o.name}`, it);
        }
      }
      for (const ns of ['a', 'b']) {
        for (const m of ['x', 'y', 'z']) {
          const scanned = [...cache.values()].filter((c) => c.metadata?.namespace === ns && c.metadata.labels?.model === m);
          expect(names(index.byIndex('model', `${ns}/${m}`))).toEqual(names(scanned));
        }
      }
    }));
  });
});
