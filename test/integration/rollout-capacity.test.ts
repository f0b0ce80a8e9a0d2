/**
 * Rollouts that run out of room, on the real control plane (issue 9): a ResourceQuota that refuses the
 * canary's pods (rolled back at the progress deadline in the quota's own words), a GPU quota the
 * capacity check counts (held with `CapacityAvailable=False` naming the ResourceQuota, then rolled back
 * when the hold passes `capacityTimeout`), and nodes cordoned mid-rollout (a capacity hold, never an
 * invalid spec, and an abort during the hold is acted on). Tests that count GPUs bring fake nodes with
 * a resource of their own. Each test runs its own operator in its own namespace.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { eventually, kubeConfig } from '../harness/env.ts';
import { createPrivateNodes, type PrivateNodes } from './support/fake-nodes.ts';
import { isolatedOperator, type IsolatedOperator } from './support/isolated-operator.ts';
import {
  eventsOnceRecorded, activationOf, conditionOf, createModelVariant, deployment, modelTemplate, setActivation, signal, waitForStatus,
} from './support/model-variants.ts';

const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);

let env: IsolatedOperator | undefined;
let nodes: PrivateNodes | undefined;
afterEach(async () => {
  await env?.stop();
  await nodes?.remove();
  env = undefined;
  nodes = undefined;
});

async function createQuota(namespace: string, name: string, hard: Record<string, string>): Promise<void> {
  await core().createNamespacedResourceQuota({ namespace, body: { metadata: { name }, spec: { hard } } });
}

/** Waits until the quota controller has counted `used` of `key`. */
async function quotaUsed(namespace: string, name: string, key: string, used: string): Promise<void> {
  await eventually(`ResourceQuota ${name} counts ${used} ${key}`, async () => {
    const q = await core().readNamespacedResourceQuota({ namespace, name });
    return q.status?.used?.[key] === used ? true : undefined;
  });
}

describe('a ResourceQuota', () => {
  it('that refuses the canary\'s pods rolls the canary back at the progress deadline, with "exceeded quota" in the Degraded message', async () => {
    env = await isolatedOperator('quota-pods');
    const { ns } = env;
    await createQuota(ns, 'pod-count', { pods: '2' });
    await createModelVariant(ns, 'crowded', { activation: 'relu', replicas: 2, template: modelTemplate(),
      strategy: { steps: [{ setWeight: 50 }], progressDeadline: '15s' } });
    await waitForStatus(ns, 'crowded', 'Healthy', (s) => s.phase === 'Healthy');
    await quotaUsed(ns, 'pod-count', 'pods', '2');

    await setActivation(ns, 'crowded', 'gelu');
    const degraded = await waitForStatus(ns, 'crowded', 'rolled back', (s) => s.phase === 'Degraded');
    const condition = conditionOf(degraded, 'Degraded');
    expect(condition).toMatchObject({ status: 'True', reason: 'ProgressDeadlineExceeded' });
    expect(condition?.message).toContain('exceeded quota: pod-count');
    expect((await eventsOnceRecorded(ns, 'crowded', ['RolledBack'])).find((e) => e.reason === 'RolledBack')?.message).toContain('exceeded quota: pod-count');
    await eventually('canary gone, stable relu at 2 ready', async () => {
      const stable = await deployment(ns, 'crowded-stable');
      return !(await deployment(ns, 'crowded-canary')) && stable?.status?.readyReplicas === 2 && activationOf(stable) === 'relu' ? true : undefined;
    });
  });

  it('on the GPUs, counted by the capacity check, holds a canary that would exceed it with CapacityAvailable=False naming the quota, until capacityTimeout rolls it back', async () => {
    nodes = await createPrivateNodes('quota-gpu', 1, 4);
    env = await isolatedOperator('quota-gpu');
    const { ns } = env;
    const key = `requests.${nodes.resource}`;
    await createQuota(ns, 'gpus', { [key]: '2' });
    await createModelVariant(ns, 'budget', { activation: 'relu', replicas: 2, template: modelTemplate({ limits: { [nodes.resource]: '1' } }),
      strategy: { maxUnavailable: 0, steps: [{ setWeight: 50 }], capacityTimeout: '1m' } });
    await waitForStatus(ns, 'budget', 'Healthy', (s) => s.phase === 'Healthy');
    await quotaUsed(ns, 'gpus', key, '2');

    await setActivation(ns, 'budget', 'gelu');
    const held = await waitForStatus(ns, 'budget', 'held for capacity', (s) => conditionOf(s, 'CapacityAvailable')?.status === 'False');
    expect(held.phase).toBe('Paused');
    expect(conditionOf(held, 'CapacityAvailable')?.reason).toBe('InsufficientCapacity');
    expect(conditionOf(held, 'CapacityAvailable')?.message).toContain(`needs 1 more pod(s) × 1 ${nodes.resource} but 0 fit (ResourceQuota gpus: 0/2 ${key} free; nodes:`);
    expect(conditionOf(held, 'SpecValid')?.status).toBe('True');
    expect((await eventsOnceRecorded(ns, 'budget', ['InsufficientCapacity'])).map((e) => e.reason)).toContain('InsufficientCapacity');
    expect((await deployment(ns, 'budget-stable'))?.spec?.replicas).toBe(2);
    expect((await deployment(ns, 'budget-canary'))?.spec?.replicas ?? 0).toBe(0);

    const degraded = await waitForStatus(ns, 'budget', 'rolled back after capacityTimeout', (s) => s.phase === 'Degraded');
    expect(conditionOf(degraded, 'Degraded')).toMatchObject({ status: 'True', reason: 'CapacityTimeout' });
    expect(conditionOf(degraded, 'Degraded')?.message).toContain('ResourceQuota gpus');
  });
});

describe('nodes cordoned during a rollout', () => {
  it('hold the rollout with CapacityAvailable=False, never SpecValid=False, and an abort sent during the hold rolls back', async () => {
    nodes = await createPrivateNodes('cordon', 2, 2);
    env = await isolatedOperator('cordon');
    const { ns } = env;
    await createModelVariant(ns, 'stranded', { activation: 'relu', replicas: 2, template: modelTemplate({ limits: { [nodes.resource]: '1' } }),
      strategy: { maxUnavailable: 0, steps: [{ setWeight: 50 }] } });
    await waitForStatus(ns, 'stranded', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'stranded', 'gelu');
    await waitForStatus(ns, 'stranded', 'canary at 50% waiting for promotion', (s) => s.canaryWeight === 50 && s.phase === 'Paused');

    let specInvalid = false;
    const watching = (s: Parameters<Parameters<typeof waitForStatus>[3]>[0]) => {
      if (conditionOf(s, 'SpecValid')?.status !== 'True') specInvalid = true;
      return s;
    };
    await nodes.cordon(true);
    // Promotion replaces stable's pods one by one, which needs one more canary pod first: none fits now.
    await signal(ns, 'stranded', 'promote');
    const held = await waitForStatus(ns, 'stranded', 'promotion held for capacity', (s) => conditionOf(watching(s), 'CapacityAvailable')?.status === 'False');
    expect(held.phase).toBe('Promoting');
    const message = conditionOf(held, 'CapacityAvailable')?.message;
    expect(message).toContain(`but 0 fit (no node that would take this template offers ${nodes.resource}; not for this template: `);
    for (const name of nodes.names) expect(message).toContain(`${name} (Unschedulable)`);

    await signal(ns, 'stranded', 'abort');
    const degraded = await waitForStatus(ns, 'stranded', 'rolled back', (s) => watching(s).phase === 'Degraded');
    expect(conditionOf(degraded, 'Degraded')).toMatchObject({ status: 'True', reason: 'Aborted' });
    expect((await eventsOnceRecorded(ns, 'stranded', ['InsufficientCapacity', 'RolledBack'])).map((e) => e.reason)).toEqual(expect.arrayContaining(['InsufficientCapacity', 'RolledBack']));
    await eventually('canary removed', async () => ((await deployment(ns, 'stranded-canary')) ? undefined : true));

    await nodes.cordon(false);
    await eventually('stable relu back at 2 ready', async () => {
      const stable = await deployment(ns, 'stranded-stable');
      return stable?.status?.readyReplicas === 2 && activationOf(stable) === 'relu' ? true : undefined;
    });
    await waitForStatus(ns, 'stranded', 'Degraded with stable at full size', (s) => watching(s).phase === 'Degraded' && conditionOf(s, 'Available')?.status === 'True');
    expect(specInvalid).toBe(false);
  });
});
