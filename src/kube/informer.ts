/**
 * An informer for one resource (namespaced or cluster-wide, optionally label/field-selected) built on
 * client-node's ListWatch, with what a controller needs and ListWatch lacks: a watch that fails (a
 * reset connection, a 5xx, a refused list) is restarted with backoff and logged instead of leaving a
 * dead cache; every cached object is re-delivered as an update every `resyncMs`; `hasSynced()` and
 * `waitForSync()` say when the first list is in the cache. A watch the API server ends on its own
 * resumes from the last resourceVersion (ListWatch does that), relisting only after 410 Gone. Objects
 * are the server's JSON (timestamps are strings), from the list and the watch alike, after the optional
 * `transform` (client-go's `SetTransform`, e.g. `stripManagedFields`) that trims them before they are
 * cached and delivered.
 */
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from './clock.ts';
import { CacheIndex, type Indexers } from './cache-index.ts';
import { errorMessage, getJson } from './client.ts';
import { OPEN_GATE, type FinishRequest, type RequestGate } from './request-gate.ts';
import { backoffDelay } from './work-queue.ts';

export type InformerEvent = 'add' | 'update' | 'delete';
/** An informer event's handler; `how.resync` marks the periodic re-delivery of a cached object as an update. */
export type ObjectHandler<T> = (obj: T, how?: { resync: boolean }) => void;

export interface InformerOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  /** The collection's URL path, e.g. from `resourcePath`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  clock: Clock;
  logger: Logger;
  /** Re-deliver every cached object as an update this often; 0 turns it off. Default 5 minutes. */
  resyncMs?: number;
  /** Asks the API server to end each watch after this long (it then resumes); default: the server's choice. */
  watchTimeoutSeconds?: number;
  /** Delay before restarting a failed list or watch: doubles from baseMs up to maxMs. Defaults 1 s, 30 s. */
  restartBackoff?: { baseMs?: number; maxMs?: number };
  /** Replaces the list call (default: a raw GET of `path` with the selectors). */
  list?: () => Promise<KubernetesListObject<T>>;
  /** Replaces the Watch (unit tests drive the informer through one). */
  watch?: Watch;
  /** The client-side rate limit and request metrics its lists and watches pass. Default: none. */
  gate?: RequestGate;
  /**
   * Applied to every object from the list and from the watch (added, modified, deleted) before it is
   * cached and delivered, as client-go's `SharedIndexInformer.SetTransform`: a cache that keeps only
   * what its readers need costs less memory. It must keep `metadata.name`, `namespace` and
   * `resourceVersion` (the cache's keys and the watch's resume point), may change the object it is
   * given (a fresh parse of the server's JSON), and should be idempotent. If it throws, the object is
   * cached as the server sent it and the error logged: never dropped.
   */
  transform?: (obj: T) => T;
  /** Secondary indexes kept from the cache's events, read with `byIndex` (cache-index.ts). Default: none. */
  indexers?: Indexers<T>;
}

export interface Informer<T extends KubernetesObject> {
  /** Subscribes to a kind of event; returns the unsubscribe function. */
  on(event: InformerEvent, handler: ObjectHandler<T>): () => void;
  /** Starts listing and watching; returns at once (see waitForSync). */
  start(): void;
  stop(): Promise<void>;
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
  /**
   * The cached objects that the index `index` files under `value` (InformerOptions.indexers).
   * @throws Error if the informer has no index of that name.
   */
  byIndex(index: string, value: string): T[];
  hasSynced(): boolean;
  /** Resolves once the first list is in the cache; rejects if the informer is stopped first. */
  waitForSync(): Promise<void>;
  /** Counters for logs and tests: watch requests opened, and restarts after a failure. */
  stats(): InformerStats;
}

export interface InformerStats {
  /** Watch requests opened, including reconnects after the server ended one. */
  watchesOpened: number;
  /** Restarts of a list or watch that failed. */
  restarts: number;
  lastError?: string;
}

export const DEFAULT_RESYNC_MS = 5 * 60_000;

/**
 * A transform (`InformerOptions.transform`) that drops `metadata.managedFields`, as client-go's
 * `cache.TransformStripManagedFields`: often half of an object's size (measured on the bench's pods,
 * Deployments and ModelVariants), and read by nothing but field-ownership checks. Not for caches whose
 * readers ask who wrote a field (drift of a child's spec, foreign writes of a route's weights). The key
 * is deleted, not emptied: an object written back from such a cache with a PUT keeps its managedFields
 * on the server, which an empty list would reset.
 */
export function stripManagedFields<T extends KubernetesObject>(obj: T): T {
  if (obj.metadata && 'managedFields' in obj.metadata) delete obj.metadata.managedFields;
  return obj;
}

/** The URL path of a collection: core group when `group` is empty, cluster-wide without `namespace`. */
export function resourcePath(r: { group?: string; version: string; plural: string; namespace?: string }): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespace ? `${base}/namespaces/${encodeURIComponent(r.namespace)}/${r.plural}` : `${base}/${r.plural}`;
}

/**
 * Adds the informer's watch parameters, refuses to open a watch once the informer has stopped (and
 * aborts one that finished connecting after the stop), reports
 * a watch that connected, and turns a throw (e.g. credentials that cannot be read) into `done(err)`:
 * ListWatch calls watch() from callbacks nobody awaits, so a throw there would be an unhandled rejection.
 */
class InformerWatch extends Watch {
  readonly inner: Watch | undefined;
  readonly extraQuery: Record<string, string | number | boolean>;
  readonly hooks: { beforeWatch(): boolean; connected(): void; running(): boolean };
  readonly gate: RequestGate;
  readonly server: string;
  /** Applied to the objects of ADDED, MODIFIED and DELETED events (not to a BOOKMARK's or an ERROR's Status). */
  readonly transform: ((obj: unknown) => unknown) | undefined;
  constructor(kc: KubeConfig, inner: Watch | undefined, extraQuery: Record<string, string | number | boolean>, hooks: InformerWatch['hooks'], gate: RequestGate,
    transform?: (obj: unknown) => unknown) {
    super(kc);
    this.inner = inner;
    this.extraQuery = extraQuery;
    this.hooks = hooks;
    this.gate = gate;
    this.server = kc.getCurrentCluster()?.server ?? '';
    this.transform = transform;
  }

  override async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    // The token first: beforeWatch marks the first list synced, and its waiters expect the watch open.
    const finished: FinishRequest = await this.gate.begin('GET', `${this.server}${path}`);
    let answered = false;
    const finish: FinishRequest = (status) => {
      if (!answered) finished(status);
      answered = true;
    };
    if (!this.hooks.beforeWatch()) {
      const stopped = new AbortController();
      stopped.abort();
      return stopped;
    }
    const params = { ...query, ...this.extraQuery };
    const transform = this.transform;
    const deliver = transform
      ? (phase: string, apiObj: unknown, watchObj?: unknown) =>
        callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? transform(apiObj) : apiObj, watchObj)
      : callback;
    let failed = false;
    const onDone = (err: unknown) => {
      if (err) {
        failed = true;
        const status = (err as { statusCode?: unknown }).statusCode;
        finish(typeof status === 'number' ? status : undefined);
      }
      done(err);
    };
    try {
      const controller = await (this.inner ? this.inner.watch(path, params, deliver, onDone) : super.watch(path, params, deliver, onDone));
      // Stopped while the watch was connecting: ListWatch's stop() had no request to abort yet.
      if (!this.hooks.running()) {
        controller.abort();
        return controller;
      }
      if (!failed) {
        finish(200);
        this.hooks.connected();
      }
      return controller;
    } catch (err) {
      onDone(err);
      const aborted = new AbortController();
      aborted.abort();
      return aborted;
    }
  }
}

export function createInformer<T extends KubernetesObject>(opts: InformerOptions<T>): Informer<T> {
  const { clock, logger, path } = opts;
  const log = logger.child({ resource: path, ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}) });
  const resyncMs = opts.resyncMs ?? DEFAULT_RESYNC_MS;
  const handlers: Record<InformerEvent, Set<ObjectHandler<T>>> = { add: new Set(), update: new Set(), delete: new Set() };
  const timers = new Set<TimerHandle>();
  const delayed = new Set<() => void>();
  let running = false;
  let synced = false;
  let failures = 0;
  const stats: InformerStats = { watchesOpened: 0, restarts: 0 };
  let syncWaiters: { resolve(): void; reject(e: Error): void }[] = [];

  const gate = opts.gate ?? OPEN_GATE;
  const transform = opts.transform;
  const trimmed = transform
    ? (obj: T): T => {
      try {
        return transform(obj);
      } catch (err) {
        log.error({ object: `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`, err: errorMessage(err) }, 'Informer transform threw; caching the object as the server sent it');
        return obj;
      }
    }
    : undefined;
  // The default list trims each page as it arrives, so a large first list never holds every object whole.
  const keep = (items: T[] | undefined): T[] => (trimmed ? (items ?? []).map(trimmed) : items ?? []);
  const customList = opts.list;
  const list = customList ? async () => {
    const all = await customList();
    return { ...all, items: keep(all.items) };
  } : (async () => {
    const items: T[] = [];
    let first: KubernetesListObject<T> | undefined;
    let continueToken: string | undefined;
    do {
      const page = await getJson<KubernetesListObject<T>>(opts.kc, path, {
        labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: 500, continue: continueToken,
      }, { gate });
      first ??= { ...page, items: [] };
      items.push(...keep(page.items));
      continueToken = (page.metadata as { continue?: string } | undefined)?.continue; // raw JSON, not client-node's `_continue`
    } while (continueToken);
    return { ...first, metadata: { resourceVersion: first?.metadata?.resourceVersion }, items };
  });

  const extraQuery: Record<string, string | number | boolean> = { allowWatchBookmarks: true };
  if (opts.watchTimeoutSeconds) extraQuery.timeoutSeconds = opts.watchTimeoutSeconds;
  const watch = new InformerWatch(opts.kc, opts.watch, extraQuery, {
    beforeWatch() {
      if (!running) return false;
      // ListWatch opens its first watch only once the first list is in the cache.
      if (!synced) {
        synced = true;
        log.debug({ objects: lw.list().length }, 'Informer synced');
        for (const w of syncWaiters) w.resolve();
        syncWaiters = [];
        scheduleResync();
      }
      stats.watchesOpened++;
      return true;
    },
    connected() {
      if (failures > 0) log.info({ afterFailures: failures }, 'Watch reconnected');
      failures = 0;
    },
    running: () => running,
  }, gate, trimmed as ((obj: unknown) => unknown) | undefined);

  const after = (ms: number, fn: () => void) => {
    const t = clock.setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  // ListWatch waits between reconnects of watches the server closed; on our clock, cut short by stop().
  const delayFn = (ms: number) => new Promise<void>((resolve) => {
    const release = () => { delayed.delete(release); resolve(); };
    delayed.add(release);
    after(ms, release);
  });

  const lw = new ListWatch<T>(path, watch, list, false, opts.labelSelector, opts.fieldSelector, { delayFn });

  // The indexes first: a handler that reads them sees the cache as it is after the event.
  // An index function that throws must not escape into ListWatch, which would stop a relist part-way.
  const index = new CacheIndex<T>(opts.indexers ?? {});
  const file = (obj: T) => {
    try {
      index.set(obj);
    } catch (err) {
      log.error({ object: `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`, err: errorMessage(err) }, 'Informer index function threw; the object is left out of the indexes');
      index.delete(obj);
    }
  };
  if (opts.indexers) {
    lw.on('add', file);
    lw.on('update', file);
    lw.on('delete', (obj) => index.delete(obj));
  }
  const dispatch = (event: InformerEvent, how?: { resync: boolean }) => (obj: T) => {
    for (const h of [...handlers[event]]) {
      try {
        h(obj, how);
      } catch (err) {
        log.error({ event, object: `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`, err: errorMessage(err) }, 'Informer handler threw');
      }
    }
  };
  lw.on('add', dispatch('add'));
  lw.on('update', dispatch('update'));
  lw.on('delete', dispatch('delete'));
  const onError = (err: unknown) => {
    if (!running) return;
    failures++;
    stats.lastError = errorMessage(err);
    const delayMs = backoffDelay(failures, opts.restartBackoff?.baseMs ?? 1000, opts.restartBackoff?.maxMs ?? 30_000);
    log.warn({ err: stats.lastError, failures, retryInMs: delayMs }, 'Watch failed; restarting it');
    after(delayMs, () => {
      if (!running) return;
      stats.restarts++;
      log.info({ restarts: stats.restarts }, 'Restarting watch');
      lw.start().catch(onError);
    });
  };
  lw.on('error', onError);

  function scheduleResync(): void {
    if (!(resyncMs > 0)) return;
    after(resyncMs, () => {
      if (!running) return;
      const all = lw.list();
      log.debug({ objects: all.length }, 'Resyncing');
      const resync = dispatch('update', { resync: true });
      for (const obj of all) resync(obj);
      scheduleResync();
    });
  }

  return {
    on(event, handler) {
      handlers[event].add(handler);
      return () => void handlers[event].delete(handler);
    },
    start() {
      if (running) return;
      running = true;
      lw.start().catch(onError);
    },
    async stop() {
      running = false;
      for (const t of timers) clock.clearTimeout(t);
      timers.clear();
      for (const release of [...delayed]) release();
      await lw.stop();
      for (const w of syncWaiters) w.reject(new Error(`informer for ${path} stopped before it synced`));
      syncWaiters = [];
    },
    get: (namespace, name) => lw.get(name, namespace || undefined),
    list: (namespace) => [...lw.list(namespace)],
    byIndex: (name, value) => index.byIndex(name, value),
    hasSynced: () => synced,
    waitForSync() {
      if (synced) return Promise.resolve();
      return new Promise<void>((resolve, reject) => syncWaiters.push({ resolve, reject }));
    },
    stats: () => ({ ...stats }),
  };
}
