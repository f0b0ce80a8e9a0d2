/**
 * reconcile(key) = observe → plan (pure) → apply → patch status. It never sees why it runs (an event,
 * a resync, a requeue), so every pass reads the world and converges; the reason a ModelVariant is in
 * its phase lives in status, never in memory. It reads informer caches only, writes a child only when
 * it must (see children.ts), and writes status only when it changed in meaning.
 */
import { API_VERSION, KIND, withDefaults, type ModelVariant } from '../api/types.ts';
import { writeStatus } from '../kube/apply.ts';
import { createRouter } from '../traffic/factory.ts';
import { RouteRefusedError, isRouteProblem, type ObservedRoute, type ReadyReplicas, type RouteProblem, type RouteTarget, type TrafficRouter } from '../traffic/router.ts';
import { stableHash } from '../workload/hash.ts';
import { childName, type Role } from '../workload/names.ts';
import { revisionName, revisionTemplate } from '../workload/revision.ts';
import { servicePorts } from '../workload/service.ts';
import { analysisDue } from './analysis-schedule.ts';
import { applyPlan } from './apply-plan.ts';
import { ChildWriter } from './children.ts';
import { CONDITION, setCondition } from './conditions.ts';
import type { ReconcileContext } from './context.ts';
import { toDesired } from './desired.ts';
import { sameVariant, stableVariant, type Observed, type Plan, type Status } from './model.ts';
import { observeCapacity, observeRole } from './observe.ts';
import { plan, routeCarries } from './plan.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
  const [namespace = '', name = ''] = key.split('/');
  const mv = ctx.modelVariants.get(namespace, name);
  if (!mv || mv.metadata?.deletionTimestamp) {
    // Children carry ownerReferences: the garbage collector removes them. A route the operator does not
    // own is left sending everything to stable, with no header route or mirror (best effort: it needs
    // the deleted object, which the informer hands over when it sees the deletion).
    const last = mv ?? ctx.deleted?.get(key);
    if (last) {
      try {
        await finalizeRoute(ctx, last);
      } catch (err) {
        // A refusal will not change on a retry: say so and let go; anything else (5xx, network) is retried.
        if (!(err instanceof RouteRefusedError)) throw err;
        ctx.logger.warn({ modelVariant: key, problem: err.problem }, 'Route not finalized: the apiserver refused; the route keeps its last weights');
      }
    }
    ctx.deleted?.delete(key);
    ctx.observer?.forget?.(namespace, name);
    ctx.written.delete(key);
    return {};
  }
  ctx.deleted?.delete(key);
  const now = ctx.clock.now();
  const spec = withDefaults(mv.spec);
  const previous = freshestStatus(ctx, key, mv);
  const stableTemplate = previous.stableRevision ? revisionTemplate(ctx.revisions.get(namespace, revisionName(name, previous.stableRevision))) : undefined;
  const desired = toDesired({ ...mv, status: previous }, stableTemplate);
  const router = createRouter(spec.traffic, { objects: ctx.objects, ...(spec.strategy.canaryReplicas ? { canaryReplicas: spec.strategy.canaryReplicas } : {}) });
  const trafficPort = spec.traffic.gatewayAPI?.port ?? spec.traffic.istio?.port;
  const ports = servicePorts(spec.template, trafficPort);
  const uid = mv.metadata?.uid ?? '';
  const owner = { apiVersion: API_VERSION, kind: KIND, name, uid };
  const target: RouteTarget = {
    namespace, name, stableService: childName(name, 'stable'), canaryService: childName(name, 'canary'), port: trafficPort ?? ports[0]?.port ?? 0, owner,
  };

  const pods = ctx.pods.list(namespace);
  const role = (r: Role) => observeRole(mv, r, ctx.deployments.get(namespace, childName(name, r)), spec.variantEnv, pods);
  const stable = role('stable');
  const canary = role('canary');
  const inRollout = !sameVariant(desired.variant, stableVariant(previous)) || !!previous.canaryActivation || !!canary || !stable?.settled;
  const capacity = inRollout ? observeCapacity(mv, ctx.nodes.list(), ctx.pods.list(), ctx.quotas.list(namespace)) : undefined;
  const acting = desired.problems.length === 0;
  const routeObject = weightedRouteObject(spec.traffic, name);
  if (acting && previous.trafficRoute && !sameRouteObject(previous.trafficRoute, routeObject)) await leaveRouteObject(ctx, previous.trafficRoute, target);
  const route = acting ? await readRoute(router, target, { stable: stable?.ready ?? 0, canary: canary?.ready ?? 0 }) : undefined;
  const observed: Observed = {
    ...(stable ? { stable } : {}),
    ...(canary ? { canary } : {}),
    routedWeight: route && !isRouteProblem(route) ? route.weight : previous.canaryWeight ?? 0,
    ...(route && !isRouteProblem(route) ? { route } : {}),
    ...(isRouteProblem(route) ? { routeProblem: route } : {}),
    ...(capacity ? { capacity } : {}),
  };
  if (desired.problems.length === 0 && analysisDue(desired, previous, now)) {
    observed.analysis = await ctx.analysis(mv, previous.analysis, now);
  }

  const result = plan(desired, observed, previous, now, router.replicasFor);
  const writer = new ChildWriter(ctx.objects, uid);
  const log = ctx.logger.child({ modelVariant: key });
  // The route first: the planner only raises a weight toward ready canary pods, and only shrinks the
  // canary once the live route sends it nothing, so writing the route before the Deployments is safe.
  if (acting && observed.route && !routeCarries(observed.route, result.route)) await writeRoute(router, target, observed.route, previous, result, log, now);
  if (acting || result.stable) {
    await applyPlan(ctx, writer, result, {
      namespace, name, owner, variantEnv: spec.variantEnv,
      desired: { ...desired.variant, template: spec.template ?? {} },
      keepRevisions: [result.status.stableRevision, result.status.canaryRevision].filter((r): r is string => !!r),
      ports,
    }, log);
  }
  if (acting) {
    if (routeObject) result.status.trafficRoute = routeObject;
    else delete result.status.trafficRoute;
  }
  reportChildren(result, writer, now);
  await recordStatus(ctx, mv, previous, result);
  return result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : {};
}

type RouteObject = NonNullable<Status['trafficRoute']>;

/** The route object a weighted provider acts on (managed: `<name>`), recorded in status.trafficRoute. */
function weightedRouteObject(traffic: ReturnType<typeof withDefaults>['traffic'], name: string): RouteObject | undefined {
  if (traffic.provider === 'gatewayAPI') return { provider: 'gatewayAPI', name: traffic.gatewayAPI?.httpRoute ?? name, managed: !traffic.gatewayAPI?.httpRoute };
  if (traffic.provider === 'istio') return { provider: 'istio', name: traffic.istio?.virtualService ?? name, managed: !traffic.istio?.virtualService };
  return undefined;
}

function sameRouteObject(a: RouteObject, b: RouteObject | undefined): boolean {
  return !!b && a.provider === b.provider && a.name === b.name && !!a.managed === !!b.managed;
}

/**
 * spec.traffic moved away from a route object: it is left sending everything to stable (a managed one
 * deleted) before the new one is used, so no old route keeps weight on a canary that may go. A refusal
 * is logged and the route let go (a retry would not help).
 */
async function leaveRouteObject(ctx: ReconcileContext, was: RouteObject, target: RouteTarget): Promise<void> {
  const port = target.port;
  const traffic = was.provider === 'gatewayAPI'
    ? { provider: 'gatewayAPI' as const, gatewayAPI: was.managed ? { parentRefs: [], port } : { httpRoute: was.name ?? '', port } }
    : { provider: 'istio' as const, istio: was.managed ? { hosts: [] } : { virtualService: was.name ?? '' } };
  try {
    await createRouter(traffic, { objects: ctx.objects }).finalize(target);
    ctx.logger.info({ modelVariant: `${target.namespace}/${target.name}`, route: was }, 'Route left: all traffic to stable; spec.traffic names another route now');
  } catch (err) {
    if (!(err instanceof RouteRefusedError)) throw err;
    ctx.logger.warn({ modelVariant: `${target.namespace}/${target.name}`, route: was, problem: err.problem }, 'Route not left: the apiserver refused');
  }
}

/** Leaves the route of a deleted ModelVariant sending everything to stable (a managed route is deleted). */
async function finalizeRoute(ctx: ReconcileContext, mv: ModelVariant): Promise<void> {
  const spec = withDefaults(mv.spec);
  if (spec.traffic.provider === 'replicas') return;
  const namespace = mv.metadata?.namespace ?? '';
  const name = mv.metadata?.name ?? '';
  const router = createRouter(spec.traffic, { objects: ctx.objects });
  const port = spec.traffic.gatewayAPI?.port ?? spec.traffic.istio?.port ?? servicePorts(spec.template, undefined)[0]?.port ?? 0;
  await router.finalize({ namespace, name, stableService: childName(name, 'stable'), canaryService: childName(name, 'canary'), port,
    owner: { apiVersion: API_VERSION, kind: KIND, name, uid: mv.metadata?.uid ?? '' } });
  ctx.logger.info({ modelVariant: `${namespace}/${name}`, provider: spec.traffic.provider }, 'Route finalized: all traffic to stable');
}

/** Checks (and in managed mode creates) the route, then reads what it carries; a problem says what to fix. */
async function readRoute(router: TrafficRouter, target: RouteTarget, ready: ReadyReplicas): Promise<ObservedRoute | RouteProblem> {
  const problem = await router.reconcile(target);
  return problem ?? router.getRoutes(target, ready);
}

/**
 * Makes the route carry the plan's route. A route that differs from what status says the operator
 * set, last written by another field manager, was edited by hand: it is put back, with an Event naming
 * who changed it. A refusal becomes TrafficRouted=False.
 */
async function writeRoute(router: TrafficRouter, target: RouteTarget, live: ObservedRoute, previous: Status, p: Plan, log: ReconcileContext['logger'], now: number): Promise<void> {
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

/** ChildrenReconciled, and an Event per repair and per new refusal. */
function reportChildren(p: Plan, writer: ChildWriter, now: number): void {
  const nowIso = new Date(now).toISOString();
  const generation = p.status.observedGeneration ?? 0;
  const was = p.status.conditions?.find((c) => c.type === CONDITION.ChildrenReconciled);
  const set = (status: 'True' | 'False', reason: string, message: string) => {
    p.status.conditions = setCondition(p.status.conditions ?? [], { type: CONDITION.ChildrenReconciled, status, reason, message, observedGeneration: generation }, nowIso);
  };
  for (const what of writer.repaired) p.events.push({ type: 'Warning', reason: 'ChildRepaired', message: `repaired ${what}: the operator owns this field` });
  if (writer.problems.length > 0) {
    const message = writer.problems.map((x) => x.message).join('; ');
    const reason = writer.problems[0]?.code === 'NotOwned' ? 'ChildNotOwned' : 'ChildRejected';
    if (was?.status !== 'False' || was.message !== message) p.events.push({ type: 'Warning', reason, message });
    set('False', reason, message);
  } else {
    set('True', 'ChildrenReconciled', 'every child is as the operator built it');
  }
}

/** The cached status, unless this operator wrote a newer one the cache has not caught up with. */
function freshestStatus(ctx: ReconcileContext, key: string, mv: ModelVariant): Status {
  const written = ctx.written.get(key);
  const cachedVersion = Number(mv.metadata?.resourceVersion);
  if (written && Number.isFinite(cachedVersion) && cachedVersion < written.resourceVersion) return structuredClone(written.status) as Status;
  return (mv.status ?? {}) as Status;
}

/** Equal in meaning: the same JSON once keys are sorted (the apiserver returns status with sorted keys). */
export function sameStatus(a: Status, b: Status): boolean {
  return stableHash(a) === stableHash(b);
}

async function recordStatus(ctx: ReconcileContext, mv: ModelVariant, previous: Status, p: Plan): Promise<void> {
  const namespace = mv.metadata?.namespace ?? '';
  const name = mv.metadata?.name ?? '';
  if (!sameStatus(previous, p.status)) {
    const version = Number(await writeStatus(ctx.custom, namespace, name, p.status));
    if (Number.isFinite(version)) ctx.written.set(`${namespace}/${name}`, { resourceVersion: version, status: p.status });
  }
  const target = { namespace, name, uid: mv.metadata?.uid ?? '' };
  for (const e of p.events) {
    ctx.logger.info({ modelVariant: `${namespace}/${name}`, reason: e.reason }, e.message);
    await ctx.events.record(target, e.type, e.reason, e.message);
  }
  ctx.observer?.modelVariantState?.(namespace, name, p.status.phase ?? '', p.status.canaryWeight ?? 0, p.status.currentStepIndex ?? 0);
  ctx.observer?.analysisState?.(namespace, name, p.status.analysis);
}
