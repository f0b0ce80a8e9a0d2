/**
 * The observing half of reconcile, reading informer caches only (no LIST per reconcile): the stable
 * and canary Deployments (and an experiment's candidates), the reason Kubernetes gives for pods that are missing or not ready (the
 * ReplicaSet's FailedCreate, a quota, the scheduler, an image pull), and, during a rollout of a
 * template that asks for an extended resource, the free capacity on the nodes and in the namespace's
 * ResourceQuotas. Everything else it leaves to `plan`.
 */
import type { V1Deployment, V1ResourceQuota } from '@kubernetes/client-node';
import type { ModelVariant } from '../api/types.ts';
import { quotaRoom } from './capacity.ts';
import type { NodeCapacity } from './capacity-ledger.ts';
import { extendedResources } from './desired.ts';
import { placementOf } from './placement.ts';
import type { CapacityObservation, RoleObservation } from './model.ts';
import type { CachedPod } from './pod-projection.ts';
import { deployedVariant } from '../workload/deployment.ts';
import { EXPERIMENT_ROLE, LABEL_MODEL, LABEL_REVISION, LABEL_ROLE, LABEL_VARIANT, type Role } from '../workload/names.ts';

/** True when a Deployment's rollout is complete at its current spec (as `kubectl rollout status` judges). */
export function deploymentSettled(d: V1Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  return (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (st.updatedReplicas ?? 0) === want &&
    (st.replicas ?? 0) === want && (st.readyReplicas ?? 0) === want;
}

/**
 * Kubernetes' own words for why a role's pods are missing or not ready, most specific first: the
 * ReplicaSet could not create pods (quota, admission), the scheduler could not place one, a container
 * cannot start. Undefined when there is nothing to say.
 */
export function roleProblem(d: V1Deployment, pods: CachedPod[]): string | undefined {
  const failure = d.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (failure) return `${failure.reason ?? 'ReplicaFailure'}: ${failure.message ?? 'pods could not be created'}`;
  for (const pod of pods) {
    const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    if (c) return `pod ${pod.metadata?.name} unschedulable: ${c.message ?? c.reason ?? 'no reason given'}`;
  }
  for (const pod of pods) {
    for (const cs of pod.status?.containerStatuses ?? []) {
      const waiting = cs.state?.waiting;
      if (waiting?.reason && waiting.reason !== 'ContainerCreating') return `pod ${pod.metadata?.name} container ${cs.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
    }
  }
  const stalled = d.status?.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False');
  if (stalled) return `${stalled.reason ?? 'Progressing'}: ${stalled.message ?? ''}`;
  return undefined;
}

/**
 * Ready pods the Deployment itself may still take away (see `RoleObservation.readyAtRisk`), of the
 * `readyReplicas` its status reports; `readyPods` is how many of its pods the cache shows Ready and not
 * terminating, when known. A Deployment at rest keeps `spec.replicas` of them. One that is rolling,
 * that is with pods of an older template left or a status that predates its spec (an in-place template
 * change, a scale), uses the operator's strategy (maxSurge 0, maxUnavailable 1): it keeps
 * `spec.replicas − 1`, and may already be taking down one pod that neither its status nor the cache
 * shows yet (status lags the ReplicaSets, which lag the pods), so one fewer than it shows for sure.
 */
export function readyAtRisk(d: V1Deployment, readyPods = Infinity): number {
  const want = d.spec?.replicas ?? 1;
  const ready = d.status?.readyReplicas ?? 0;
  const rolling = deploymentRolling(d);
  const sure = rolling ? Math.min(ready, readyPods, want) - 1 : Math.min(ready, want);
  return Math.max(0, ready - Math.max(0, sure));
}

/** A rolling update in progress: pods of an older template left, or a status that predates the spec. */
export function deploymentRolling(d: V1Deployment): boolean {
  const st = d.status ?? {};
  return (st.observedGeneration ?? 0) < (d.metadata?.generation ?? 0) || (st.replicas ?? 0) > (st.updatedReplicas ?? 0);
}

const podReady = (p: CachedPod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * The role's Deployment as the planner sees it; `pods` are the ModelVariant's cached pods (those of its
 * namespace would do too: they are filtered by model and role label). An
 * experiment candidate is role `experiment` with its `activation` (its pods are told apart by variant).
 */
export function observeRole(mv: ModelVariant, role: Role | typeof EXPERIMENT_ROLE, d: V1Deployment | undefined, variantEnv: string, pods: CachedPod[],
  activation?: string): RoleObservation | undefined {
  if (!d) return undefined;
  const variant = deployedVariant(d, variantEnv);
  const obs: RoleObservation = {
    ...(variant ? { variant } : {}),
    replicas: d.spec?.replicas ?? 1,
    ready: d.status?.readyReplicas ?? 0,
    settled: deploymentSettled(d),
    ...(deploymentRolling(d) ? { rolling: true } : {}),
  };
  const mine = pods.filter((p) => p.metadata?.labels?.[LABEL_MODEL] === mv.metadata?.name && p.metadata?.labels?.[LABEL_ROLE] === role && !p.metadata?.deletionTimestamp &&
    (activation === undefined || p.metadata.labels[LABEL_VARIANT] === activation));
  if (variant) obs.readyOfVariant = mine.filter((p) => podReady(p) && p.metadata?.labels?.[LABEL_REVISION] === variant.revision && p.metadata?.labels?.[LABEL_VARIANT] === variant.activation).length;
  if (!obs.settled || obs.ready < obs.replicas) {
    const atRisk = readyAtRisk(d, mine.filter(podReady).length);
    if (atRisk > 0) obs.readyAtRisk = atRisk;
    // Pods the Deployment wants that the cache does not show yet (the cache lags our own writes) will
    // need room as much as Pending ones: counting them keeps two passes from growing onto one free GPU.
    const notCreated = Math.max(0, obs.replicas - mine.length);
    const unscheduled = mine.filter((p) => !p.spec?.nodeName).length + notCreated;
    if (unscheduled > 0) obs.unscheduled = unscheduled;
    const problem = roleProblem(d, mine);
    if (problem) obs.problem = problem;
  } else {
    const atRisk = readyAtRisk(d);
    if (atRisk > 0) obs.readyAtRisk = atRisk;
  }
  return obs;
}

/**
 * Free capacity for the template's extended resources (nodes, then quota), or undefined when it asks
 * for none. The resource named is the first one asked for (extendedResource); every one counts. `nodes`
 * is the controller's capacity ledger (free units per node, kept from informer events).
 */
export function observeCapacity(mv: ModelVariant, nodes: NodeCapacity, quotas: V1ResourceQuota[]): CapacityObservation | undefined {
  const asks = extendedResources(mv);
  if (asks.length === 0) return undefined;
  const onNodes = nodes.capacity(asks, placementOf(mv.spec.template?.spec));
  let quota: { fits: number; detail: string } | undefined;
  for (const ask of asks) {
    const room = quotaRoom(quotas, ask.resource, ask.perPod);
    if (room && (!quota || room.fits < quota.fits)) quota = room;
  }
  if (!quota || quota.fits >= onNodes.fits) return onNodes;
  return { ...onNodes, fits: quota.fits, detail: `${quota.detail}; nodes: ${onNodes.detail}` };
}
