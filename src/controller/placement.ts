/**
 * Where a pod of a ModelVariant's template may be placed, pure, as the kube-scheduler's filter
 * plugins decide it for the capacity check: NodeUnschedulable (a cordoned node takes only pods that
 * tolerate `node.kubernetes.io/unschedulable:NoSchedule`), TaintToleration (every NoSchedule and
 * NoExecute taint must be tolerated; PreferNoSchedule only scores), NodeAffinity (`nodeSelector` and
 * `requiredDuringSchedulingIgnoredDuringExecution`; preferred terms only score) and node readiness.
 * Sources: kubernetes/pkg/scheduler/framework/plugins/{nodeunschedulable,tainttoleration,nodeaffinity}
 * and the API's toleration and node-selector semantics (k8s.io/api core/v1 Toleration.ToleratesTaint,
 * k8s.io/component-helpers/scheduling/corev1/nodeaffinity).
 */
import type { V1Affinity, V1Node, V1NodeSelectorRequirement, V1NodeSelectorTerm, V1PodSpec, V1Taint, V1Toleration } from '@kubernetes/client-node';

/** What of a pod template decides where its pods may go. */
export interface Placement {
  nodeSelector: Record<string, string>;
  affinity?: V1Affinity;
  tolerations: V1Toleration[];
}

/** Why a node cannot take the pod (for condition messages). */
export type NodeRefusal = 'NotReady' | 'Unschedulable' | 'Taint' | 'NodeAffinity';

export const UNSCHEDULABLE_TAINT: V1Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function placementOf(spec: V1PodSpec | undefined): Placement {
  return { nodeSelector: spec?.nodeSelector ?? {}, ...(spec?.affinity ? { affinity: spec.affinity } : {}), tolerations: spec?.tolerations ?? [] };
}

/**
 * True when the toleration tolerates the taint (core/v1 Toleration.ToleratesTaint): the effects
 * match or the toleration's is empty; the keys match or the toleration's is empty with operator
 * Exists; with operator Exists any value, with Equal (the default) the same value.
 */
export function tolerates(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const operator = t.operator ?? 'Equal';
  if (operator === 'Exists') return true;
  if (!t.key) return false; // an empty key is only valid with Exists
  return (t.value ?? '') === (taint.value ?? '');
}

/** The first NoSchedule or NoExecute taint of the node that no toleration tolerates, if any. */
export function untoleratedTaint(taints: V1Taint[], tolerations: V1Toleration[]): V1Taint | undefined {
  return taints.find((taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerations.some((t) => tolerates(t, taint)));
}

function requirementMatches(r: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      // Both sides must be integers (the API validates that values has exactly one element).
      const have = Number(value);
      const bound = Number(values[0]);
      if (value === undefined || !Number.isInteger(have) || !Number.isInteger(bound)) return false;
      return r.operator === 'Gt' ? have > bound : have < bound;
    }
    default: return false;
  }
}

/** A term matches when all its expressions (labels) and fields (only metadata.name) match; an empty term matches nothing. */
function termMatches(term: V1NodeSelectorTerm, node: V1Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  return expressions.every((r) => requirementMatches(r, labels[r.key])) &&
    fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.metadata?.name));
}

/** nodeSelector, then the required node affinity: terms are ORed (none given means no constraint). */
export function matchesNodeAffinity(node: V1Node, placement: Placement): boolean {
  const labels = node.metadata?.labels ?? {};
  if (!Object.entries(placement.nodeSelector).every(([k, v]) => labels[k] === v)) return false;
  const required = placement.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return required.nodeSelectorTerms.some((term) => termMatches(term, node));
}

/** Why the scheduler would not put a pod with this placement on the node, or undefined when it could. */
export function nodeRefusal(node: V1Node, placement: Placement): NodeRefusal | undefined {
  if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') return 'NotReady';
  if (node.spec?.unschedulable && !placement.tolerations.some((t) => tolerates(t, UNSCHEDULABLE_TAINT))) return 'Unschedulable';
  if (untoleratedTaint(node.spec?.taints ?? [], placement.tolerations)) return 'Taint';
  if (!matchesNodeAffinity(node, placement)) return 'NodeAffinity';
  return undefined;
}
