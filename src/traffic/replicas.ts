/**
 * The `replicas` provider (no mesh): the `<name>` Service selects both roles, so traffic follows the
 * ready-replica ratio. A weight becomes pod counts that never send the canary more than the step asks
 * when a surge can avoid it:
 *
 * - while shrinking stable can give the weight or less (canary c = ⌊N·w/100⌋, at least 1, stable keeps
 *   at least 1), the two roles share the N pods;
 * - when even one canary pod out of N is more than the step asks (w < 100/N, and always with N = 1),
 *   stable keeps all N pods and one canary pod is added beside them: 1/(N+1) of traffic.
 *
 * The real share is returned (and reported in status), never pretended: with 1 replica a 10 % step is
 * 50 %. `getRoutes` reads the real ratio of ready pods. It has no route object, so no header routes
 * and no mirrors (the spec is refused with those steps).
 */
import type { Split } from '../controller/model.ts';
import type { ReadyReplicas, RouteState, RouteTarget, TrafficRouter } from './router.ts';

const EPSILON = 1e-9;

/** Pod counts and the real canary share (percent) for `total` serving replicas at `canaryWeight` percent. */
export function replicaSplit(total: number, canaryWeight: number): Split {
  const n = Math.max(0, Math.floor(total));
  if (n === 0) return { stable: 0, canary: 0, weight: 0 };
  if (canaryWeight <= 0) return { stable: n, canary: 0, weight: 0 };
  if (canaryWeight >= 100) return { stable: 0, canary: n, weight: 100 };
  if (n >= 2) {
    const canary = Math.min(n - 1, Math.max(1, Math.floor((n * canaryWeight) / 100 + EPSILON)));
    if ((100 * canary) / n <= canaryWeight + EPSILON) return { stable: n - canary, canary, weight: Math.round((100 * canary) / n) };
  }
  return { stable: n, canary: 1, weight: Math.round(100 / (n + 1)) };
}

/** The canary's share of ready pods, in percent. */
export function readyWeight(ready: ReadyReplicas): number {
  const total = ready.stable + ready.canary;
  return total === 0 ? 0 : Math.round((100 * ready.canary) / total);
}

export function createReplicasRouter(): TrafficRouter {
  return {
    provider: 'replicas',
    weighted: false,
    replicasFor: replicaSplit,
    reconcile: async (_target: RouteTarget) => undefined,
    setRoutes: async (_target: RouteTarget, _route: RouteState) => undefined,
    getRoutes: async (_target: RouteTarget, ready: ReadyReplicas) => ({ weight: readyWeight(ready) }),
    finalize: async (_target: RouteTarget) => undefined,
  };
}
