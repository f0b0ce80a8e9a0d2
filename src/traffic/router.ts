/**
 * The traffic router interface every provider implements (after Flagger's four methods): how many
 * pods each role needs for a canary weight, how to make the live route carry a `RouteState`, and how
 * to read back what it carries. One file per provider, picked by `createRouter`; every router passes
 * the shared conformance suite in `conformance.suite.ts` (pure sizing) and, for routers with route
 * objects, `test/integration/router-conformance.test.ts` against the real apiserver.
 *
 * Routers never throw for what a user can fix (a missing route, a route without a rule for this
 * model, a CRD not installed, an apiserver refusal): they return a `RouteProblem` whose message says
 * what to fix; the reconciler puts it in the `TrafficRouted` condition and does not start a rollout.
 */
import type { Split } from '../controller/model.ts';

/** Requests carrying this header with exactly this value go to the canary, whatever the weight. */
export interface HeaderRoute {
  /** Header name, e.g. `x-activation-variant` (case-insensitive on the wire; stored lower case). */
  name: string;
  /** Exact header value, e.g. `canary`. */
  value: string;
}

/** An experiment candidate's backend in a route: its Service `<name>-exp-<activation>` and share. */
export interface CandidateRoute {
  /** The candidate's Service, `<name>-exp-<activation>` (workload/names.ts `experimentChildName`). */
  service: string;
  /** Its share of ordinary requests, in percent (integer 0–100). */
  weight: number;
}

/** What a route carries for one ModelVariant. */
export interface RouteState {
  /** The canary's share of ordinary requests, in percent (integer 0–100); stable gets the rest. */
  weight: number;
  /**
   * An experiment's candidates, each with its share in percent (stable gets 100 − weight − Σ of
   * these); absent or empty: the route has no candidate backend (a write removes any it has).
   */
  experiment?: CandidateRoute[];
  /** A header match sent to the canary before the weighted split (smoke tests). */
  headerRoute?: HeaderRoute;
  /** Percent (1–100) of requests mirrored to the canary while clients get stable's answers. */
  mirrorPercent?: number;
}

/** What a router read back from the live route object. */
export interface ObservedRoute extends RouteState {
  /**
   * The field manager (from managedFields) that last changed the route's weights, when it is not this
   * operator: who edited it by hand (`kubectl-edit`, `argocd-controller`, …). Undefined when this
   * operator wrote them last, or when the provider has no route object.
   */
  changedBy?: string;
}

/** Why a router cannot route this ModelVariant, in words that say what to fix. */
export interface RouteProblem {
  code: 'CRDNotInstalled' | 'RouteNotFound' | 'NoRuleForModel' | 'OwnedByAnother' | 'Rejected' | 'Unsupported';
  message: string;
}

/** What a router acts on: one ModelVariant's identity, its Services and the owner of managed route objects. */
export interface RouteTarget {
  namespace: string;
  name: string;
  /** The Services the route points at (`<name>-stable`, `<name>-canary`) and their port. */
  stableService: string;
  canaryService: string;
  port: number;
  /** The ModelVariant, as the ownerReference of route objects the router creates (managed mode). */
  owner: { apiVersion: string; kind: string; name: string; uid: string };
}

/** Ready replicas of each role, as observed: what the `replicas` provider's split is made of. */
export interface ReadyReplicas {
  stable: number;
  canary: number;
}

export interface TrafficRouter {
  readonly provider: string;
  /**
   * True when the route splits requests by weight whatever the pod counts (Gateway API, Istio): stable
   * keeps spec.replicas and the canary is sized to its weight. False for the `replicas` provider,
   * whose split is the ratio of ready pods.
   */
  readonly weighted: boolean;
  /** Pods each role runs at a canary weight (0–100) for `total` serving replicas, and the real share they give. */
  replicasFor(total: number, canaryWeight: number): Split;
  /** Checks, creates (managed mode) or repairs the route objects; a problem when the route cannot be used. */
  reconcile(target: RouteTarget): Promise<RouteProblem | undefined>;
  /** Makes the live route carry `route`, changing nothing it does not own; a problem when refused. */
  setRoutes(target: RouteTarget, route: RouteState): Promise<RouteProblem | undefined>;
  /** What the live route carries (the `replicas` provider: the ready-pod ratio), or why it cannot be read. */
  getRoutes(target: RouteTarget, ready: ReadyReplicas): Promise<ObservedRoute | RouteProblem>;
  /** Leaves all traffic on stable: a managed route is deleted, an existing one set to 100 % stable. Runs twice safely. */
  finalize(target: RouteTarget): Promise<void>;
}

/** Type guard: a router's answer is a problem, not a route. */
export function isRouteProblem(x: ObservedRoute | RouteProblem | undefined): x is RouteProblem {
  return !!x && 'code' in x;
}

/** Thrown by `finalize` when the apiserver refuses to put the route back (a retry would not help). */
export class RouteRefusedError extends Error {
  readonly problem: RouteProblem;
  constructor(problem: RouteProblem) {
    super(problem.message);
    this.name = 'RouteRefusedError';
    this.problem = problem;
  }
}
