/**
 * The incremental capacity ledger, pure bookkeeping: the nodes as last seen and, per node and extended
 * resource (nvidia.com/gpu, MIG slices, time-sliced GPUs, any vendor's), the units that the pods bound
 * to it hold, kept up to date from the pod and node informers' events (a pod bound, rebound, finished
 * or deleted; a node added, removed, cordoned, tainted, its allocatable or readiness changed). A
 * reconcile asks `capacity(asks, placement)`, which walks the nodes (placement is judged per node,
 * as the scheduler does) but no pod: O(nodes) per ask instead of O(nodes + pods), and each event is
 * O(containers of the pod). It answers exactly what `computeCapacity` would over the same nodes and
 * pods (capacity-ledger.property.test.ts); an informer's relist reaches it as the deletes and
 * adds/updates ListWatch emits, so it needs no reset of its own.
 */
import type { V1Node } from '@kubernetes/client-node';
import { capacityOnNodes, holdsResources, podRequest, type ResourceAsk } from './capacity.ts';
import { isExtendedResource } from './desired.ts';
import type { CapacityObservation } from './model.ts';
import type { Placement } from './placement.ts';
import type { CachedPod } from './pod-projection.ts';

/** What the reconcile asks of free capacity on nodes (the ledger answers; a test may pass a function of lists). */
export interface NodeCapacity {
  /** As `computeCapacity` over the current nodes and pods; throws when `asks` is empty. */
  capacity(asks: ResourceAsk[], placement: Placement): CapacityObservation;
}

/** What a pod holds: its node, and units per extended resource (only resources it asks for, > 0). */
interface Holding {
  node: string;
  units: Map<string, number>;
}

/** The extended resources a bound, unfinished pod holds on its node; undefined when it holds none. */
function holdingOf(pod: CachedPod): Holding | undefined {
  if (!holdsResources(pod)) return undefined;
  const resources = new Set<string>();
  for (const c of pod.spec?.containers ?? []) {
    for (const r of Object.keys({ ...c.resources?.requests, ...c.resources?.limits })) if (isExtendedResource(r)) resources.add(r);
  }
  const units = new Map<string, number>();
  for (const r of resources) {
    const n = podRequest(pod, r);
    if (n !== 0) units.set(r, n);
  }
  return units.size > 0 ? { node: pod.spec?.nodeName ?? '', units } : undefined;
}

const podKey = (pod: CachedPod) => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

export class CapacityLedger implements NodeCapacity {
  /** Nodes by name, in the order the informer first delivered them (as its cache lists them). */
  private readonly nodes = new Map<string, V1Node>();
  /** Units held per node name and resource; a node's entry may precede the node (a pod seen first). */
  private readonly held = new Map<string, Map<string, number>>();
  /** What each counted pod holds, by namespace/name, so an update or delete takes back exactly that. */
  private readonly pods = new Map<string, Holding>();

  /** A node added or changed (allocatable, readiness, cordon, taints, labels: all read at ask time). */
  setNode(node: V1Node): void {
    this.nodes.set(node.metadata?.name ?? '', node);
  }

  /** A node removed. Its pods' holdings stay until their own deletes arrive (the pod GC sends them). */
  deleteNode(node: V1Node): void {
    this.nodes.delete(node.metadata?.name ?? '');
  }

  /** A pod added or changed: what it held before is taken back, what it holds now (if bound and unfinished) counted. */
  setPod(pod: CachedPod): void {
    const key = podKey(pod);
    const now = holdingOf(pod);
    this.release(key);
    if (!now) return;
    this.pods.set(key, now);
    this.add(now, 1);
  }

  /** A pod deleted (or, with the informer's field selector, finished): what it held is free. */
  deletePod(pod: CachedPod): void {
    this.release(podKey(pod));
  }

  /** Units of `resource` held on `node` by the pods counted (0 when none). */
  heldOn(node: string, resource: string): number {
    return this.held.get(node)?.get(resource) ?? 0;
  }

  capacity(asks: ResourceAsk[], placement: Placement): CapacityObservation {
    return capacityOnNodes(this.nodes.values(), (node, resource) => this.heldOn(node, resource), asks, placement);
  }

  /** Sizes, for logs and the bench: nodes known, pods holding an extended resource. */
  size(): { nodes: number; holdingPods: number } {
    return { nodes: this.nodes.size, holdingPods: this.pods.size };
  }

  private release(key: string): void {
    const was = this.pods.get(key);
    if (!was) return;
    this.pods.delete(key);
    this.add(was, -1);
  }

  private add(h: Holding, sign: 1 | -1): void {
    const onNode = this.held.get(h.node) ?? new Map<string, number>();
    for (const [resource, n] of h.units) {
      const total = (onNode.get(resource) ?? 0) + sign * n;
      // Extended resources are integers, so the sums are exact; an emptied entry goes, keeping the maps small.
      if (total === 0) onNode.delete(resource);
      else onNode.set(resource, total);
    }
    if (onNode.size > 0) this.held.set(h.node, onNode);
    else this.held.delete(h.node);
  }
}
