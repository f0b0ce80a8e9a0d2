/**
 * GPU awareness, pure: from the nodes and the pods bound to them, how many more pods asking for
 * `perPod` of one or more extended resources (nvidia.com/gpu, MIG slices such as
 * nvidia.com/mig-1g.5gb, time-sliced nvidia.com/gpu.shared, any vendor's) fit right now, node by node
 * (a pod cannot span nodes; with several resources the scarcest one decides), on the nodes the
 * scheduler would consider for the template (placement.ts: readiness, cordons, taints and
 * tolerations, nodeSelector and required node affinity); and how many the namespace's ResourceQuotas
 * still allow.
 */
import type { V1Node, V1ResourceQuota } from '@kubernetes/client-node';
import type { CapacityObservation } from './model.ts';
import type { CachedPod } from './pod-projection.ts';
import { nodeRefusal, type NodeRefusal, type Placement } from './placement.ts';

/** One extended resource a pod of the template asks for: `perPod` units of `resource`. */
export interface ResourceAsk {
  resource: string;
  perPod: number;
}

/** A quantity as a number of units; what does not parse counts as 0 (extended resources are integers). */
export function quantity(v: string | number | undefined): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** Units of `resource` a pod asks for, summed over its containers (the requests, else the limits). */
export function podRequest(pod: CachedPod, resource: string): number {
  return (pod.spec?.containers ?? []).reduce((sum, c) => sum + quantity((c.resources?.requests ?? c.resources?.limits)?.[resource]), 0);
}

/** True when a pod holds what it asks for on its node: bound, and not finished. */
export function holdsResources(pod: CachedPod): boolean {
  const phase = pod.status?.phase;
  return !!pod.spec?.nodeName && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Units of `resource` the pods bound to `node` hold (a pod walk, or the ledger's running sums). */
export type HeldOn = (node: string, resource: string) => number;

const NO_PLACEMENT: Placement = { nodeSelector: {}, tolerations: [] };

/**
 * How many more pods asking `asks` (the first is named in the result) fit on `nodes`, given the
 * `pods` bound to them: the reference that walks every pod, which the incremental ledger
 * (capacity-ledger.ts) must equal. Throws when `asks` is empty.
 */
export function computeCapacity(nodes: V1Node[], pods: CachedPod[], asks: ResourceAsk[], placement: Placement = NO_PLACEMENT): CapacityObservation {
  const used = new Map<string, Map<string, number>>();
  for (const pod of pods) {
    if (!holdsResources(pod)) continue;
    const node = pod.spec?.nodeName ?? '';
    const onNode = used.get(node) ?? new Map<string, number>();
    for (const { resource } of asks) onNode.set(resource, (onNode.get(resource) ?? 0) + podRequest(pod, resource));
    used.set(node, onNode);
  }
  return capacityOnNodes(nodes, (node, resource) => used.get(node)?.get(resource) ?? 0, asks, placement);
}

/**
 * How many more pods asking `asks` fit on `nodes` (in their order) when `held` says what the pods
 * bound to each node hold: per node, floor((allocatable − held) / perPod), the scarcest resource
 * deciding; summed over the nodes the scheduler would consider for `placement`. Nodes that offer the
 * first resource but that the scheduler would refuse are named with the reason in `detail`.
 * Throws when `asks` is empty.
 */
export function capacityOnNodes(nodes: Iterable<V1Node>, held: HeldOn, asks: ResourceAsk[], placement: Placement = NO_PLACEMENT): CapacityObservation {
  const [primary] = asks;
  if (!primary) throw new Error('computeCapacity: no resource asked for');
  let fits = 0;
  const parts: string[] = [];
  const refused: string[] = [];
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    if (quantity(node.status?.allocatable?.[primary.resource]) <= 0) continue;
    const refusal: NodeRefusal | undefined = nodeRefusal(node, placement);
    if (refusal) {
      refused.push(`${name} (${refusal})`);
      continue;
    }
    let nodeFits = Infinity;
    const free = asks.map(({ resource, perPod }) => {
      const allocatable = quantity(node.status?.allocatable?.[resource]);
      const left = Math.max(0, allocatable - held(name, resource));
      nodeFits = Math.min(nodeFits, Math.floor(left / perPod));
      return { resource, left, allocatable };
    });
    fits += nodeFits;
    const [first, ...others] = free;
    parts.push(`${name}: ${first?.left}/${first?.allocatable} free${others.length ? ` (${others.map((o) => `${o.resource}: ${o.left}/${o.allocatable} free`).join(', ')})` : ''}`);
  }
  const others = refused.length ? `not for this template: ${refused.join(', ')}` : '';
  const detail = parts.length
    ? [parts.join(', '), others].filter(Boolean).join('; ')
    : refused.length ? `no node that would take this template offers ${primary.resource}; ${others}` : `no ready node offers ${primary.resource}`;
  return { resource: primary.resource, perPod: primary.perPod, fits, detail };
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
