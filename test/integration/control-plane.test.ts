/**
 * The local control plane is real: the scheduler places GPU pods on kwok's fake GPU nodes or leaves
 * them Pending with its reason, kube-controller-manager runs Deployments and garbage collection, and
 * the harness leaves no process behind, also when the test run that started it dies.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { launchCluster, stopSupervisor } from '../harness/launcher.ts';
import { isAlive } from '../harness/processes.ts';

let ns: string;
const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);
const apps = () => kubeConfig().makeApiClient(k8s.AppsV1Api);

beforeAll(async () => { ns = await createTestNamespace('control-plane'); });
afterAll(async () => { await deleteTestNamespace(ns); });

const gpuPod = (name: string, gpus: number): k8s.V1Pod => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'example.com/x:1', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }] },
});

describe('the local control plane', () => {
  it('schedules a pod requesting one nvidia.com/gpu onto a fake GPU node, where it runs', async () => {
    await core().createNamespacedPod({ namespace: ns, body: gpuPod('one-gpu', 1) });
    const pod = await eventually('pod Running', async () => {
      const p = await core().readNamespacedPod({ namespace: ns, name: 'one-gpu' });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    expect(pod.spec?.nodeName).toMatch(/^gpu-node-/);
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

  it('leaves no process behind when stopped, nor when the test run that owns it dies', async () => {
    for (const ending of ['stopped', 'owner killed'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'activation-canary-owner-'));
      const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      try {
        const state = await launchCluster(dir, { ownerPid: owner.pid as number });
        const pids = [state.supervisorPid, ...Object.values(state.pids)];
        expect(pids.every(isAlive)).toBe(true);
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
