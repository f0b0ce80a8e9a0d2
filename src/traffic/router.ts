/**
 * The traffic router interface every provider implements (after Flagger's): how many replicas each
 * role needs for a canary weight, and how to make and read the split. One file per provider, picked
 * by `createRouter`; every router passes the shared conformance suite in `conformance.suite.ts`.
 */
import type { Split } from '../controller/model.ts';

/** What a router acts on: one ModelVariant's identity and its Services. */
export interface RouteTarget {
  namespace: string;
  name: string;
  /** The Services the route points at (`<name>-stable`, `<name>-canary`) and their port. */
  stableService: string;
  canaryService: string;
  port: number;
}

/** Ready replicas of each role, as observed: what the `replicas` provider's split is made of. */
export interface ReadyReplicas {
  stable: number;
  canary: number;
}

export interface TrafficRouter {
  readonly provider: string;
  /** Pods each role runs at a canary weight (0–100) for `total` serving replicas, and the real share they give. */
  replicasFor(total: number, canaryWeight: number): Split;
  /** Creates or repairs the provider's route objects (no-op where there are none). */
  reconcile(target: RouteTarget): Promise<void>;
  /** Sends `canaryWeight` percent of traffic to the canary. */
  setRoutes(target: RouteTarget, canaryWeight: number): Promise<void>;
  /** The canary's actual share of traffic (0–100), from the route or the ready replicas. */
  getRoutes(target: RouteTarget, ready: ReadyReplicas): Promise<number>;
  /** Sends all traffic to stable and removes what `reconcile` created. */
  finalize(target: RouteTarget): Promise<void>;
}
