/**
 * One controller for ModelVariants, wired like controller-runtime's: informers for ModelVariants, for
 * the Deployments, Services and ControllerRevisions the operator owns (a change to one queues its
 * ModelVariant, so an edited or deleted child is repaired), and for what capacity depends on (pods,
 * nodes, ResourceQuotas: a node that becomes Ready or a pod that frees GPUs wakes a rollout that holds),
 * and for the route objects of weighted routers (HTTPRoutes, VirtualServices) when their API is served;
 * one keyed work queue, and `reconcile` as its handler. `start()` waits for the caches before the first
 * reconcile (and rejects when `stop()` comes first); `stop()` drains in-flight work. Reconciles read these caches only: nothing is listed per pass,
 * and free capacity comes from a ledger the pod and node events keep (capacity-ledger.ts), not a pod walk.
 */
import type { KubeConfig, KubernetesObject, V1ControllerRevision, V1Deployment, V1Node, V1ResourceQuota, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CONDITION_TYPE, GROUP, PLURAL, VERSION, type ModelVariant } from '../api/types.ts';
import type { Clock } from '../kube/clock.ts';
import { getJson } from '../kube/client.ts';
import { createInformer, resourcePath, stripManagedFields, type Informer, type InformerOptions } from '../kube/informer.ts';
import type { RequestGate } from '../kube/request-gate.ts';
import { createWorkQueue, keyOf, type WorkQueue, type WorkQueueMetrics, type WorkQueueOptions } from '../kube/work-queue.ts';
import { LABEL_MANAGED_BY, LABEL_MODEL, MANAGER } from '../workload/names.ts';
import { CapacityLedger } from './capacity-ledger.ts';
import { CHILD_REASON, keepSpecOwnership } from './children.ts';
import type { Caches, ReconcileContext } from './context.ts';
import { extendedResource, isExtendedResource } from './desired.ts';
import { isOwnStatusWriteEcho, type ExpectedEchoes } from './own-write-echo.ts';
import { MODEL_INDEXERS } from './model-index.ts';
import { modelVariantEventPriority } from './queue-priority.ts';
import { reconcile } from './reconcile.ts';
import { cachedRouteReads, type RouteCaches } from './route-io.ts';
import { projectPod, type CachedPod } from './pod-projection.ts';

export interface ControllerOptions {
  kc: KubeConfig;
  clock: Clock;
  logger: Logger;
  /** Watch one namespace; all when undefined. */
  namespace?: string;
  workers: number;
  resyncMs: number;
  /** The reconcile context minus the caches, which the controller provides. */
  context: Omit<ReconcileContext, keyof Caches | 'written' | 'echoes'>;
  /** Told after every reconcile (the work queue's hook). */
  onRun?: WorkQueueOptions['onRun'];
  /** Hooks for client-go's workqueue metrics. */
  queueMetrics?: WorkQueueMetrics;
  /** The client-side rate limit the informers' lists and watches pass (the API clients in `context` have theirs). */
  gate?: RequestGate;
}

export interface Controller {
  start(): Promise<void>;
  stop(): Promise<void>;
  queue: WorkQueue;
  synced(): boolean;
}

/** What about a node matters for capacity: readiness, cordon, taints, allocatable, labels. Heartbeats change none of it. */
function nodeSignature(n: V1Node): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '';
  return `${ready}|${n.spec?.unschedulable ?? false}|${JSON.stringify(n.spec?.taints ?? [])}|${JSON.stringify(n.status?.allocatable ?? {})}|${JSON.stringify(n.metadata?.labels ?? {})}`;
}

/** What the planner reads of a pod: phase, node, readiness, scheduling, container waits, deletion. */
export function podSignature(p: CachedPod): string {
  const cond = (type: string) => p.status?.conditions?.find((c) => c.type === type)?.status ?? '';
  const waiting = (p.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason ?? '').join(',');
  return `${p.status?.phase}|${p.spec?.nodeName ?? ''}|${cond('Ready')}|${cond('PodScheduled')}|${waiting}|${p.metadata?.deletionTimestamp ?? ''}`;
}

/**
 * The work queue lets sockets and timers run at least this often (ms) while reconciles that need no I/O
 * follow one another (a resync): see WorkQueueOptions.yieldEveryMs.
 */
const YIELD_EVERY_MS = 10;

/** The route APIs the weighted routers act on, and the route each ModelVariant routes through (managed: `<name>`). */
const ROUTE_APIS = [
  { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute',
    routes: (mv: ModelVariant) => (mv.spec.traffic?.provider === 'gatewayAPI' ? mv.spec.traffic.gatewayAPI?.httpRoute ?? mv.metadata?.name : undefined) },
  { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices', kind: 'VirtualService',
    routes: (mv: ModelVariant) => (mv.spec.traffic?.provider === 'istio' ? mv.spec.traffic.istio?.virtualService ?? mv.metadata?.name : undefined) },
];

/** True when the apiserver serves `plural` in group/version (its CRD is installed). */
async function apiServed(kc: KubeConfig, api: { group: string; version: string; plural: string }, gate?: RequestGate): Promise<boolean> {
  try {
    const list = await getJson<{ resources?: { name: string }[] }>(kc, `/apis/${api.group}/${api.version}`, {}, { timeoutMs: 10_000, ...(gate ? { gate } : {}) });
    return (list.resources ?? []).some((r) => r.name === api.plural);
  } catch {
    return false;
  }
}

export function createController(opts: ControllerOptions): Controller {
  const { kc, clock, logger, namespace } = opts;
  const ns = namespace ? { namespace } : {};
  const informer = <T extends KubernetesObject>(name: string, path: string, extra: Pick<InformerOptions<T>, 'labelSelector' | 'fieldSelector' | 'resyncMs' | 'transform' | 'indexers'> = {}): Informer<T> =>
    createInformer<T>({ kc, clock, logger: logger.child({ informer: name }), resyncMs: 0, path, ...(opts.gate ? { gate: opts.gate } : {}), ...extra });
  const owned = { labelSelector: `${LABEL_MANAGED_BY}=${MANAGER}` };
  // managedFields (about half of each object) are cached only where they are read: of Deployments and
  // Services, the foreign spec ownership the drift check reads (children.ts keepSpecOwnership); of routes,
  // all (the routers report who else wrote the weights, route-objects.ts lastForeignWriter). No other reads them.
  const lean = { transform: stripManagedFields };
  const ownedChildren = { ...owned, transform: keepSpecOwnership, indexers: MODEL_INDEXERS };
  const modelVariants = informer<ModelVariant>('modelvariants', resourcePath({ group: GROUP, version: VERSION, plural: PLURAL, ...ns }), { resyncMs: opts.resyncMs, ...lean });
  const deployments = informer<V1Deployment>('deployments', resourcePath({ group: 'apps', version: 'v1', plural: 'deployments', ...ns }), ownedChildren);
  const services = informer<V1Service>('services', resourcePath({ version: 'v1', plural: 'services', ...ns }), ownedChildren);
  const revisions = informer<V1ControllerRevision>('controllerrevisions', resourcePath({ group: 'apps', version: 'v1', plural: 'controllerrevisions', ...ns }), { ...owned, ...lean, indexers: MODEL_INDEXERS });
  // Capacity counts every pod on a node, not only ours: cluster-wide, finished pods left out, each
  // projected to the fields the controller reads (pod-projection.ts).
  const pods = informer<CachedPod>('pods', resourcePath({ version: 'v1', plural: 'pods' }), { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed', transform: projectPod, indexers: MODEL_INDEXERS });
  const nodes = informer<V1Node>('nodes', resourcePath({ version: 'v1', plural: 'nodes' }), lean);
  const quotas = informer<V1ResourceQuota>('resourcequotas', resourcePath({ version: 'v1', plural: 'resourcequotas', ...ns }), lean);
  const all = [modelVariants, deployments, services, revisions, pods, nodes, quotas];

  // Free extended resources per node, kept from the pod and node events (registered first, so the
  // ledger has an event before any handler below queues a reconcile for it).
  const ledger = new CapacityLedger();
  pods.on('add', (p) => ledger.setPod(p));
  pods.on('update', (p) => ledger.setPod(p));
  pods.on('delete', (p) => ledger.deletePod(p));
  nodes.on('add', (n) => ledger.setNode(n));
  nodes.on('update', (n) => ledger.setNode(n));
  nodes.on('delete', (n) => ledger.deleteNode(n));

  // The routers read route objects from the route informers below, once synced (route-io.ts).
  const routeCaches: RouteCaches = new Map();
  const echoes: ExpectedEchoes = new Map();
  const ctx: ReconcileContext = { ...opts.context, objects: cachedRouteReads(opts.context.objects, routeCaches), modelVariants, deployments, services, revisions, pods, quotas, capacity: ledger, written: new Map(), echoes, deleted: new Map() };
  const queue = createWorkQueue({
    clock, logger: logger.child({ component: 'queue' }), concurrency: opts.workers, yieldEveryMs: YIELD_EVERY_MS,
    handler: (key) => reconcile(ctx, key),
    ...(opts.onRun ? { onRun: opts.onRun } : {}),
    ...(opts.queueMetrics ? { metrics: opts.queueMetrics } : {}),
  });

  const enqueue = (mv: ModelVariant) => queue.add(keyOf(mv), modelVariantEventPriority(mv));
  // A verdict that lands wakes its ModelVariant ahead of watch events: reconcile never waits for
  // Prometheus, and a rollback never waits behind a wave.
  ctx.analysis.onVerdict((key) => queue.add(key, 'high'));
  modelVariants.on('add', enqueue);
  // The watch bringing back this operator's own status write is not queued (own-write-echo.ts).
  modelVariants.on('update', (mv, how) => {
    if (how?.resync || !isOwnStatusWriteEcho(echoes, mv)) enqueue(mv);
  });
  modelVariants.on('delete', (mv) => {
    // Kept for the reconcile that finalizes its route (the cache no longer has it).
    if (mv.spec?.traffic?.provider && mv.spec.traffic.provider !== 'replicas') ctx.deleted?.set(keyOf(mv), mv);
    enqueue(mv);
  });
  const enqueueOwner = (obj: KubernetesObject) => {
    const model = obj.metadata?.labels?.[LABEL_MODEL];
    if (model && obj.metadata?.namespace && (!namespace || obj.metadata.namespace === namespace)) queue.add(`${obj.metadata.namespace}/${model}`);
  };
  for (const ev of ['add', 'update', 'delete'] as const) {
    deployments.on(ev, enqueueOwner);
    services.on(ev, enqueueOwner);
  }
  revisions.on('delete', enqueueOwner);
  // Capacity can free up: wake the ModelVariants that hold for it (everything else waits on its own
  // Deployments and pods), and only for the resource each asks for: a pod that held it leaving a node,
  // a change of readiness, cordon, taints, allocatable or labels of a node that offers it, a quota.
  const enqueueHolding = (resources?: string[]) => {
    for (const mv of modelVariants.list()) {
      if (!mv.status?.capacityHoldSince) continue;
      const asks = extendedResource(mv)?.resource;
      if (!resources || (asks && resources.includes(asks))) enqueue(mv);
    }
  };
  const managed = (p: CachedPod) => p.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGER;
  // The extended resources a pod bound to a node held (nvidia.com/gpu, …): what its leaving frees.
  const heldResources = (p: CachedPod) => (p.spec?.nodeName ? (p.spec.containers ?? []).flatMap((c) =>
    Object.keys({ ...c.resources?.requests, ...c.resources?.limits }).filter(isExtendedResource)) : []);
  // Our pods wake their ModelVariant when what the planner reads of them changes (not on every
  // rewording of the scheduler's message, which a busy cluster rewrites on each node change).
  const podSeen = new Map<string, string>();
  const onPod = (p: CachedPod) => {
    if (!managed(p)) return;
    const key = `${p.metadata?.namespace}/${p.metadata?.name}`;
    const signature = podSignature(p);
    if (podSeen.get(key) === signature) return;
    podSeen.set(key, signature);
    enqueueOwner(p);
  };
  pods.on('add', onPod);
  pods.on('update', onPod);
  pods.on('delete', (p) => {
    podSeen.delete(`${p.metadata?.namespace}/${p.metadata?.name}`);
    if (managed(p)) enqueueOwner(p);
    const freed = heldResources(p);
    if (freed.length > 0) enqueueHolding(freed);
  });
  const offered = (n: V1Node) => Object.keys(n.status?.allocatable ?? {}).filter(isExtendedResource);
  const seen = new Map<string, string>();
  const onNode = (n: V1Node) => {
    const name = n.metadata?.name ?? '';
    const signature = nodeSignature(n);
    if (seen.get(name) === signature) return;
    seen.set(name, signature);
    if (nodes.hasSynced()) enqueueHolding(offered(n));
  };
  nodes.on('add', onNode);
  nodes.on('update', onNode);
  nodes.on('delete', (n) => {
    seen.delete(n.metadata?.name ?? '');
    enqueueHolding(offered(n));
  });
  // A quota change can also admit a child the apiserver refused (ChildrenReconciled=False, ChildRejected):
  // wake the ModelVariants of its namespace that report one.
  const enqueueRefused = (namespace?: string) => {
    for (const mv of modelVariants.list(namespace)) {
      const children = mv.status?.conditions?.find((c) => c.type === CONDITION_TYPE.ChildrenReconciled);
      if (children?.status === 'False' && children.reason === CHILD_REASON.Rejected) enqueue(mv);
    }
  };
  for (const ev of ['add', 'update', 'delete'] as const) {
    quotas.on(ev, (q) => {
      if (!quotas.hasSynced()) return;
      enqueueHolding();
      enqueueRefused(q.metadata?.namespace);
    });
  }

  // Route objects (HTTPRoute, VirtualService): a change of their spec (a weight edited by hand, a route
  // created or deleted) wakes the ModelVariants that route through them, managed or existing, and the
  // routers read them from these caches. Watched only when their API is served when the operator
  // starts; without it a ModelVariant that asks for the provider says so in TrafficRouted.
  const routeInformers: Informer<KubernetesObject>[] = [];
  const routeSeen = new Map<string, number | undefined>();
  for (const api of ROUTE_APIS) {
    const routes = informer<KubernetesObject>(api.plural, resourcePath({ group: api.group, version: api.version, plural: api.plural, ...ns }));
    const onRoute = (r: KubernetesObject) => {
      const key = `${api.plural}/${r.metadata?.namespace}/${r.metadata?.name}`;
      if (routeSeen.get(key) === r.metadata?.generation) return;
      routeSeen.set(key, r.metadata?.generation);
      for (const mv of modelVariants.list(r.metadata?.namespace)) if (api.routes(mv) === r.metadata?.name) enqueue(mv);
    };
    routes.on('add', onRoute);
    routes.on('update', onRoute);
    routes.on('delete', (r) => {
      routeSeen.delete(`${api.plural}/${r.metadata?.namespace}/${r.metadata?.name}`);
      onRoute({ ...r, metadata: { ...r.metadata, generation: -1 } });
    });
    routeInformers.push(routes);
    routeCaches.set(`${api.group}/${api.version} ${api.kind}`, routes);
  }

  let stopped = false;
  return {
    queue,
    synced: () => all.every((i) => i.hasSynced()),
    async start() {
      for (const i of all) if (i !== modelVariants) i.start();
      modelVariants.start();
      for (const [i, api] of ROUTE_APIS.entries()) {
        const served = await apiServed(kc, api, opts.gate);
        // A stop() while the discovery call was out has stopped every informer: starting one now would leave its watch running.
        if (stopped) throw new Error('the controller was stopped while it started');
        if (served) (routeInformers[i] as Informer<KubernetesObject>).start();
        else logger.info({ api: `${api.plural}.${api.group}/${api.version}` }, 'Route API not served: not watching it (ModelVariants that need it report TrafficRouted=False)');
      }
      await Promise.all(all.map((i) => i.waitForSync()));
      logger.info({ modelVariants: modelVariants.list().length, namespace: namespace ?? '(all)' }, 'Caches synced; starting workers');
      queue.start();
    },
    async stop() {
      stopped = true;
      ctx.analysis.stop();
      await queue.shutdown();
      await Promise.all([...all, ...routeInformers].map((i) => i.stop()));
    },
  };
}
