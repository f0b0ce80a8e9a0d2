/**
 * The observing half of reconcile: reads the stable and canary Deployments from the informer cache,
 * the scheduler's verdict on pods that are not running, and (only during a rollout of a template that
 * asks for an extended resource) the nodes' free GPU capacity. Everything else it leaves to `plan`.
 */
import type { CoreV1Api, V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { ModelVariant } from '../api/types.ts';
import { computeCapacity } from './capacity.ts';
import { extendedResource } from './desired.ts';
import type { CapacityObservation, RoleObservation } from './model.ts';
import { deployedActivation } from '../workload/deployment.ts';
import { LABEL_MODEL, LABEL_ROLE, type Role } from '../workload/names.ts';

/** True when a Deployment's rollout is complete at its current spec (as `kubectl rollout status` judges). */
export function deploymentSettled(d: V1Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  return (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (st.updatedReplicas ?? 0) === want &&
    (st.replicas ?? 0) === want && (st.readyReplicas ?? 0) === want;
}

/** The scheduler's message for the first pod it could not place, e.g. "0/2 nodes are available: …". */
export function unschedulableMessage(pods: V1Pod[]): string | undefined {
  for (const pod of pods) {
    const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    if (c) return `pod ${pod.metadata?.name} unschedulable: ${c.message ?? c.reason ?? 'no reason given'}`;
  }
  return undefined;
}

export async function observeRole(core: CoreV1Api, mv: ModelVariant, role: Role, d: V1Deployment | undefined, variantEnv: string): Promise<RoleObservation | undefined> {
  if (!d) return undefined;
  const obs: RoleObservation = {
    activation: deployedActivation(d, variantEnv),
    replicas: d.spec?.replicas ?? 1,
    ready: d.status?.readyReplicas ?? 0,
    settled: deploymentSettled(d),
  };
  if (!obs.settled && obs.ready < obs.replicas) {
    const pods = await core.listNamespacedPod({
      namespace: mv.metadata?.namespace ?? '',
      labelSelector: `${LABEL_MODEL}=${mv.metadata?.name},${LABEL_ROLE}=${role}`,
    });
    const message = unschedulableMessage(pods.items);
    if (message) obs.unschedulable = message;
  }
  return obs;
}

/** Free capacity for the template's extended resource, or undefined when it asks for none. */
export async function observeCapacity(core: CoreV1Api, mv: ModelVariant): Promise<(CapacityObservation & { largestNode: number }) | undefined> {
  const asks = extendedResource(mv);
  if (!asks) return undefined;
  const [nodes, pods] = await Promise.all([
    core.listNode({}),
    core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }),
  ]);
  return computeCapacity(nodes.items, pods.items, asks.resource, asks.perPod, mv.spec.template?.spec?.nodeSelector ?? {});
}
