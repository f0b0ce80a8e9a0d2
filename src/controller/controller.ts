/**
 * One controller for ModelVariants, wired like controller-runtime's: informers for ModelVariants and
 * for the Deployments and Services the operator owns (a change to one queues its ModelVariant), one
 * keyed work queue, and `reconcile` as its handler. `start()` waits for the caches before the first
 * reconcile; `stop()` drains in-flight work.
 */
import type { KubeConfig, V1Deployment, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, PLURAL, VERSION, type ModelVariant } from '../api/types.ts';
import type { Clock } from '../kube/clock.ts';
import { createInformer, resourcePath, type Informer } from '../kube/informer.ts';
import { createWorkQueue, keyOf, type RunOutcome, type WorkQueue } from '../kube/work-queue.ts';
import { LABEL_MANAGED_BY, LABEL_MODEL, MANAGER } from '../workload/names.ts';
import type { ReconcileContext } from './context.ts';
import { reconcile } from './reconcile.ts';

export interface ControllerOptions {
  kc: KubeConfig;
  clock: Clock;
  logger: Logger;
  /** Watch one namespace; all when undefined. */
  namespace?: string;
  workers: number;
  resyncMs: number;
  /** The reconcile context minus the caches, which the controller provides. */
  context: Omit<ReconcileContext, 'modelVariants' | 'deployments' | 'services' | 'written'>;
  onRun?(key: string, outcome: RunOutcome, durationMs: number, error?: unknown): void;
}

export interface Controller {
  start(): Promise<void>;
  stop(): Promise<void>;
  queue: WorkQueue;
  synced(): boolean;
}

export function createController(opts: ControllerOptions): Controller {
  const { kc, clock, logger, namespace } = opts;
  const modelVariants: Informer<ModelVariant> = createInformer<ModelVariant>({
    kc, clock, logger: logger.child({ informer: 'modelvariants' }), resyncMs: opts.resyncMs,
    path: resourcePath({ group: GROUP, version: VERSION, plural: PLURAL, ...(namespace ? { namespace } : {}) }),
  });
  const deployments: Informer<V1Deployment> = createInformer<V1Deployment>({
    kc, clock, logger: logger.child({ informer: 'deployments' }), resyncMs: 0,
    path: resourcePath({ group: 'apps', version: 'v1', plural: 'deployments', ...(namespace ? { namespace } : {}) }),
    labelSelector: `${LABEL_MANAGED_BY}=${MANAGER}`,
  });
  const services: Informer<V1Service> = createInformer<V1Service>({
    kc, clock, logger: logger.child({ informer: 'services' }), resyncMs: 0,
    path: resourcePath({ version: 'v1', plural: 'services', ...(namespace ? { namespace } : {}) }),
    labelSelector: `${LABEL_MANAGED_BY}=${MANAGER}`,
  });
  const ctx: ReconcileContext = { ...opts.context, modelVariants, deployments, services, written: new Map() };
  const queue = createWorkQueue({
    clock, logger: logger.child({ component: 'queue' }), concurrency: opts.workers,
    handler: (key) => reconcile(ctx, key),
    ...(opts.onRun ? { onRun: opts.onRun } : {}),
  });

  const enqueue = (mv: ModelVariant) => queue.add(keyOf(mv));
  for (const ev of ['add', 'update', 'delete'] as const) modelVariants.on(ev, enqueue);
  const enqueueOwner = (d: V1Deployment | V1Service) => {
    const model = d.metadata?.labels?.[LABEL_MODEL];
    if (model && d.metadata?.namespace) queue.add(`${d.metadata.namespace}/${model}`);
  };
  for (const ev of ['add', 'update', 'delete'] as const) deployments.on(ev, enqueueOwner);
  services.on('delete', enqueueOwner);

  return {
    queue,
    synced: () => modelVariants.hasSynced() && deployments.hasSynced() && services.hasSynced(),
    async start() {
      deployments.start();
      services.start();
      modelVariants.start();
      await Promise.all([deployments.waitForSync(), services.waitForSync(), modelVariants.waitForSync()]);
      logger.info({ modelVariants: modelVariants.list().length, namespace: namespace ?? '(all)' }, 'Caches synced; starting workers');
      queue.start();
    },
    async stop() {
      await queue.shutdown();
      await Promise.all([modelVariants.stop(), deployments.stop(), services.stop()]);
    },
  };
}
