/**
 * What the controller keeps of a pod in its cluster-wide pod cache: the fields its readers read, and
 * nothing else. The pod cache holds every unfinished pod of the cluster, not only the ModelVariants'
 * own, so a whole pod (spec, env, volumes, status, managedFields: 5 KB of JSON on the bench's kwok pods,
 * more on real ones) is the operator's largest memory cost in a large cluster; the projection keeps
 * about a fifth of it.
 *
 * The readers, and what each reads (pod-projection.test.ts runs every one of them over a pod that
 * records each field read, and fails on a field the projection drops):
 * - the capacity ledger and pod walk (capacity-ledger.ts `setPod`, capacity.ts `holdsResources`,
 *   `podRequest`, `computeCapacity`): `spec.nodeName`, `status.phase`, `spec.containers[].resources`;
 * - the roles' observation (observe.ts `observeRole`, `roleProblem`): `metadata.labels`,
 *   `metadata.deletionTimestamp`, `metadata.name`, `spec.nodeName`, `status.conditions`,
 *   `status.containerStatuses[].name` and `.state`;
 * - the GPU gauge (gpus-held.ts `gpusHeld`): labels, `spec.nodeName`, `status.phase`, containers' resources;
 * - the controller's wake-ups (controller.ts `podSignature`, and the freed resources of a deleted pod).
 *
 * A new reader of another field must add it here (and to the test), or it reads `undefined`; typed
 * `CachedPod`, it does not compile until then.
 */
import type { V1Container, V1ContainerStatus, V1ObjectMeta, V1PodCondition } from '@kubernetes/client-node';

/**
 * The fields of a pod the controller caches: the readers above take this type, so reading a field it
 * leaves out does not compile. A whole V1Pod is one too (tests pass those).
 */
export interface CachedPod {
  apiVersion?: string;
  kind?: string;
  metadata?: Pick<V1ObjectMeta, 'name' | 'namespace' | 'uid' | 'resourceVersion' | 'labels' | 'deletionTimestamp'>;
  spec?: { nodeName?: string; containers: Pick<V1Container, 'name' | 'resources'>[] };
  status?: { phase?: string; conditions?: V1PodCondition[]; containerStatuses?: Pick<V1ContainerStatus, 'name' | 'state'>[] };
}

/** Copies `key` of `from` into `to` when `from` has it (an absent field stays absent, not `undefined`). */
function copy<T extends object, K extends keyof T>(to: Partial<T>, from: T | undefined, keys: K[]): void {
  for (const k of keys) if (from && from[k] !== undefined) to[k] = from[k];
}

/**
 * The informer transform (`InformerOptions.transform`) of the pod cache: a new object with only the
 * fields of `CachedPod`. Idempotent; keeps name, namespace and resourceVersion, as a transform must.
 */
export function projectPod(pod: CachedPod): CachedPod {
  const out: CachedPod = {};
  copy(out, pod, ['apiVersion', 'kind']);
  if (pod.metadata) {
    const metadata: NonNullable<CachedPod['metadata']> = {};
    copy(metadata, pod.metadata, ['name', 'namespace', 'uid', 'resourceVersion', 'labels', 'deletionTimestamp']);
    out.metadata = metadata;
  }
  if (pod.spec) {
    out.spec = { containers: (pod.spec.containers ?? []).map((c) => { const kept: Pick<V1Container, 'name' | 'resources'> = { name: c.name }; copy(kept, c, ['resources']); return kept; }) };
    copy(out.spec, pod.spec, ['nodeName']);
  }
  if (pod.status) {
    const status: NonNullable<CachedPod['status']> = {};
    copy(status, pod.status, ['phase', 'conditions']);
    if (pod.status.containerStatuses) status.containerStatuses = pod.status.containerStatuses.map((c) => { const kept: Pick<V1ContainerStatus, 'name' | 'state'> = { name: c.name }; copy(kept, c, ['state']); return kept; });
    out.status = status;
  }
  return out;
}
