/**
 * The controller's infrastructure against the real kube-apiserver of the test harness: the informer
 * sees ConfigMaps come, change and go; it keeps delivering when the apiserver ends its watches (short
 * timeoutSeconds) and when its connection is cut and comes back (a TCP proxy in this file that can
 * refuse or black-hole connections, a real network failure rather than a fake server); two leader
 * electors on one Lease never lead at once (sampled every 20 ms), a dead leader is replaced within
 * the lease duration, a partitioned one steps down before anyone takes over, and a release hands over
 * at once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, connect, type Server, type Socket } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { systemClock } from '../../src/kube/clock.ts';
import { createInformer, resourcePath, type Informer } from '../../src/kube/informer.ts';
import { createLeaderElector, type LeaderElector, type StopReason } from '../../src/kube/leader-election.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const clock = systemClock();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let namespace: string;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  kc = kubeConfig();
  core = kc.makeApiClient(k8s.CoreV1Api);
  namespace = await createTestNamespace('kube-infra');
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  if (namespace) await deleteTestNamespace(namespace);
});

/** A TCP proxy to the apiserver that can forward, refuse (reset) or black-hole (accept, never answer). */
async function startProxy(target: URL): Promise<{ kc: k8s.KubeConfig; mode(m: 'forward' | 'refuse' | 'blackhole'): void; close(): Promise<void> }> {
  let mode: 'forward' | 'refuse' | 'blackhole' = 'forward';
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (mode === 'refuse') return client.destroy();
    if (mode === 'blackhole') return;
    const upstream = connect(Number(target.port), target.hostname);
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const proxied = new k8s.KubeConfig();
  const cluster = kc.getCurrentCluster() as k8s.Cluster;
  proxied.loadFromOptions({
    clusters: [{ ...cluster, server: `https://127.0.0.1:${port}` }], users: kc.getUsers(), contexts: kc.getContexts(), currentContext: kc.getCurrentContext(),
  });
  const dropAll = () => { for (const s of sockets) s.destroy(); };
  return {
    kc: proxied,
    mode(m) {
      mode = m;
      if (m !== 'forward') dropAll();
    },
    close: () => new Promise<void>((resolve) => { dropAll(); server.close(() => resolve()); }),
  };
}

const label = { 'kube-infra-test': 'yes' };
const configMap = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = label): k8s.V1ConfigMap =>
  ({ metadata: { name, namespace, labels }, data });

/** An informer on the test namespace's labelled ConfigMaps that records every event it delivers. */
function configMapInformer(opts: { kc?: k8s.KubeConfig; watchTimeoutSeconds?: number } = {}) {
  const informer = createInformer<k8s.V1ConfigMap>({
    kc: opts.kc ?? kc, path: resourcePath({ version: 'v1', plural: 'configmaps', namespace }), labelSelector: 'kube-infra-test=yes',
    clock, logger, restartBackoff: { baseMs: 200, maxMs: 1000 },
    ...(opts.watchTimeoutSeconds ? { watchTimeoutSeconds: opts.watchTimeoutSeconds } : {}),
  });
  const events: string[] = [];
  for (const ev of ['add', 'update', 'delete'] as const) informer.on(ev, (o) => events.push(`${ev} ${o.metadata?.name} ${JSON.stringify(o.data ?? {})}`));
  cleanups.push(() => informer.stop());
  const saw = (what: string) => eventually(`the informer to deliver "${what}" (delivered: ${events.join('; ')})`, async () => (events.includes(what) ? true : undefined), 30_000, 50);
  return { informer, events, saw };
}

describe('informer against the real apiserver', () => {
  it('lists what exists, then sees creates, updates and deletes; ignores objects outside its selector', async () => {
    await core.createNamespacedConfigMap({ namespace, body: configMap('pre', { v: '0' }) });
    const { informer, events, saw } = configMapInformer();
    informer.start();
    await informer.waitForSync();
    expect(informer.hasSynced()).toBe(true);
    expect(events).toEqual(['add pre {"v":"0"}']);
    await core.createNamespacedConfigMap({ namespace, body: configMap('other', {}, { unrelated: 'x' }) });
    await core.createNamespacedConfigMap({ namespace, body: configMap('new', { v: '1' }) });
    await saw('add new {"v":"1"}');
    await core.replaceNamespacedConfigMap({ namespace, name: 'new', body: configMap('new', { v: '2' }) });
    await saw('update new {"v":"2"}');
    expect(informer.get(namespace, 'new')?.data).toEqual({ v: '2' });
    await core.deleteNamespacedConfigMap({ namespace, name: 'pre' });
    await saw('delete pre {"v":"0"}');
    expect(informer.get(namespace, 'pre')).toBeUndefined();
    expect(informer.list(namespace).map((o) => o.metadata?.name)).toEqual(['new']);
    expect(events.some((e) => e.includes('other'))).toBe(false);
    expect(informer.stats().restarts).toBe(0);
  });

  it('keeps delivering across watches the apiserver ends (timeoutSeconds=1), resuming without a gap', async () => {
    const { informer, saw } = configMapInformer({ watchTimeoutSeconds: 1 });
    informer.start();
    await informer.waitForSync();
    for (let i = 0; i < 6; i++) {
      await core.createNamespacedConfigMap({ namespace, body: configMap(`tick-${i}`, { i: String(i) }) });
      await sleep(700);
    }
    for (let i = 0; i < 6; i++) await saw(`add tick-${i} {"i":"${i}"}`);
    await core.deleteNamespacedConfigMap({ namespace, name: 'tick-0' });
    await saw('delete tick-0 {"i":"0"}');
    expect(informer.stats().watchesOpened).toBeGreaterThanOrEqual(3);
    expect(informer.stats().restarts).toBe(0);
  });

  it('restarts its watch after the connection to the apiserver is cut, and catches up on what it missed', async () => {
    const proxy = await startProxy(new URL((kc.getCurrentCluster() as k8s.Cluster).server));
    cleanups.push(() => proxy.close());
    const { informer, saw } = configMapInformer({ kc: proxy.kc });
    informer.start();
    await informer.waitForSync();
    await core.createNamespacedConfigMap({ namespace, body: configMap('cut-before', { v: 'a' }) });
    await saw('add cut-before {"v":"a"}');

    proxy.mode('refuse');
    await eventually('the informer to notice the cut', async () => (informer.stats().lastError ? true : undefined), 30_000, 50);
    await core.createNamespacedConfigMap({ namespace, body: configMap('cut-during', { v: 'b' }) });
    await core.deleteNamespacedConfigMap({ namespace, name: 'cut-before' });
    await sleep(1500);
    expect(informer.get(namespace, 'cut-during')).toBeUndefined();

    proxy.mode('forward');
    await saw('add cut-during {"v":"b"}');
    await saw('delete cut-before {"v":"a"}');
    await core.createNamespacedConfigMap({ namespace, body: configMap('cut-after', { v: 'c' }) });
    await saw('add cut-after {"v":"c"}');
    expect(informer.stats().restarts).toBeGreaterThanOrEqual(1);
  });

  it('informs on a cluster-scoped resource too', async () => {
    const informer: Informer<k8s.V1Namespace> = createInformer({
      kc, path: resourcePath({ version: 'v1', plural: 'namespaces' }), labelSelector: 'activationcanary.io/test=true', clock, logger,
    });
    cleanups.push(() => informer.stop());
    informer.start();
    await informer.waitForSync();
    expect(informer.get('', namespace)?.metadata?.name).toBe(namespace);
  });
});

const TIMING = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
let leaseCounter = 0;

/** Electors on one fresh Lease, with a record of when each started and stopped leading. */
function electors(...clients: { id: string; kc: k8s.KubeConfig }[]) {
  const name = `leader-${++leaseCounter}`;
  const log: { id: string; event: 'started' | StopReason; at: number }[] = [];
  const all = clients.map(({ id, kc: k }) => createLeaderElector({
    coordination: k.makeApiClient(k8s.CoordinationV1Api), namespace, name, identity: id, clock, logger, ...TIMING,
    onStartedLeading: () => void log.push({ id, event: 'started', at: Date.now() }),
    onStoppedLeading: (reason) => void log.push({ id, event: reason, at: Date.now() }),
  }));
  for (const e of all) cleanups.push(() => e.stop());
  const lease = () => kc.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({ name, namespace });
  return { all, log, lease };
}

/** Samples every 20 ms which electors believe they lead. */
function sampleLeaders(all: LeaderElector[]) {
  let samples = 0;
  let overlaps = 0;
  let leaderless = 0;
  const timer = setInterval(() => {
    const leading = all.filter((e) => e.isLeader()).length;
    samples++;
    if (leading > 1) overlaps++;
    if (leading === 0) leaderless++;
  }, 20);
  cleanups.push(() => clearInterval(timer));
  return { stop: () => { clearInterval(timer); return { samples, overlaps, leaderless }; } };
}

const leaderOf = (all: LeaderElector[]) => eventually('a leader', async () => all.find((e) => e.isLeader()), 20_000, 20);

describe('leader election against the real apiserver', () => {
  it('elects one of two, and when the leader dies without releasing, the other takes over after the lease duration', async () => {
    // c stands for a restarted replica, started only when a leader steps down under load (an elector
    // that stopped leading is done, as the operator process exits then).
    const { all: [a, b, c], log, lease } = electors({ id: 'a', kc }, { id: 'b', kc }, { id: 'c', kc });
    const ids = new Map([[a!, 'a'], [b!, 'b'], [c!, 'c']]);
    a!.start();
    await leaderOf([a!]);
    b!.start();
    const sampler = sampleLeaders([a!, b!, c!]);
    await sleep(3 * TIMING.leaseDurationMs);
    // On a busy machine a renewal can miss renewDeadline; the leader then steps down, as it must, and
    // the other takes over. What must never happen is a lease taken from a leader still renewing it.
    expect(log.filter((l) => l.event === 'leaseTakenOver')).toEqual([]);
    const handoversUnderLoad = log.filter((l) => l.event === 'renewDeadlineExceeded').length;
    const leader = await leaderOf([a!, b!]);
    if (handoversUnderLoad > 0) {
      console.log(`a leader missed its renew deadline ${handoversUnderLoad} time(s) under load and stepped down; c replaces it`);
      expect(leader).toBe(b);
      c!.start();
    } else {
      expect(leader).toBe(a);
    }
    const dying = leader;
    const survivor = handoversUnderLoad > 0 ? c! : b!;
    const survivorId = ids.get(survivor)!;
    const logBeforeKill = log.length;
    const diedAt = Date.now();
    dying.stop();
    await eventually('the other to take over', async () => (survivor.isLeader() ? true : undefined), 20_000, 20);
    const takeover = Date.now() - diedAt;
    await sleep(1000);
    const { samples, overlaps } = sampler.stop();

    expect(overlaps).toBe(0);
    expect(samples).toBeGreaterThan(500);
    // It waited out the lease (the dead leader renewed at most one retry period before dying) but no much longer.
    expect(takeover).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.retryPeriodMs - 100);
    expect(takeover).toBeLessThanOrEqual(TIMING.leaseDurationMs + 2 * TIMING.retryPeriodMs + 1000);
    expect((await lease()).spec).toMatchObject({ holderIdentity: survivorId, leaseTransitions: 1 + handoversUnderLoad, leaseDurationSeconds: 4 });
    // Leadership alternates: every start follows the previous leader's stop.
    expect(log[0]).toMatchObject({ id: 'a', event: 'started' });
    log.forEach((l, i) => {
      if (i % 2 === 0) expect(l.event).toBe('started');
      else expect({ id: l.id, started: l.event === 'started' }).toEqual({ id: log[i - 1]!.id, started: false });
    });
    const events = log.map((l) => `${l.id} ${l.event}`);
    expect(events.slice(logBeforeKill)).toEqual([`${ids.get(dying)} stopped`, `${survivorId} started`]);
  });

  it('a graceful release hands the lease over at once', async () => {
    const { all: [a, b], lease } = electors({ id: 'a', kc }, { id: 'b', kc });
    a!.start();
    await leaderOf([a!]);
    b!.start();
    const sampler = sampleLeaders([a!, b!]);
    await sleep(2000);
    const releasedAt = Date.now();
    await a!.release();
    expect(a!.isLeader()).toBe(false);
    await eventually('b to take over', async () => (b!.isLeader() ? true : undefined), 20_000, 20);
    const handover = Date.now() - releasedAt;
    await sleep(1000);
    expect(sampler.stop().overlaps).toBe(0);
    expect(handover).toBeLessThan(TIMING.retryPeriodMs * 1.2 + 1000);
    await expect(a!.stopped).resolves.toBe('released');
    expect((await lease()).spec?.holderIdentity).toBe('b');
  });

  for (const partition of ['refuse', 'blackhole'] as const) {
    it(`a leader cut off from the apiserver (${partition}) steps down before the other replica takes over`, async () => {
      const proxy = await startProxy(new URL((kc.getCurrentCluster() as k8s.Cluster).server));
      cleanups.push(() => proxy.close());
      const { all: [a, b], log } = electors({ id: 'a', kc: proxy.kc }, { id: 'b', kc });
      a!.start();
      await leaderOf([a!]);
      b!.start();
      const sampler = sampleLeaders([a!, b!]);
      await sleep(2000);

      proxy.mode(partition);
      await eventually('b to take over', async () => (b!.isLeader() ? true : undefined), 30_000, 20);
      await sleep(1000);
      const { overlaps } = sampler.stop();
      expect(overlaps).toBe(0);
      await expect(Promise.race([a!.stopped, sleep(1000).then(() => 'still leading')])).resolves.toBe('renewDeadlineExceeded');
      const aStopped = log.find((l) => l.id === 'a' && l.event === 'renewDeadlineExceeded')!.at;
      const bStarted = log.find((l) => l.id === 'b' && l.event === 'started')!.at;
      // The margin is leaseDuration − renewDeadline: a gave up at least that long before b began.
      expect(bStarted - aStopped).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.renewDeadlineMs - TIMING.retryPeriodMs);
      proxy.mode('forward');
    });
  }
});
