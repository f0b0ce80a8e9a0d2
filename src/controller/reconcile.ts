/**
 * reconcile(key) = observe → plan (pure) → apply → patch status. It never sees why it runs (an event,
 * a resync, a requeue), so every pass reads the world and converges; the reason a ModelVariant is in
 * its phase lives in status, never in memory. It reads informer caches (and, with a weighted provider,
 * the live route: route-io.ts), writes a child only when it must (see children.ts), writes the route
 * before the Deployments, and writes status only when it changed in meaning.
 */
import { API_VERSION, KIND, withDefaults, type ModelVariant } from '../api/types.ts';
import { isNotFound, isReplaced, writeStatus } from '../kube/apply.ts';
import { createRouter } from '../traffic/factory.ts';
import { isRouteProblem, type RouteTarget } from '../traffic/router.ts';
import { stableHash } from '../workload/hash.ts';
import { isRoutineAnalysisRefresh } from './status-refresh.ts';
import { echoFingerprint } from './own-write-echo.ts';
import { EXPERIMENT_ROLE, LABEL_ROLE, LABEL_VARIANT, childName, experimentChildName, type Role } from '../workload/names.ts';
import { revisionName, revisionTemplate } from '../workload/revision.ts';
import { servicePorts } from '../workload/service.ts';
import { analysisDueAt } from './analysis-schedule.ts';
import { applyPlan } from './apply-plan.ts';
import { CHILD_REASON, ChildWriter } from './children.ts';
import { CONDITION, setCondition } from './conditions.ts';
import type { ReconcileContext } from './context.ts';
import { toDesired } from './desired.ts';
import { sameVariant, stableVariant, type Desired, type ExperimentObservation, type Observed, type Plan, type Status } from './model.ts';
import { gpusHeld } from './gpus-held.ts';
import { childrenOf } from './model-index.ts';
import { observeCapacity, observeRole } from './observe.ts';
import { plan, routeCarries } from './plan.ts';
import { experimentDue } from './plan-experiment.ts';
import { finalizeRoute, leaveRouteObject, readRoute, sameRouteObject, weightedRouteObject, writeRoute } from './route-io.ts';

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
    if (last) await finalizeRoute(ctx, last);
    ctx.deleted?.delete(key);
    ctx.analysis.forget(key);
    ctx.observer?.forget?.(namespace, name);
    ctx.written.delete(key);
    ctx.echoes?.delete(key);
    return {};
  }
  ctx.deleted?.delete(key);
  const now = ctx.clock.now();
  const spec = withDefaults(mv.spec);
  const { status: previous, persisted } = freshestStatus(ctx, key, mv);
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

  const pods = childrenOf(ctx.pods, namespace, name);
  const role = (r: Role) => observeRole(mv, r, ctx.deployments.get(namespace, childName(name, r)), spec.variantEnv, pods);
  const stable = role('stable');
  const canary = role('canary');
  for (const r of ['stable', 'canary'] as const) ctx.observer?.roleGpus?.(namespace, name, r, gpusHeld(pods, name, r));
  const inRollout = !sameVariant(desired.variant, stableVariant(previous)) || !!previous.canaryActivation || !!canary || !stable?.settled;
  const capacity = inRollout ? observeCapacity(mv, ctx.capacity, ctx.quotas.list(namespace)) : undefined;
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
  // The analysis scheduler measures off this path: a due run is asked for and its verdict read once it lands.
  const analysisAt = desired.problems.length === 0 ? analysisDueAt(desired, previous) : undefined;
  if (analysisAt !== undefined && now >= analysisAt) {
    const verdict = ctx.analysis.take(mv, previous, analysisAt);
    if (verdict) observed.analysis = verdict;
    else observed.analysisPending = true;
  }
  // With a weighted router, candidates left over from an ended experiment are kept until the route has no backend to them.
  const leftover = desired.weighted ? candidateDeployments(ctx, mv) : [];
  if (desired.experiment || leftover.length > 0) observed.experiment = await observeExperiment(ctx, mv, desired, observed, previous, now, leftover);

  const result = plan(desired, observed, previous, now, router.replicasFor);
  const writer = new ChildWriter(ctx.objects, uid);
  const log = ctx.logger.child({ modelVariant: key });
  // The route first: the planner only raises a weight toward ready canary pods, and only shrinks the
  // canary once the live route sends it nothing, so writing the route before the Deployments is safe.
  // Without a weighted router the Deployments are the route: there is nothing else to write.
  if (acting && observed.route && desired.weighted && !routeCarries(observed.route, result.route)) await writeRoute(router, target, observed.route, previous, result, log, now);
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
  await recordStatus(ctx, mv, previous, result, persisted);
  // A child the apiserver failed to write (a 5xx such as a full service IP range) is in status now;
  // failing the reconcile backs the ModelVariant off and tries again, as any error does.
  const retry = writer.retryable();
  if (retry) throw new Error(retry.message);
  return result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : {};
}

/** This ModelVariant's experiment candidate Deployments in the cache (role `experiment`), by their activation label. */
function candidateDeployments(ctx: ReconcileContext, mv: ModelVariant): string[] {
  return childrenOf(ctx.deployments, mv.metadata?.namespace ?? '', mv.metadata?.name ?? '').flatMap((d) => {
    const labels = d.metadata?.labels ?? {};
    return labels[LABEL_ROLE] === EXPERIMENT_ROLE && labels[LABEL_VARIANT] ? [labels[LABEL_VARIANT]] : [];
  });
}

/**
 * The experiment's candidates from the caches (those of the spec, and `leftover`: with a weighted router
 * the activations of candidate Deployments still cached, which the planner keeps until the route has no
 * backend to them), and a judgement when a measurement is due (experimentDue).
 */
async function observeExperiment(ctx: ReconcileContext, mv: ModelVariant, desired: Desired, observed: Observed, previous: Status, now: number,
  leftover: string[]): Promise<ExperimentObservation> {
  const namespace = mv.metadata?.namespace ?? '';
  const variantEnv = withDefaults(mv.spec).variantEnv;
  const pods = childrenOf(ctx.pods, namespace, mv.metadata?.name ?? '');
  const activations = new Set([...(desired.experiment?.candidates ?? []).map((c) => c.activation), ...leftover]);
  const candidates = Object.fromEntries([...activations].map((activation) => [activation,
    observeRole(mv, EXPERIMENT_ROLE, ctx.deployments.get(namespace, experimentChildName(mv.metadata?.name ?? '', activation)), variantEnv, pods, activation)]));
  if (desired.problems.length > 0 || !ctx.experiment || !previous.experiment || !experimentDue(desired, observed, previous, now)) return { candidates };
  return { candidates, judgement: await ctx.experiment(mv, previous.experiment, now), measuredAt: now };
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
    const reason = writer.problems[0]?.code === 'NotOwned' ? CHILD_REASON.NotOwned : CHILD_REASON.Rejected;
    if (was?.status !== 'False' || was.message !== message) p.events.push({ type: 'Warning', reason, message });
    set('False', reason, message);
  } else {
    set('True', CHILD_REASON.Reconciled, 'every child is as the operator built it');
  }
}

/**
 * The status to plan from: the cached one, unless this operator wrote a newer one the cache has not
 * caught up with, or holds back a routine analysis run on top of it (status-refresh.ts); and the one on
 * the server (`persisted`), which a held-back run is measured against. A held-back run is dropped once
 * anyone else writes the ModelVariant (its resourceVersion moves on): the schedule then counts from the
 * server's older run, so the next run is due at once (the analysis scheduler may hand back the verdict it
 * already measured for that moment rather than measure again).
 */
export function freshestStatus(ctx: ReconcileContext, key: string, mv: ModelVariant): { status: Status; persisted: Status } {
  const written = ctx.written.get(key);
  const cachedVersion = Number(mv.metadata?.resourceVersion);
  const cached = (mv.status ?? {}) as Status;
  if (!written || !Number.isFinite(cachedVersion) || cachedVersion > written.resourceVersion) return { status: cached, persisted: cached };
  if (!written.heldBack) {
    if (cachedVersion === written.resourceVersion) return { status: cached, persisted: cached };
    return { status: structuredClone(written.status) as Status, persisted: written.status as Status };
  }
  const persisted = cachedVersion === written.resourceVersion ? cached : written.heldBack.persisted as Status;
  return { status: structuredClone(written.status) as Status, persisted };
}

/** Equal in meaning: the same JSON once keys are sorted (the apiserver returns status with sorted keys). */
export function sameStatus(a: Status, b: Status): boolean {
  return stableHash(a) === stableHash(b);
}

/**
 * Writes status when it changed in meaning (a routine analysis run is held back instead: see
 * status-refresh.ts), then queues the plan's Events. A ModelVariant deleted since it was read (404) is
 * done with: nothing to write, no Event, and not an error to back off from (the spec fuzzer, which
 * deletes ModelVariants right after they settle, saw that race as a failed reconcile).
 * `persisted` is the status on the server, `previous` the one planned from (the same unless a run is held back).
 */
export async function recordStatus(ctx: ReconcileContext, mv: ModelVariant, previous: Status, p: Plan, persisted: Status): Promise<void> {
  const namespace = mv.metadata?.namespace ?? '';
  const name = mv.metadata?.name ?? '';
  const key = `${namespace}/${name}`;
  if (!sameStatus(previous, p.status)) {
    // The server's version as this replica knows it: its own last write's, if the cache has not caught up.
    const known = ctx.written.get(key)?.resourceVersion ?? NaN;
    const cachedVersion = Number(mv.metadata?.resourceVersion);
    const version = Number.isFinite(known) && !(cachedVersion >= known) ? known : cachedVersion;
    if (Number.isFinite(version) && isRoutineAnalysisRefresh(persisted, p.status)) {
      ctx.written.set(key, { resourceVersion: version, status: p.status, heldBack: { persisted } });
      ctx.observer?.statusHeldBack?.(namespace, name);
    } else if (Number.isFinite(version) && sameStatus(persisted, p.status)) {
      // Planned back to what the server has (a held-back run superseded): nothing to write or hold back.
      ctx.written.set(key, { resourceVersion: version, status: persisted });
    } else {
      let written: string | undefined;
      ctx.echoes?.set(key, echoFingerprint(mv, p.status));
      try {
        written = await writeStatus(ctx.custom, namespace, name, p.status, mv.metadata?.uid);
      } catch (err) {
        ctx.echoes?.delete(key);
        if (isNotFound(err) || isReplaced(err)) {
          // A new object of the same name has its own events coming: it is reconciled from its own state.
          ctx.logger.debug({ modelVariant: key, replaced: !isNotFound(err) }, 'ModelVariant deleted (or replaced) before its status was written');
          ctx.written.delete(key);
          return;
        }
        throw err;
      }
      const version = Number(written);
      if (Number.isFinite(version)) ctx.written.set(key, { resourceVersion: version, status: p.status });
      else ctx.written.delete(key);
    }
  }
  const target = { namespace, name, uid: mv.metadata?.uid ?? '' };
  for (const e of p.events) {
    ctx.logger.info({ modelVariant: `${namespace}/${name}`, reason: e.reason }, e.message);
    ctx.events.record(target, e.type, e.reason, e.message);
  }
  ctx.observer?.modelVariantState?.(namespace, name, p.status.phase ?? '', p.status.canaryWeight ?? 0, p.status.currentStepIndex ?? 0);
  ctx.observer?.analysisState?.(namespace, name, p.status.analysis);
}
