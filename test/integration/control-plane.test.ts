/**
 * The local control plane is real: the scheduler places GPU pods on kwok's fake GPU nodes or leaves
 * them Pending with its reason, kube-controller-manager runs Deployments and garbage collection, pods
 * that ask for it start like GPU pods loading a model (Running, then Ready after a delay) and stop
 * serving as soon as they are deleted, and the harness leaves no process behind, also when the test run
 * that started it dies.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { launchCluster, stopSupervisor } from '../harness/launcher.ts';
import { podLifecycleAnnotations, type PodLifecycle } from '../harness/pod-lifecycle.ts';
import { controlComponent } from '../harness/components.ts';
import { isAlive, probe } from '../harness/processes.ts';

let ns: string;
const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);
const apps = () => kubeConfig().makeApiClient(k8s.AppsV1Api);

beforeAll(async () => { ns = await createTestNamespace('control-plane'); });
afterAll(async () => { await deleteTestNamespace(ns); });

const gpuPod = (name: string, gpus: number): k8s.V1Pod => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'example.com/x:1', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }] },
});

const slowPod = (name: string, lifecycle: PodLifecycle): k8s.V1Pod => ({
  metadata: { name, annotations: podLifecycleAnnotations(lifecycle) },
  spec: { containers: [{ name: 'server', image: 'example.com/model:1' }, { name: 'sidecar', image: 'example.com/proxy:1' }] },
});

const readyOf = (p: k8s.V1Pod | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready');
const readPod = (name: string) => core().readNamespacedPod({ namespace: ns, name }).catch((err: { code?: number }) => {
  if (err.code === 404) return undefined;
  throw err;
});

/** Polls a pod every 100 ms until `done` holds; every distinct (phase, Ready, terminating) seen, with when. */
async function followPod(name: string, done: (p: k8s.V1Pod | undefined) => boolean, timeoutMs = 30_000) {
  const seen: { at: number; state: string }[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await readPod(name);
    const state = p ? `${p.status?.phase ?? 'Pending'} ready=${readyOf(p)?.status ?? '-'}${p.metadata?.deletionTimestamp ? ' terminating' : ''}` : 'gone';
    if (seen.at(-1)?.state !== state) seen.push({ at: Date.now(), state });
    if (done(p)) return seen;
    if (Date.now() > deadline) throw new Error(`pod ${name}: not done within ${timeoutMs} ms; seen ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const since = (seen: { at: number; state: string }[], from: string, to: string) =>
  (seen.find((x) => x.state === to)?.at ?? NaN) - (seen.find((x) => x.state === from)?.at ?? NaN);

describe('the local control plane', () => {
  it('schedules a pod requesting one nvidia.com/gpu onto a fake GPU node, where it runs', async () => {
    await core().createNamespacedPod({ namespace: ns, body: gpuPod('one-gpu', 1) });
    const pod = await eventually('pod Running', async () => {
      const p = await core().readNamespacedPod({ namespace: ns, name: 'one-gpu' });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    expect(pod.spec?.nodeName).toMatch(/^gpu-node-/);
    expect(readyOf(pod)?.status).toBe('True'); // a pod without the ready-delay annotation is Ready at once
  });

  it('starts a pod with ready-delay Running with its containers started but unready, and Ready once the delay has passed', async () => {
    const created = Date.now();
    await core().createNamespacedPod({ namespace: ns, body: slowPod('loading', { readyDelay: '3s' }) });
    const running = await eventually('pod Running', async () => {
      const p = await readPod('loading');
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    expect(readyOf(running)).toEqual(expect.objectContaining({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [server sidecar]' }));
    expect(running.status?.containerStatuses?.map((c) => [c.name, c.started, c.ready, !!c.state?.running])).toEqual([['server', true, false, true], ['sidecar', true, false, true]]);
    const seen = await followPod('loading', (p) => readyOf(p)?.status === 'True');
    const loaded = await readPod('loading');
    expect(seen.at(-1)?.state).toBe('Running ready=True');
    // The delay runs from Running, which comes after the create: Ready is seen at least 3 s after it.
    // (Measured from the first poll that saw it Running instead, a loaded machine's late poll read 2.3 s.)
    expect((seen.find((x) => x.state === 'Running ready=True')?.at ?? NaN) - created).toBeGreaterThanOrEqual(3_000);
    expect(since(seen, 'Running ready=False', 'Running ready=True')).toBeLessThan(4_500);
    expect(loaded?.status?.containerStatuses?.every((c) => c.ready && c.started)).toBe(true);
    expect(loaded?.status?.containerStatuses?.[0]?.state?.running?.startedAt).toEqual(running.status?.containerStatuses?.[0]?.state?.running?.startedAt);
    expect(readyOf(loaded)?.message).toBeUndefined();
  });

  it('adds a random ready-jitter to the delay of each pod', async () => {
    const names = ['jitter-0', 'jitter-1', 'jitter-2'];
    for (const name of names) await core().createNamespacedPod({ namespace: ns, body: slowPod(name, { readyDelay: '1s', readyJitter: '3s' }) });
    const follows = await Promise.all(names.map((name) => followPod(name, (p) => readyOf(p)?.status === 'True')));
    const delays = follows.map((seen) => since(seen, 'Running ready=False', 'Running ready=True'));
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(700);
      expect(d).toBeLessThan(4_500);
    }
  });

  it('stops serving a deleted pod at once, keeps it terminating for its termination-delay, then removes it', async () => {
    await core().createNamespacedPod({ namespace: ns, body: slowPod('leaving', { readyDelay: '0s', terminationDelay: '3s' }) });
    await followPod('leaving', (p) => readyOf(p)?.status === 'True');
    const deletedAt = Date.now();
    await core().deleteNamespacedPod({ namespace: ns, name: 'leaving' });
    const seen = await followPod('leaving', (p) => p === undefined);
    expect(seen.map((x) => x.state)).toEqual(expect.arrayContaining(['Running ready=False terminating', 'gone']));
    expect(seen.some((x) => x.state === 'Running ready=True terminating' && x.at - deletedAt > 500)).toBe(false);
    expect((seen.find((x) => x.state === 'gone')?.at ?? 0) - deletedAt).toBeGreaterThanOrEqual(2_700);
  });

  it('removes a pod deleted while it was still loading, and a plain pod at once', async () => {
    await core().createNamespacedPod({ namespace: ns, body: slowPod('abandoned', { readyDelay: '30s' }) });
    await core().createNamespacedPod({ namespace: ns, body: gpuPod('plain', 0) });
    await followPod('abandoned', (p) => p?.status?.phase === 'Running');
    await followPod('plain', (p) => readyOf(p)?.status === 'True');
    await Promise.all(['abandoned', 'plain'].map((name) => core().deleteNamespacedPod({ namespace: ns, name })));
    const t0 = Date.now();
    await Promise.all(['abandoned', 'plain'].map((name) => followPod(name, (p) => p === undefined, 10_000)));
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('keeps the fake nodes Ready with fresh heartbeats and leases', async () => {
    const leases = kubeConfig().makeApiClient(k8s.CoordinationV1Api);
    for (const node of ['gpu-node-a', 'gpu-node-b']) {
      const lease = await leases.readNamespacedLease({ namespace: 'kube-node-lease', name: node });
      expect(Date.now() - new Date(lease.spec?.renewTime ?? 0).getTime()).toBeLessThan(40_000);
      const ready = (await core().readNode({ name: node })).status?.conditions?.find((c) => c.type === 'Ready');
      expect(ready?.status).toBe('True');
    }
  });

  it('leaves a pod asking for more GPUs than any node has Pending, with the scheduler\'s reason', async () => {
    await core().createNamespacedPod({ namespace: ns, body: gpuPod('too-many', 64) });
    const reason = await eventually('PodScheduled False', async () => {
      const p = await core().readNamespacedPod({ namespace: ns, name: 'too-many' });
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(reason.reason).toBe('Unschedulable');
    expect(reason.message).toMatch(/Insufficient nvidia\.com\/gpu/);
    expect((await core().readNamespacedPod({ namespace: ns, name: 'too-many' })).status?.phase).toBe('Pending');
  });

  it('runs Deployments through kube-controller-manager and garbage-collects dependents of a deleted owner', async () => {
    await apps().createNamespacedDeployment({ namespace: ns, body: {
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'example.com/web:1' }] } } },
    } });
    await eventually('2 ready replicas', async () => ((await apps().readNamespacedDeployment({ namespace: ns, name: 'web' })).status?.readyReplicas === 2 ? true : undefined));
    await apps().deleteNamespacedDeployment({ namespace: ns, name: 'web', propagationPolicy: 'Background' });
    await eventually('ReplicaSet and pods collected', async () => {
      const [rs, pods] = await Promise.all([
        apps().listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=web' }),
        core().listNamespacedPod({ namespace: ns, labelSelector: 'app=web' }),
      ]);
      return rs.items.length === 0 && pods.items.length === 0 ? true : undefined;
    });
  });

  it('serves the route CRDs of the traffic providers: Gateway API\'s standard channel (HTTPRoute with percent mirrors) and Istio\'s', async () => {
    const ext = kubeConfig().makeApiClient(k8s.ApiextensionsV1Api);
    const names = (await ext.listCustomResourceDefinition()).items.map((c) => c.metadata?.name);
    expect(names).toEqual(expect.arrayContaining([
      'httproutes.gateway.networking.k8s.io', 'gateways.gateway.networking.k8s.io', 'gatewayclasses.gateway.networking.k8s.io',
      'referencegrants.gateway.networking.k8s.io', 'virtualservices.networking.istio.io', 'destinationrules.networking.istio.io',
    ]));
    const httpRoute = await ext.readCustomResourceDefinition({ name: 'httproutes.gateway.networking.k8s.io' });
    expect(httpRoute.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    expect(httpRoute.metadata?.annotations?.['gateway.networking.k8s.io/channel']).toBe('standard');
    const v1 = httpRoute.spec.versions.find((v) => v.name === 'v1');
    const filter = v1?.schema?.openAPIV3Schema?.properties?.spec?.properties?.rules?.items?.properties?.filters?.items;
    expect(Object.keys(filter?.properties?.requestMirror?.properties ?? {})).toEqual(expect.arrayContaining(['percent', 'fraction']));
  });

  it('leaves no process behind when stopped, nor when the test run that owns it dies, also after a component was restarted or frozen', async () => {
    for (const ending of ['stopped', 'owner killed'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'activation-canary-owner-'));
      const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      try {
        const state = await launchCluster(dir, { ownerPid: owner.pid as number });
        const pids = [state.supervisorPid, ...Object.values(state.pids)];
        expect(pids.every(isAlive)).toBe(true);
        if (ending === 'stopped') {
          // Component faults (components.ts) through the supervisor: a restarted etcd is a new process the
          // cluster still tears down, and a frozen Prometheus is stopped all the same.
          const restarted = await controlComponent(state.controlUrl, 'etcd', 'restart');
          expect(restarted.pid).not.toBe(state.pids.etcd);
          expect(await probe(`${state.apiserverUrl}/readyz`, 'insecure')).toBe(200);
          expect(await controlComponent(state.controlUrl, 'prometheus', 'freeze')).toMatchObject({ frozen: true, pid: state.pids.prometheus });
          await expect(controlComponent(state.controlUrl, 'kube-scheduler', 'restart')).rejects.toThrow(/409 kube-scheduler cannot be restarted: only etcd, kube-apiserver, prometheus can/);
          pids.push(restarted.pid);
        }
        if (ending === 'stopped') await stopSupervisor(state.supervisorPid);
        else owner.kill('SIGKILL');
        await eventually(`every component gone after the cluster was ${ending}`, async () => (pids.some(isAlive) ? undefined : true), 30_000);
      } finally {
        owner.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
