/**
 * Secondary indexes over an informer's cache, as client-go's `cache.Indexers` / `ByIndex`: each named
 * index function maps an object to the values it is filed under (e.g. "namespace/model"), and
 * `byIndex(index, value)` returns the cached objects filed under a value without scanning the cache.
 * Kept from the informer's add, update and delete events (the same events that change the cache), so a
 * reader that asks for one ModelVariant's children pays for those children, not for every object of
 * the namespace: at 1,000 ModelVariants those scans were a third of the operator's CPU (docs/performance.md).
 */
import type { KubernetesObject } from '@kubernetes/client-node';

/** The values an object is filed under in one index; none leaves it out of that index. */
export type IndexFunc<T> = (obj: T) => string[];

/** Named index functions, as client-go's `cache.Indexers`. */
export type Indexers<T> = Record<string, IndexFunc<T>>;

const keyOf = (obj: KubernetesObject): string => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

export class CacheIndex<T extends KubernetesObject> {
  private readonly indexers: Indexers<T>;
  /** index name → value → object key → the object as last set. */
  private readonly filed = new Map<string, Map<string, Map<string, T>>>();
  /** object key → index name → the values it is filed under now (to unfile it on update or delete). */
  private readonly valuesOf = new Map<string, Map<string, string[]>>();

  constructor(indexers: Indexers<T>) {
    this.indexers = indexers;
    for (const name of Object.keys(indexers)) this.filed.set(name, new Map());
  }

  /**
   * Files an added or updated object under its current values, and out of those it no longer has.
   * @throws what an index function throws, before anything is changed (the caller unfiles the object).
   */
  set(obj: T): void {
    const key = keyOf(obj);
    const now = new Map<string, string[]>();
    for (const [name, fn] of Object.entries(this.indexers)) {
      const values = [...new Set(fn(obj))];
      if (values.length > 0) now.set(name, values);
    }
    this.unfile(key);
    for (const [name, values] of now) {
      const index = this.filed.get(name) as Map<string, Map<string, T>>;
      for (const value of values) {
        let objects = index.get(value);
        if (!objects) index.set(value, objects = new Map());
        objects.set(key, obj);
      }
    }
    if (now.size > 0) this.valuesOf.set(key, now);
  }

  /** Unfiles a deleted object (by namespace and name; its labels may be those of an older version). */
  delete(obj: T): void {
    this.unfile(keyOf(obj));
  }

  /**
   * The objects filed under `value` in the index `name`, in no particular order (a new array).
   * @throws Error if no index of that name was configured (a programming error, as client-go's ByIndex).
   */
  byIndex(name: string, value: string): T[] {
    const index = this.filed.get(name);
    if (!index) throw new Error(`no index named "${name}" on this cache (configured: ${Object.keys(this.indexers).join(', ') || 'none'})`);
    const objects = index.get(value);
    return objects ? [...objects.values()] : [];
  }

  private unfile(key: string): void {
    const was = this.valuesOf.get(key);
    if (!was) return;
    this.valuesOf.delete(key);
    for (const [name, values] of was) {
      const index = this.filed.get(name) as Map<string, Map<string, T>>;
      for (const value of values) {
        const objects = index.get(value);
        objects?.delete(key);
        if (objects?.size === 0) index.delete(value);
      }
    }
  }
}
