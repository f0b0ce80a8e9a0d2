/**
 * The index the controller keeps on its child caches (Deployments, Services, ControllerRevisions, pods):
 * each object filed under "namespace/model" from its `LABEL_MODEL` label, so a reconcile reads one
 * ModelVariant's children in O(its children) rather than scanning the namespace's cache, which made a
 * wave of N ModelVariants cost O(N²) (docs/performance.md). Objects without the label are not filed.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Indexers } from '../kube/cache-index.ts';
import { LABEL_MODEL } from '../workload/names.ts';
import type { ObjectCache } from './context.ts';

/** The index's name on the caches. */
export const BY_MODEL = 'model';

/** The index function: "namespace/model" for an object labelled with a model, nothing otherwise. */
export function modelOf(obj: KubernetesObject): string[] {
  const model = obj.metadata?.labels?.[LABEL_MODEL];
  return model ? [`${obj.metadata?.namespace ?? ''}/${model}`] : [];
}

/** The indexers to give each child informer. */
export const MODEL_INDEXERS: Indexers<KubernetesObject> = { [BY_MODEL]: modelOf };

/**
 * The cached objects labelled with ModelVariant `model` in `namespace` (a new array, in no order).
 * @throws Error if the cache was built without MODEL_INDEXERS.
 */
export function childrenOf<T>(cache: ObjectCache<T>, namespace: string, model: string): T[] {
  return cache.byIndex(BY_MODEL, `${namespace}/${model}`);
}
