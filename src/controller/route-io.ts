/**
 * The reconciler's I/O on traffic routes, around the router of `spec.traffic`: read the route (check,
 * create a managed one, read back what it carries), write the plan's route (putting back a hand edit
 * with an Event naming who made it; a refusal becomes TrafficRouted=False), leave a route `spec.traffic`
 * no longer names, and finalize the route of a deleted ModelVariant. Refusals a retry would not change
 * are logged and let go; 5xx and network errors throw (the work queue retries). The routers read route
 * objects through `cachedRouteReads`, which answers from the route informers' caches when they are fresh.
 */
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { API_VERSION, KIND, withDefaults, type ModelVariant } from '../api/types.ts';
import { createRouter } from '../traffic/factory.ts';
import { RouteRefusedError, type ObservedRoute, type ReadyReplicas, type RouteProblem, type RouteTarget, type TrafficRouter } from '../traffic/router.ts';
import { childName } from '../workload/names.ts';
import { servicePorts } from '../workload/service.ts';
import { CONDITION, setCondition } from './conditions.ts';
import type { ReconcileContext } from './context.ts';
import type { Plan, Status } from './model.ts';

type RouteObject = NonNullable<Status['trafficRoute']>;

/** The read side of a route informer (HTTPRoutes or VirtualServices). */
export interface RouteCache {
  get(namespace: string, name: string): KubernetesObject | undefined;
  hasSynced(): boolean;
}

/** The route kinds the weighted routers read, by `apiVersion kind`, and the informer caches that hold them. */
export type RouteCaches = Map<string, RouteCache>;

const rvNumber = (obj: KubernetesObject | undefined) => Number(obj?.metadata?.resourceVersion ?? NaN);

/**
 * `objects` with its reads of route objects answered from the route informers' caches (as a
 * controller-runtime client reads through its cache), so a reconcile costs no GET of its HTTPRoute or
 * VirtualService; every other call goes to the apiserver as before. A cached object is used only when
 * it is at least as new (resourceVersion) as what the operator itself last wrote or read of it: a
 * reconcile right after a route write would otherwise plan from the weight before it (and could, say,
 * shrink a canary the route still sends to). Otherwise, on a cache miss (a route that does not exist
 * yet, whose 404 the routers need), after a 409, and while an object the operator deleted is still
 * cached, the read goes to the apiserver. Writes are unchanged: each carries the resourceVersion its
 * read returned, so a cached read that is stale ends in a 409, whose retry reads live.
 */
export function cachedRouteReads(objects: KubernetesObjectApi, caches: RouteCaches): KubernetesObjectApi {
  /** The newest resourceVersion the operator knows of, per route object (Infinity: it deleted it, or saw it gone). */
  const known = new Map<string, number>();
  const keyOf = (o: KubernetesObject) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const cacheOf = (o: KubernetesObject) => caches.get(`${o.apiVersion} ${o.kind}`);
  const remember = (o: KubernetesObject, rv: number) => {
    // A resourceVersion that is not a number cannot be compared: read live until a read gives one.
    if (cacheOf(o)) known.set(keyOf(o), Number.isNaN(rv) ? Infinity : rv);
  };
  const wrapped = Object.create(objects) as KubernetesObjectApi;
  /** A write's answer carries the new resourceVersion; a failed write (a 409 among them) makes the next read live. */
  const recording = <A extends unknown[], R>(write: (spec: KubernetesObject, ...rest: A) => Promise<R>, rvOf: (result: R) => number) =>
    async (spec: KubernetesObject, ...rest: A): Promise<R> => {
      try {
        const result = await write.call(objects, spec, ...rest);
        remember(spec, rvOf(result));
        return result;
      } catch (err) {
        remember(spec, Infinity);
        throw err;
      }
    };
  const writtenRv = (result: unknown) => rvNumber(result as KubernetesObject);
  wrapped.create = recording(objects.create, writtenRv) as KubernetesObjectApi['create'];
  wrapped.patch = recording(objects.patch, writtenRv) as KubernetesObjectApi['patch'];
  wrapped.replace = recording(objects.replace, writtenRv) as KubernetesObjectApi['replace'];
  wrapped.delete = recording(objects.delete, () => Infinity) as KubernetesObjectApi['delete'];
  wrapped.read = (async (spec: KubernetesObject, ...rest: unknown[]) => {
    const cache = cacheOf(spec);
    if (cache?.hasSynced()) {
      const cached = cache.get(spec.metadata?.namespace ?? '', spec.metadata?.name ?? '');
      const floor = known.get(keyOf(spec));
      if (cached && (floor === undefined || rvNumber(cached) >= floor)) {
        known.delete(keyOf(spec));
        return structuredClone(cached);
      }
    }
    try {
      const live = await (objects.read as (...a: unknown[]) => Promise<KubernetesObject>).call(objects, spec, ...rest);
      remember(spec, rvNumber(live));
      return live;
    } catch (err) {
      // Gone: while the cache still holds it, it is stale; once the cache lacks it too, a miss reads live anyway.
      if (cache) {
        if (cache.get(spec.metadata?.namespace ?? '', spec.metadata?.name ?? '')) known.set(keyOf(spec), Infinity);
        else known.delete(keyOf(spec));
      }
      throw err;
    }
  }) as KubernetesObjectApi['read'];
  return wrapped;
}

/** The route object a weighted provider acts on (managed: `<name>`), recorded in status.trafficRoute. */
export function weightedRouteObject(traffic: ReturnType<typeof withDefaults>['traffic'], name: string): RouteObject | undefined {
  if (traffic.provider === 'gatewayAPI') return { provider: 'gatewayAPI', name: traffic.gatewayAPI?.httpRoute ?? name, managed: !traffic.gatewayAPI?.httpRoute };
  if (traffic.provider === 'istio') return { provider: 'istio', name: traffic.istio?.virtualService ?? name, managed: !traffic.istio?.virtualService };
  return undefined;
}

export function sameRouteObject(a: RouteObject, b: RouteObject | undefined): boolean {
  return !!b && a.provider === b.provider && a.name === b.name && !!a.managed === !!b.managed;
}

/**
 * spec.traffic moved away from a route object: it is left sending everything to stable (a managed one
 * deleted) before the new one is used, so no old route keeps weight on a canary that may go.
 */
export async function leaveRouteObject(ctx: ReconcileContext, was: RouteObject, target: RouteTarget): Promise<void> {
  const port = target.port;
  const traffic = was.provider === 'gatewayAPI'
    ? { provider: 'gatewayAPI' as const, gatewayAPI: was.managed ? { parentRefs: [], port } : { httpRoute: was.name ?? '', port } }
    : { provider: 'istio' as const, istio: was.managed ? { hosts: [] } : { virtualService: was.name ?? '' } };
  await finalizeOnce(ctx, createRouter(traffic, { objects: ctx.objects }), target, 'spec.traffic names another route now');
}

/** Leaves the route of a deleted ModelVariant sending everything to stable (a managed route is deleted). */
export async function finalizeRoute(ctx: ReconcileContext, mv: ModelVariant): Promise<void> {
  const spec = withDefaults(mv.spec);
  if (spec.traffic.provider === 'replicas') return;
  const namespace = mv.metadata?.namespace ?? '';
  const name = mv.metadata?.name ?? '';
  const port = spec.traffic.gatewayAPI?.port ?? spec.traffic.istio?.port ?? servicePorts(spec.template, undefined)[0]?.port ?? 0;
  await finalizeOnce(ctx, createRouter(spec.traffic, { objects: ctx.objects }), { namespace, name, stableService: childName(name, 'stable'),
    canaryService: childName(name, 'canary'), port, owner: { apiVersion: API_VERSION, kind: KIND, name, uid: mv.metadata?.uid ?? '' } }, 'the ModelVariant was deleted');
}

/** `router.finalize`, logged; a refusal will not change on a retry, so it is logged and let go (5xx and network errors throw). */
async function finalizeOnce(ctx: ReconcileContext, router: TrafficRouter, target: RouteTarget, why: string): Promise<void> {
  const log = ctx.logger.child({ modelVariant: `${target.namespace}/${target.name}`, provider: router.provider });
  try {
    await router.finalize(target);
    log.info(`Route finalized: all traffic to stable (${why})`);
  } catch (err) {
    if (!(err instanceof RouteRefusedError)) throw err;
    log.warn({ problem: err.problem }, `Route not finalized: the apiserver refused; it keeps its last weights (${why})`);
  }
}

/** Checks (and in managed mode creates) the route, then reads what it carries; a problem says what to fix. */
export async function readRoute(router: TrafficRouter, target: RouteTarget, ready: ReadyReplicas): Promise<ObservedRoute | RouteProblem> {
  const problem = await router.reconcile(target);
  return problem ?? router.getRoutes(target, ready);
}

/**
 * Makes the route carry the plan's route. A route that differs from what status says the operator
 * set, last written by another field manager, was edited by hand: it is put back, with an Event naming
 * who changed it. A refusal becomes TrafficRouted=False.
 */
export async function writeRoute(router: TrafficRouter, target: RouteTarget, live: ObservedRoute, previous: Status, p: Plan, log: ReconcileContext['logger'], now: number): Promise<void> {
  const problem = await router.setRoutes(target, p.route);
  if (problem) {
    routeRefused(p, previous, problem, now);
    return;
  }
  log.info({ weight: p.route.weight, headerRoute: p.route.headerRoute?.name, mirrorPercent: p.route.mirrorPercent }, 'Route updated');
  if (live.changedBy && live.weight !== (previous.canaryWeight ?? 0)) {
    p.events.push({
      type: 'Warning', reason: 'TrafficRouteRepaired',
      message: `the ${router.provider} route's canary weight was changed to ${live.weight}% by ${live.changedBy}; put back to ${p.route.weight}% (the operator owns these weights)`,
    });
  }
}

/**
 * A route write the apiserver refused (or a route that turned unusable between the read and the write)
 * is a route the operator cannot use: TrafficRouted=False with the problem's code and words, and one
 * TrafficRouteProblem Event when it first appears or changes. The write is tried again on every pass,
 * so an Event per try would flood the namespace, and a fresh lastTransitionTime per try would rewrite
 * status each time: an unchanged refusal keeps the condition as it was.
 */
function routeRefused(p: Plan, previous: Status, problem: RouteProblem, now: number): void {
  const was = previous.conditions?.find((c) => c.type === CONDITION.TrafficRouted);
  const unchanged = !!was && was.status === 'False' && was.reason === problem.code && was.message === problem.message;
  const observedGeneration = p.status.observedGeneration ?? 0;
  const conditions = p.status.conditions ?? [];
  p.status.conditions = unchanged
    ? conditions.map((c) => (c.type === CONDITION.TrafficRouted ? { ...was, observedGeneration } : c))
    : setCondition(conditions, { type: CONDITION.TrafficRouted, status: 'False', reason: problem.code, message: problem.message, observedGeneration }, new Date(now).toISOString());
  if (!unchanged) p.events.push({ type: 'Warning', reason: 'TrafficRouteProblem', message: problem.message });
}

