/**
 * reconcile(key) = observe → plan (pure) → apply → patch status. It never sees why it runs (an event,
 * a resync, a requeue), so every pass reads the world and converges; the reason a ModelVariant is in
 * its phase lives in status, never in memory.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import { API_VERSION, KIND, type ModelVariant } from '../api/types.ts';
import { deleteIfExists, serverSideApply, writeStatus } from '../kube/apply.ts';
import { createRouter } from '../traffic/factory.ts';
import { replicaSplit } from '../traffic/replicas.ts';
import type { RouteTarget, TrafficRouter } from '../traffic/router.ts';
import { buildDeployment, type WorkloadInput } from '../workload/deployment.ts';
import { ANNOTATION_APPLIED_HASH, childName, type Role } from '../workload/names.ts';
import { buildServices, servicePorts } from '../workload/service.ts';
import { withDefaults } from '../api/types.ts';
import { analysisDue } from './analysis-schedule.ts';
import type { ReconcileContext } from './context.ts';
import { toDesired } from './desired.ts';
import type { Observed, Plan, Status, WorkloadIntent } from './model.ts';
import { observeCapacity, observeRole } from './observe.ts';
import { plan } from './plan.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
  const [namespace = '', name = ''] = key.split('/');
  const mv = ctx.modelVariants.get(namespace, name);
  if (!mv || mv.metadata?.deletionTimestamp) {
    // Children carry ownerReferences: the garbage collector removes them.
    ctx.observer?.forget?.(namespace, name);
    ctx.written.delete(key);
    return {};
  }
  const now = ctx.clock.now();
  const spec = withDefaults(mv.spec);
  const desired = toDesired(mv);
  const previous = freshestStatus(ctx, key, mv);
  const routerOrError = createRouter(spec.traffic.provider);
  const router: TrafficRouter | undefined = 'code' in routerOrError ? undefined : routerOrError;
  const ports = servicePorts(spec.template, spec.traffic.gatewayAPI?.port ?? spec.traffic.istio?.port);
  const target: RouteTarget = { namespace, name, stableService: childName(name, 'stable'), canaryService: childName(name, 'canary'), port: ports[0]?.port ?? 0 };

  const deployment = (role: Role) => ctx.deployments.get(namespace, childName(name, role));
  const [stable, canary] = await Promise.all([
    observeRole(ctx.core, mv, 'stable', deployment('stable'), spec.variantEnv),
    observeRole(ctx.core, mv, 'canary', deployment('canary'), spec.variantEnv),
  ]);
  const inRollout = desired.activation !== previous.stableActivation || !!previous.canaryActivation || !stable?.settled;
  const capacity = inRollout ? await observeCapacity(ctx.core, mv) : undefined;
  if (capacity && capacity.perPod > capacity.largestNode) {
    desired.problems.push(`each pod asks for ${capacity.perPod} ${capacity.resource} but the largest ready node offers ${capacity.largestNode}: ` +
      'lower the request in spec.template or add bigger nodes');
  }
  const observed: Observed = {
    ...(stable ? { stable } : {}),
    ...(canary ? { canary } : {}),
    routedWeight: router ? await router.getRoutes(target, { stable: stable?.ready ?? 0, canary: canary?.ready ?? 0 }) : 0,
    ...(capacity ? { capacity } : {}),
  };
  if (desired.problems.length === 0 && analysisDue(desired, previous, now)) {
    observed.analysis = await ctx.analysis(mv, previous.analysis, now);
  }

  const result = plan(desired, observed, previous, now, router?.replicasFor ?? replicaSplit);
  await apply(ctx, result, { namespace, name, owner: ownerOf(mv), template: spec.template, variantEnv: spec.variantEnv }, ports, router, target);
  await recordStatus(ctx, mv, previous, result);
  return result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : {};
}

/** The cached status, unless this operator wrote a newer one the cache has not caught up with. */
function freshestStatus(ctx: ReconcileContext, key: string, mv: ModelVariant): Status {
  const written = ctx.written.get(key);
  const cachedVersion = Number(mv.metadata?.resourceVersion);
  if (written && Number.isFinite(cachedVersion) && cachedVersion < written.resourceVersion) return structuredClone(written.status) as Status;
  return (mv.status ?? {}) as Status;
}

function ownerOf(mv: ModelVariant) {
  return { apiVersion: API_VERSION, kind: KIND, name: mv.metadata?.name ?? '', uid: mv.metadata?.uid ?? '' };
}

async function apply(
  ctx: ReconcileContext, p: Plan, input: WorkloadInput, ports: ReturnType<typeof servicePorts>,
  router: TrafficRouter | undefined, target: RouteTarget,
): Promise<void> {
  const log = ctx.logger.child({ modelVariant: `${input.namespace}/${input.name}` });
  if (p.stable) {
    for (const svc of buildServices({ namespace: input.namespace, name: input.name, owner: input.owner, ports })) {
      const have = ctx.services.get(input.namespace, svc.metadata?.name ?? '');
      if (have?.metadata?.annotations?.[ANNOTATION_APPLIED_HASH] === svc.metadata?.annotations?.[ANNOTATION_APPLIED_HASH]) continue;
      await serverSideApply(ctx.objects, svc);
      log.info({ service: svc.metadata?.name }, have ? 'Updated Service' : 'Created Service');
    }
  }
  const ensure = async (role: Role, intent: WorkloadIntent) => {
    const want = buildDeployment(input, role, intent.activation, intent.replicas);
    const have: V1Deployment | undefined = ctx.deployments.get(input.namespace, childName(input.name, role));
    if (have?.metadata?.annotations?.[ANNOTATION_APPLIED_HASH] === want.metadata?.annotations?.[ANNOTATION_APPLIED_HASH]) return;
    await serverSideApply(ctx.objects, want);
    log.info({ deployment: want.metadata?.name, activation: intent.activation, replicas: intent.replicas }, have ? 'Updated Deployment' : 'Created Deployment');
  };
  if (p.stable) await ensure('stable', p.stable);
  if (p.canary) await ensure('canary', p.canary);
  else if (ctx.deployments.get(input.namespace, childName(input.name, 'canary'))) {
    await deleteIfExists(ctx.objects, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: childName(input.name, 'canary'), namespace: input.namespace } });
    log.info({ deployment: childName(input.name, 'canary') }, 'Deleted canary Deployment');
  }
  if (router) {
    await router.reconcile(target);
    await router.setRoutes(target, p.routeWeight);
  }
}

async function recordStatus(ctx: ReconcileContext, mv: ModelVariant, previous: Status, p: Plan): Promise<void> {
  const namespace = mv.metadata?.namespace ?? '';
  const name = mv.metadata?.name ?? '';
  if (JSON.stringify(previous) !== JSON.stringify(p.status)) {
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
