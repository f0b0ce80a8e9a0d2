/**
 * The demo's stand-in for a gateway (demo scaffolding, not part of the operator): the local cluster has
 * no Gateway API implementation, so the demo's clients split requests as one would, by the weights of
 * the backendRefs on the live HTTPRoute `<model>` that the operator manages. Each role's share is
 * spread evenly over its ready endpoints; a share whose Service has no ready endpoint is what a real
 * gateway answers with 503, and counts as errors.
 */
import type { Endpoint } from './data-plane.ts';

/** Weights (any scale) of the stable and canary backends of a route. */
export interface RoleWeights {
  stable: number;
  canary: number;
}

interface BackendRef { name?: string; weight?: number }
interface HTTPRouteLike { spec?: { rules?: { matches?: { headers?: unknown[] }[]; backendRefs?: BackendRef[] }[] } }

/**
 * The weights of `<model>-stable` and `<model>-canary` in the first rule of `route` that routes to the
 * stable Service without a header match (the ordinary requests); undefined when there is none.
 * A backendRef without `weight` weighs 1, as Gateway API defines.
 */
export function routeWeights(route: HTTPRouteLike, model: string): RoleWeights | undefined {
  const plain = (route.spec?.rules ?? []).find((r) => (r.backendRefs ?? []).some((b) => b.name === `${model}-stable`) &&
    !(r.matches ?? []).some((m) => (m.headers ?? []).length > 0));
  if (!plain) return undefined;
  const weight = (name: string) => (plain.backendRefs ?? []).filter((b) => b.name === name).reduce((sum, b) => sum + (b.weight ?? 1), 0);
  return { stable: weight(`${model}-stable`), canary: weight(`${model}-canary`) };
}

/**
 * Per-endpoint weights for `endpoints` that give each role its route weight, and the share (0–1) of
 * requests that would go to a role with no ready endpoint (a gateway's 503s).
 */
export function endpointWeights(endpoints: Endpoint[], weights: RoleWeights, readyPods: (role: string) => number = () => 1): { weights: number[]; unroutable: number; starting: number } {
  const total = weights.stable + weights.canary;
  if (total <= 0) return { weights: endpoints.map(() => 0), unroutable: 1, starting: 0 };
  const count = (role: string) => endpoints.filter((e) => e.role === role).length;
  const share = (role: 'stable' | 'canary') => weights[role] / total;
  const empty = (['stable', 'canary'] as const).filter((r) => count(r) === 0);
  const unroutable = empty.filter((r) => readyPods(r) === 0).reduce((sum, r) => sum + share(r), 0);
  const starting = empty.filter((r) => readyPods(r) > 0).reduce((sum, r) => sum + share(r), 0);
  return { weights: endpoints.map((e) => (e.role === 'stable' || e.role === 'canary' ? share(e.role) / count(e.role) : 0)), unroutable, starting };
}
