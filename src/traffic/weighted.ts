/**
 * Sizing for weighted routers (Gateway API, Istio): the route splits requests by weight whatever the
 * pod counts, so stable keeps all `total` pods for the whole rollout and the canary runs
 * `ceil(total × weight / 100)` pods (at least 1), or a fixed `canaryReplicas` when the spec sets it.
 * A 5 % step of a 4-replica model costs one GPU pod, not a share of stable. At 100 % the canary runs
 * at full size beside stable, ready to take every request before promotion switches stable in place.
 */
import type { Split } from '../controller/model.ts';

/** Pod counts for `total` replicas at `canaryWeight` percent; `canaryReplicas` fixes the canary below 100 %. */
export function weightedSplit(total: number, canaryWeight: number, canaryReplicas?: number): Split {
  const n = Math.max(0, Math.floor(total));
  const w = Math.min(100, Math.max(0, Math.round(canaryWeight)));
  if (n === 0) return { stable: 0, canary: 0, weight: 0 };
  if (w === 0) return { stable: n, canary: 0, weight: 0 };
  if (w === 100) return { stable: n, canary: n, weight: 100 };
  const canary = canaryReplicas !== undefined ? Math.max(1, Math.floor(canaryReplicas)) : Math.max(1, Math.ceil((n * w) / 100));
  return { stable: n, canary, weight: w };
}
