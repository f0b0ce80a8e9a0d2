/**
 * GPUs a role of a ModelVariant holds, for the `activation_canary_modelvariant_gpus` gauge: the GPU
 * requests (a limit stands for a request, as the scheduler reads extended resources) of the role's
 * pods that the scheduler has bound to a node and that have not finished. Those are the GPUs the
 * scheduler counts as taken, terminating pods included (a GPU is free only once its pod is gone), so
 * the gauge says what a role costs, not what serves. Pure: the reconcile passes the cached pods.
 */
import type { CachedPod } from './pod-projection.ts';
import { LABEL_MODEL, LABEL_ROLE, type Role } from '../workload/names.ts';

/** A GPU resource: any `nvidia.com/*` resource (whole GPUs and MIG slices) or any `<vendor>/gpu` (amd.com/gpu). */
export function isGpuResource(name: string): boolean {
  return name.startsWith('nvidia.com/') || name.endsWith('/gpu');
}

function podGpus(pod: CachedPod): number {
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) {
    const asks = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) } as Record<string, string | number>;
    for (const [resource, qty] of Object.entries(asks)) {
      const n = Number(qty);
      if (isGpuResource(resource) && Number.isFinite(n) && n > 0) sum += n;
    }
  }
  return sum;
}

/** GPUs held by the pods of `model`'s `role` among `pods` (one namespace's pods, or the model's own). */
export function gpusHeld(pods: CachedPod[], model: string, role: Role): number {
  let sum = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (labels[LABEL_MODEL] !== model || labels[LABEL_ROLE] !== role) continue;
    const phase = pod.status?.phase;
    if (!pod.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') continue;
    sum += podGpus(pod);
  }
  return sum;
}
