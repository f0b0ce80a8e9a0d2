/**
 * GPU awareness, pure: from the nodes and the pods bound to them, how many more pods asking for
 * `perPod` of an extended resource (e.g. nvidia.com/gpu) fit right now, node by node (a pod cannot
 * span nodes), honouring the template's nodeSelector and skipping unschedulable or NotReady nodes; and
 * how many the namespace's ResourceQuotas still allow.
 */
import type { V1Node, V1Pod, V1ResourceQuota } from '@kubernetes/client-node';
import type { CapacityObservation } from './model.ts';

function quantity(v: string | number | undefined): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function podRequest(pod: V1Pod, resource: string): number {
  return (pod.spec?.containers ?? []).reduce((sum, c) => sum + quantity((c.resources?.requests ?? c.resources?.limits)?.[resource]), 0);
}

function usable(node: V1Node, nodeSelector: Record<string, string>): boolean {
  if (node.spec?.unschedulable) return false;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const labels = node.metadata?.labels ?? {};
  return ready && Object.entries(nodeSelector).every(([k, v]) => labels[k] === v);
}

export function computeCapacity(
  nodes: V1Node[], pods: V1Pod[], resource: string, perPod: number, nodeSelector: Record<string, string> = {},
): CapacityObservation {
  const used = new Map<string, number>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    const phase = pod.status?.phase;
    if (!node || phase === 'Succeeded' || phase === 'Failed') continue;
    used.set(node, (used.get(node) ?? 0) + podRequest(pod, resource));
  }
  let fits = 0;
  const parts: string[] = [];
  for (const node of nodes) {
    if (!usable(node, nodeSelector)) continue;
    const allocatable = quantity(node.status?.allocatable?.[resource]);
    if (allocatable <= 0) continue;
    const free = Math.max(0, allocatable - (used.get(node.metadata?.name ?? '') ?? 0));
    fits += Math.floor(free / perPod);
    parts.push(`${node.metadata?.name}: ${free}/${allocatable} free`);
  }
  const detail = parts.length ? parts.join(', ') : `no ready node offers ${resource}`;
  return { resource, perPod, fits, detail };
}

/**
 * Room left by the namespace's ResourceQuotas for pods asking `perPod` of `resource`: the tightest
 * quota on `requests.<resource>` (or `<resource>`), as the quota controller last counted it; scoped
 * quotas are left out. Undefined when no quota limits the resource.
 */
export function quotaRoom(quotas: V1ResourceQuota[], resource: string, perPod: number): { fits: number; detail: string } | undefined {
  let best: { fits: number; detail: string } | undefined;
  for (const q of quotas) {
    // A scoped quota counts only some pods (a priority class, terminating ones): not judged here.
    if ((q.spec?.scopes?.length ?? 0) > 0 || q.spec?.scopeSelector) continue;
    for (const key of [`requests.${resource}`, resource]) {
      const hard = q.status?.hard?.[key] ?? q.spec?.hard?.[key];
      if (hard === undefined) continue;
      const used = quantity(q.status?.used?.[key]);
      const free = Math.max(0, quantity(hard) - used);
      const fits = Math.floor(free / perPod);
      if (!best || fits < best.fits) best = { fits, detail: `ResourceQuota ${q.metadata?.name}: ${free}/${quantity(hard)} ${key} free` };
    }
  }
  return best;
}
