/**
 * The `gatewayAPI` provider: splits a model's traffic with the backend weights of a Gateway API
 * HTTPRoute (see router.ts for the contract, http-route.ts for what the rules look like). Two modes:
 *
 * - **managed** (`parentRefs`): the operator creates and owns the HTTPRoute `<name>` (ownerReference to
 *   the ModelVariant, controller: true) and writes all of it; an HTTPRoute of that name it does not
 *   own is refused, never adopted.
 * - **existing** (`httpRoute`): the user's HTTPRoute, e.g. from Git. The operator changes only the
 *   weights of the backendRefs to `<name>-stable` and `<name>-canary`, plus, while a step asks for them,
 *   a RequestMirror filter on those rules and one header rule of its own; finalize removes both and
 *   leaves stable 100 / canary 0. It writes by server-side apply with force under its field manager,
 *   carrying the whole `spec.rules` (an atomic list) copied from the live object with only those fields
 *   changed, and the resourceVersion it read, so nothing it does not own changes, and an edit made in
 *   between is retried on rather than overwritten. The operator then owns `spec.rules` as a whole in
 *   managedFields.
 *
 * `getRoutes` reports who else wrote `spec.rules` last (`changedBy`), from managedFields. A missing
 * route, a route without a rule for the model, another ModelVariant's route, Gateway API not installed
 * or an apiserver refusal is a `RouteProblem`; 5xx and network errors throw (the reconciler retries).
 */
import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { HTTPRoute, type IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { isDeepStrictEqual } from 'node:util';
import type { GatewayAPITraffic } from '../api/generated/modelvariant.ts';
import { FIELD_MANAGER, deleteIfExists, isConflict } from '../kube/apply.ts';
import type { RouterDeps } from './factory.ts';
import {
  HTTPROUTE_API_VERSION, HTTPROUTE_CRD, HTTPROUTE_KIND, checkRules, existingRouteApply, managedFrameMatches, managedHTTPRoute,
  readRouteState, withRouteState,
} from './http-route.ts';
import {
  httpStatus, isTypeNotServed, lastForeignWriter, objectName, otherModelVariantOwner, ownedByAnother, ownedByTarget, problemOrThrow,
} from './route-objects.ts';
import { RouteRefusedError, isRouteProblem, type RouteProblem, type RouteState, type RouteTarget, type TrafficRouter } from './router.ts';
import { weightedSplit } from './weighted.ts';

/** Tries of a read-modify-apply whose read went stale (409) before a call gives up and throws. */
const APPLY_ATTEMPTS = 3;

const isProblem = (x: unknown): x is RouteProblem => isRouteProblem(x as RouteProblem | undefined);

/**
 * An HTTPRoute model as client-node's request body. The two type metadata timestamps differently
 * (strings / Dates); the bodies sent here carry none.
 */
const toKube = (route: HTTPRoute): KubernetesObject => route as unknown as KubernetesObject;

export function createGatewayApiRouter(spec: GatewayAPITraffic, deps: RouterDeps): TrafficRouter {
  const managed = !spec.httpRoute;
  const routeName = (t: RouteTarget) => spec.httpRoute ?? t.name;
  const describe = (t: RouteTarget) => objectName(HTTPROUTE_KIND, t.namespace, routeName(t));
  const ref = (t: RouteTarget) => ({ apiVersion: HTTPROUTE_API_VERSION, kind: HTTPROUTE_KIND, metadata: { name: routeName(t), namespace: t.namespace } });
  const refused = (err: unknown, t: RouteTarget, doing: string) => problemOrThrow(err, HTTPROUTE_CRD, HTTPROUTE_KIND, `${doing} ${describe(t)}`);

  /** The live route, undefined when there is none, or why it cannot be read. */
  async function read(t: RouteTarget): Promise<HTTPRoute | undefined | RouteProblem> {
    try {
      return new HTTPRoute((await deps.objects.read(ref(t))) as IHTTPRoute);
    } catch (err) {
      if (httpStatus(err) === 404 && !isTypeNotServed(err)) return undefined;
      return refused(err, t, 'reading');
    }
  }

  function notFound(t: RouteTarget): RouteProblem {
    const refs = `[{name: ${t.stableService}, port: ${t.port}, weight: 100}, {name: ${t.canaryService}, port: ${t.port}, weight: 0}]`;
    return managed
      ? { code: 'RouteNotFound', message: `${describe(t)} not found: the operator creates it when it reconciles the ModelVariant` }
      : { code: 'RouteNotFound', message: `${describe(t)} not found: create it with a rule whose backendRefs are ${refs}, or set spec.traffic.gatewayAPI.parentRefs instead of httpRoute to let the operator create and own HTTPRoute ${t.name}` };
  }

  /** The live route when this router may act on it, else why not. */
  async function usable(t: RouteTarget): Promise<HTTPRoute | RouteProblem> {
    const live = await read(t);
    if (live === undefined) return notFound(t);
    if (isProblem(live)) return live;
    if (managed ? !ownedByTarget(live, t) : otherModelVariantOwner(live, t)) return ownedByAnother(describe(t), live, t);
    return checkRules(live.spec.rules ?? [], t, describe(t)) ?? live;
  }

  async function apply(t: RouteTarget, route: HTTPRoute): Promise<RouteProblem | 'stale' | undefined> {
    try {
      await deps.objects.patch(toKube(route), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      return undefined;
    } catch (err) {
      if (isConflict(err)) return 'stale';
      return refused(err, t, 'a write of');
    }
  }

  /** Creates the managed route; someone else's of the same name is refused, ours (a lagging read) is fine. */
  async function create(t: RouteTarget, state: RouteState): Promise<RouteProblem | undefined> {
    try {
      await deps.objects.create(toKube(managedHTTPRoute(t, spec, state)), undefined, undefined, FIELD_MANAGER);
      return undefined;
    } catch (err) {
      if (!isConflict(err)) return refused(err, t, 'creating');
      const live = await read(t);
      if (isProblem(live) || live === undefined) throw err;
      return ownedByTarget(live, t) ? undefined : ownedByAnother(describe(t), live, t);
    }
  }

  /** One read-modify-apply of the route toward `state` (`keep`: the state the live route carries). */
  async function converge(t: RouteTarget, state: RouteState | 'keep'): Promise<RouteProblem | undefined> {
    for (let attempt = 1; ; attempt++) {
      const live = await (managed ? read(t) : usable(t));
      if (isProblem(live)) return live;
      let body: HTTPRoute | undefined;
      if (managed) {
        if (live === undefined) return create(t, state === 'keep' ? { weight: 0 } : state);
        if (!ownedByTarget(live, t)) return ownedByAnother(describe(t), live, t);
        const rules = live.spec.rules ?? [];
        const want = managedHTTPRoute(t, spec, state === 'keep' ? readRouteState(rules, t) : state);
        // Reconciling repairs what routes nothing (parents, owner, a rule for the model); weights someone
        // else changed are left for getRoutes to report (changedBy) and for setRoutes to put back.
        const same = managedFrameMatches(live, want) && !checkRules(rules, t, describe(t)) && (state === 'keep' || isDeepStrictEqual(rules, want.spec.rules));
        if (!same && want.metadata) want.metadata.resourceVersion = live.metadata?.resourceVersion;
        body = same ? undefined : want;
      } else if (live && state !== 'keep') {
        const rules = withRouteState(live.spec.rules ?? [], t, state);
        body = isDeepStrictEqual(rules, live.spec.rules) ? undefined : existingRouteApply(live, rules);
      }
      if (!body) return undefined;
      const result = await apply(t, body);
      if (result !== 'stale') return result;
      if (attempt >= APPLY_ATTEMPTS) throw new Error(`${describe(t)} kept changing while the operator wrote it (${APPLY_ATTEMPTS} conflicts in a row)`);
    }
  }

  return {
    provider: 'gatewayAPI',
    weighted: true,
    replicasFor: (total, weight) => weightedSplit(total, weight, deps.canaryReplicas),

    reconcile: (t) => converge(t, 'keep'),

    setRoutes: (t, route) => converge(t, route),

    async getRoutes(t) {
      const live = await usable(t);
      if (isProblem(live)) return live;
      const changedBy = lastForeignWriter(live.metadata?.managedFields, ['f:spec', 'f:rules']);
      return { ...readRouteState(live.spec.rules ?? [], t), ...(changedBy ? { changedBy } : {}) };
    },

    async finalize(t) {
      const live = managed ? await read(t) : await usable(t);
      // Nothing of ours to undo when the route is gone, not ours, has no rule for the model, or Gateway
      // API is not installed; a refusal is not swallowed.
      if (live === undefined) return;
      if (isProblem(live)) {
        if (live.code === 'Rejected') throw new RouteRefusedError(live);
        return;
      }
      if (managed) {
        if (ownedByTarget(live, t)) await deleteIfExists(deps.objects, ref(t));
        return;
      }
      const problem = await converge(t, { weight: 0 });
      if (problem) throw new RouteRefusedError({ ...problem, message: `could not put all traffic back on ${t.stableService} in ${describe(t)}: ${problem.message}` });
    },
  };
}
