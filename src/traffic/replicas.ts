/**
 * The `replicas` provider (no mesh): the `<name>` Service selects both roles, so traffic follows the
 * ready-replica ratio. A weight becomes replica counts that keep the total at `spec.replicas`: the
 * canary gets round(total × weight / 100) replicas (at least one while the weight is above zero, all of
 * them at 100), the stable role the rest. With few replicas the real split is coarse (4 replicas give
 * 25 % steps); `getRoutes` reports the real ratio, not the requested one.
 */
import type { ReadyReplicas, RouteTarget, TrafficRouter } from './router.ts';

export function replicaSplit(total: number, canaryWeight: number): { stable: number; canary: number } {
  if (canaryWeight <= 0 || total <= 0) return { stable: Math.max(0, total), canary: 0 };
  if (canaryWeight >= 100) return { stable: 0, canary: total };
  const canary = Math.min(total, Math.max(1, Math.round((total * canaryWeight) / 100)));
  return { stable: total - canary, canary };
}

export function readyWeight(ready: ReadyReplicas): number {
  const total = ready.stable + ready.canary;
  return total === 0 ? 0 : Math.round((100 * ready.canary) / total);
}

export function createReplicasRouter(): TrafficRouter {
  return {
    provider: 'replicas',
    replicasFor: replicaSplit,
    reconcile: async (_target: RouteTarget) => undefined,
    setRoutes: async (_target: RouteTarget, _weight: number) => undefined,
    getRoutes: async (_target: RouteTarget, ready: ReadyReplicas) => readyWeight(ready),
    finalize: async (_target: RouteTarget) => undefined,
  };
}
