// The informer's own logic (sync, restart with backoff, resync, handler isolation) driven through a
// scripted Watch and list; test/integration/kube-infra.test.ts runs it against a real API server.
import { describe, expect, it } from '@jest/globals';
import { KubeConfig, Watch, type KubernetesListObject, type V1ConfigMap } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createFakeClock } from './clock.ts';
import type { Indexers } from './cache-index.ts';
import { createInformer, resourcePath, stripManagedFields } from './informer.ts';
import type { RequestGate } from './request-gate.ts';

const logger = pino({ level: 'silent' });

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser({ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: false }, { name: 'u' });
  return kc;
}

const cm = (name: string, rv: string, data: Record<string, string> = {}): V1ConfigMap =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name, resourceVersion: rv }, data });

interface OpenWatch {
  query: Record<string, unknown>;
  send(type: string, obj: V1ConfigMap): void;
  end(err: unknown): void;
}

/** A Watch whose connections the test opens and closes by hand. */
class ScriptedWatch extends Watch {
  opened: OpenWatch[] = [];
  refuse: unknown = undefined;
  override async watch(_path: string, query: Record<string, unknown>, callback: (t: string, o: unknown) => void, done: (e: unknown) => void) {
    if (this.refuse) {
      done(this.refuse);
      return new AbortController();
    }
    this.opened.push({ query, send: (t, o) => callback(t, o), end: done });
    return new AbortController();
  }
  current(): OpenWatch {
    const w = this.opened.at(-1);
    if (!w) throw new Error('no watch open');
    return w;
  }
}

function harness(opts: { resyncMs?: number; listFails?: number; gate?: RequestGate; items?: V1ConfigMap[]; transform?: (o: V1ConfigMap) => V1ConfigMap;
  indexers?: Indexers<V1ConfigMap>; } = {}) {
  const clock = createFakeClock();
  const watch = new ScriptedWatch(kubeConfig());
  let listFails = opts.listFails ?? 0;
  let lists = 0;
  const items = opts.items ?? [cm('a', '10'), cm('b', '11')];
  const list = async (): Promise<KubernetesListObject<V1ConfigMap>> => {
    lists++;
    if (listFails-- > 0) throw new Error('connect ECONNREFUSED');
    return { metadata: { resourceVersion: '12' }, items };
  };
  const informer = createInformer<V1ConfigMap>({
    kc: kubeConfig(), path: resourcePath({ version: 'v1', plural: 'configmaps', namespace: 'ns' }),
    clock, logger, list, watch, watchTimeoutSeconds: 7, resyncMs: opts.resyncMs ?? 0, ...(opts.gate ? { gate: opts.gate } : {}),
    ...(opts.transform ? { transform: opts.transform } : {}),
    ...(opts.indexers ? { indexers: opts.indexers } : {}),
  });
  const seen: string[] = [];
  for (const ev of ['add', 'update', 'delete'] as const) informer.on(ev, (o, how) => seen.push(`${ev}${how?.resync ? ' (resync)' : ''} ${o.metadata?.name}@${o.metadata?.resourceVersion}`));
  return { clock, watch, informer, seen, lists: () => lists };
}

describe('informer', () => {
  it('builds collection paths for core and grouped, namespaced and cluster-wide resources', () => {
    expect(resourcePath({ version: 'v1', plural: 'configmaps', namespace: 'ml' })).toBe('/api/v1/namespaces/ml/configmaps');
    expect(resourcePath({ group: 'apps', version: 'v1', plural: 'deployments' })).toBe('/apis/apps/v1/deployments');
  });

  it('is synced once the first list is cached, and delivers it as adds', async () => {
    const h = harness();
    expect(h.informer.hasSynced()).toBe(false);
    h.informer.start();
    await h.informer.waitForSync();
    expect(h.informer.hasSynced()).toBe(true);
    expect(h.seen).toEqual(['add a@10', 'add b@11']);
    expect(h.informer.get('ns', 'a')?.metadata?.resourceVersion).toBe('10');
    expect(h.informer.list().map((o) => o.metadata?.name)).toEqual(['a', 'b']);
    expect(h.watch.current().query).toMatchObject({ resourceVersion: '12', allowWatchBookmarks: true, timeoutSeconds: 7 });
    await h.informer.stop();
  });

  it('opens each watch through the request gate and reports how it was answered', async () => {
    const gated: string[] = [];
    const gate: RequestGate = {
      begin: async (method, url) => {
        gated.push(`${method} ${url}`);
        return (status) => gated.push(`answered ${status}`);
      },
    };
    const h = harness({ gate });
    h.informer.start();
    await h.informer.waitForSync();
    await h.clock.settle();
    expect(gated).toEqual(['GET https://127.0.0.1:1/api/v1/namespaces/ns/configmaps', 'answered 200']);
    h.watch.refuse = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    h.watch.current().end(new Error('read ECONNRESET'));
    await h.clock.advance(1000);
    expect(gated.slice(2)).toEqual(['GET https://127.0.0.1:1/api/v1/namespaces/ns/configmaps', 'answered 403']);
    await h.informer.stop();
  });

  it('keeps the cache current from watch events', async () => {
    const h = harness();
    h.informer.start();
    await h.informer.waitForSync();
    h.watch.current().send('ADDED', cm('c', '13'));
    h.watch.current().send('MODIFIED', cm('a', '14', { k: 'v' }));
    h.watch.current().send('DELETED', cm('b', '15'));
    expect(h.seen.slice(2)).toEqual(['add c@13', 'update a@14', 'delete b@15']);
    expect(h.informer.get('ns', 'a')?.data).toEqual({ k: 'v' });
    expect(h.informer.get('ns', 'b')).toBeUndefined();
    await h.informer.stop();
  });

  it('keeps its indexes from the list, the watch and a relist, before its handlers run', async () => {
    const labelled = (name: string, rv: string, model: string): V1ConfigMap => ({ ...cm(name, rv), metadata: { ...cm(name, rv).metadata, labels: { model } } });
    const items = [labelled('a', '10', 'm1'), labelled('b', '11', 'm1')];
    const h = harness({ items, indexers: { model: (o) => (o.metadata?.labels?.model ? [o.metadata.labels.model] : []) } });
    const sorted = (model: string) => h.informer.byIndex('model', model).map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`).sort();
    const seenByHandler: string[][] = [];
    h.informer.on('update', () => seenByHandler.push(sorted('m2')));
    h.informer.start();
    await h.informer.waitForSync();
    expect(sorted('m1')).toEqual(['a@10', 'b@11']);
    h.watch.current().send('MODIFIED', labelled('b', '13', 'm2'));
    h.watch.current().send('ADDED', labelled('c', '14', 'm1'));
    h.watch.current().send('DELETED', labelled('a', '15', 'm1'));
    expect(seenByHandler).toEqual([['b@13']]);
    expect(sorted('m1')).toEqual(['c@14']);
    expect(sorted('m2')).toEqual(['b@13']);
    // 410 Gone: the relist drops what the server no longer has and files what it has now.
    items.splice(0, items.length, labelled('c', '20', 'm2'));
    h.watch.current().end(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await h.clock.settle();
    expect(h.lists()).toBe(2);
    expect(sorted('m1')).toEqual([]);
    expect(sorted('m2')).toEqual(['c@20']);
    expect(() => h.informer.byIndex('owner', 'x')).toThrow('no index named "owner"');
    await h.informer.stop();
  });

  it('leaves an object its index function throws on out of the indexes, and keeps caching and delivering', async () => {
    const labelled = (name: string, rv: string, model: string): V1ConfigMap => ({ ...cm(name, rv), metadata: { ...cm(name, rv).metadata, labels: { model } } });
    const h = harness({ items: [labelled('a', '10', 'm1')], indexers: { model: (o) => {
      if (o.metadata?.labels?.model === 'boom') throw new Error('boom');
      return o.metadata?.labels?.model ? [o.metadata.labels.model] : [];
    } } });
    h.informer.start();
    await h.informer.waitForSync();
    h.watch.current().send('MODIFIED', labelled('a', '11', 'boom'));
    h.watch.current().send('ADDED', labelled('b', '12', 'm1'));
    expect(h.informer.byIndex('model', 'm1').map((o) => o.metadata?.name)).toEqual(['b']);
    expect(h.informer.get('ns', 'a')?.metadata?.resourceVersion).toBe('11');
    expect(h.seen).toEqual(['add a@10', 'update a@11', 'add b@12']);
    await h.informer.stop();
  });

  it('applies the transform to every listed and watched object before it is cached and delivered', async () => {
    const managed = (o: V1ConfigMap): V1ConfigMap => ({ ...o, metadata: { ...o.metadata, managedFields: [{ manager: 'kubectl', operation: 'Update' }] } });
    const delivered: V1ConfigMap[] = [];
    const h = harness({ items: [managed(cm('a', '10')), managed(cm('b', '11'))], transform: stripManagedFields });
    for (const ev of ['add', 'update', 'delete'] as const) h.informer.on(ev, (o) => delivered.push(o));
    h.informer.start();
    await h.informer.waitForSync();
    h.watch.current().send('ADDED', managed(cm('c', '13')));
    h.watch.current().send('MODIFIED', managed(cm('a', '14', { k: 'v' })));
    h.watch.current().send('DELETED', managed(cm('b', '15')));
    expect(h.seen).toEqual(['add a@10', 'add b@11', 'add c@13', 'update a@14', 'delete b@15']);
    expect(delivered).toHaveLength(5);
    for (const o of [...delivered, ...h.informer.list()]) expect(o.metadata).not.toHaveProperty('managedFields');
    expect(h.informer.get('ns', 'a')?.data).toEqual({ k: 'v' });
    // A bookmark carries no object to trim; the watch resumes from its resourceVersion as before.
    h.watch.current().send('BOOKMARK', { metadata: { resourceVersion: '20' } } as V1ConfigMap);
    h.watch.current().end(null);
    await h.clock.advance(1000);
    expect(h.watch.current().query.resourceVersion).toBe('20');
    await h.informer.stop();
  });

  it('caches an object as the server sent it when the transform throws, and keeps watching', async () => {
    const h = harness({ transform: (o) => { if (o.metadata?.name === 'b') throw new Error('no'); return { ...o, data: { trimmed: 'yes' } }; } });
    h.informer.start();
    await h.informer.waitForSync();
    h.watch.current().send('ADDED', cm('c', '13'));
    expect(h.seen).toEqual(['add a@10', 'add b@11', 'add c@13']);
    expect(h.informer.list().map((o) => o.data)).toEqual([{ trimmed: 'yes' }, {}, { trimmed: 'yes' }]);
    await h.informer.stop();
  });

  it('strips managedFields by deleting the key, leaving the rest of metadata', () => {
    const o = { metadata: { name: 'a', resourceVersion: '3', labels: { x: 'y' }, managedFields: [{ manager: 'm' }] } };
    expect(stripManagedFields(o)).toEqual({ metadata: { name: 'a', resourceVersion: '3', labels: { x: 'y' } } });
    expect(stripManagedFields({ metadata: { name: 'b' } })).toEqual({ metadata: { name: 'b' } });
    expect(stripManagedFields({})).toEqual({});
  });

  it('restarts a failed watch after a growing backoff, from the last resourceVersion, without relisting', async () => {
    const h = harness();
    h.informer.start();
    await h.informer.waitForSync();
    h.watch.current().send('MODIFIED', cm('a', '20'));
    h.watch.refuse = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    h.watch.current().end(new Error('read ECONNRESET'));
    await h.clock.advance(999);
    expect(h.informer.stats().restarts).toBe(0);
    await h.clock.advance(1);
    expect(h.informer.stats().restarts).toBe(1);
    await h.clock.advance(1999);
    expect(h.informer.stats().restarts).toBe(1);
    h.watch.refuse = undefined;
    await h.clock.advance(1);
    expect(h.informer.stats().restarts).toBe(2);
    expect(h.watch.opened).toHaveLength(2);
    expect(h.watch.current().query.resourceVersion).toBe('20');
    expect(h.lists()).toBe(1);
    h.watch.current().send('ADDED', cm('d', '21'));
    expect(h.informer.get('ns', 'd')).toBeDefined();
    // A connected watch resets the backoff: the next failure waits 1 s again.
    h.watch.current().end(new Error('read ECONNRESET'));
    await h.clock.advance(1000);
    expect(h.informer.stats().restarts).toBe(3);
    await h.informer.stop();
  });

  it('retries a failed first list until it succeeds, and only then is synced', async () => {
    const h = harness({ listFails: 2 });
    h.informer.start();
    await h.clock.advance(0);
    expect(h.informer.hasSynced()).toBe(false);
    await h.clock.advance(1000);
    expect(h.informer.hasSynced()).toBe(false);
    await h.clock.advance(2000);
    expect(h.informer.hasSynced()).toBe(true);
    expect(h.lists()).toBe(3);
    await h.informer.stop();
  });

  it('reconnects a watch the server ended, on its own clock', async () => {
    const h = harness();
    h.informer.start();
    await h.informer.waitForSync();
    h.watch.current().end(null);
    await h.clock.settle();
    expect(h.watch.opened).toHaveLength(2);
    h.watch.current().end(null);
    await h.clock.advance(1000);
    expect(h.watch.opened).toHaveLength(3);
    expect(h.informer.stats()).toEqual({ watchesOpened: 3, restarts: 0 });
    await h.informer.stop();
    expect(h.clock.pendingTimers()).toBe(0);
  });

  it('re-delivers every cached object as an update every resync period', async () => {
    const h = harness({ resyncMs: 60_000 });
    h.informer.start();
    await h.informer.waitForSync();
    await h.clock.advance(59_999);
    expect(h.seen).toEqual(['add a@10', 'add b@11']);
    await h.clock.advance(1);
    expect(h.seen.slice(2)).toEqual(['update (resync) a@10', 'update (resync) b@11']);
    await h.clock.advance(60_000);
    expect(h.seen).toHaveLength(6);
    await h.informer.stop();
  });

  it('keeps delivering to other handlers when one throws', async () => {
    const h = harness();
    h.informer.on('add', () => { throw new Error('boom'); });
    const late: string[] = [];
    const off = h.informer.on('add', (o) => late.push(o.metadata?.name ?? ''));
    h.informer.start();
    await h.informer.waitForSync();
    expect(late).toEqual(['a', 'b']);
    off();
    h.watch.current().send('ADDED', cm('c', '13'));
    expect(late).toEqual(['a', 'b']);
    expect(h.seen).toContain('add c@13');
    await h.informer.stop();
  });

  it('rejects waitForSync when stopped first, and leaves no timers behind', async () => {
    const h = harness({ listFails: 100 });
    h.informer.start();
    const sync = h.informer.waitForSync();
    await h.clock.advance(5000);
    await h.informer.stop();
    await expect(sync).rejects.toThrow(/stopped before it synced/);
    expect(h.clock.pendingTimers()).toBe(0);
  });

  it('aborts a watch that finishes connecting after the informer was stopped', async () => {
    // A watch whose connection completes only when the test says so; it records the controller it returns.
    let connect: () => void = () => {};
    const controllers: AbortController[] = [];
    class SlowWatch extends Watch {
      override async watch() {
        await new Promise<void>((r) => { connect = r; });
        const c = new AbortController();
        controllers.push(c);
        return c;
      }
    }
    const informer = createInformer<V1ConfigMap>({
      kc: kubeConfig(), path: resourcePath({ version: 'v1', plural: 'configmaps', namespace: 'ns' }), clock: createFakeClock(), logger, resyncMs: 0,
      list: async () => ({ metadata: { resourceVersion: '1' }, items: [] }), watch: new SlowWatch(kubeConfig()),
    });
    informer.start();
    await informer.waitForSync();
    await informer.stop();
    connect();
    await new Promise((r) => setImmediate(r));
    expect(controllers).toHaveLength(1);
    expect(controllers[0]!.signal.aborted).toBe(true);
  });
});
