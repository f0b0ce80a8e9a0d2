/**
 * The rollout engine end to end on the real control plane (kube-controller-manager runs the
 * Deployments, kwok runs the pods on fake GPU nodes): a full relu → gelu walk with the `replicas`
 * provider, abort and retry, and deleting a ModelVariant.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import {
  activationOf, createModelVariant, deployment, eventReasonsIncluding, gpuTemplate, setActivation, signal, waitForStatus,
} from './support/model-variants.ts';

let operator: RunningOperator;
let ns: string;

beforeAll(async () => {
  ns = await createTestNamespace('rollout');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
});

describe('a ModelVariant with the replicas provider', () => {
  it('walks every step from relu to gelu and promotes, telling the story in events', async () => {
    await createModelVariant(ns, 'sentiment', {
      activation: 'relu', replicas: 4, template: gpuTemplate(1),
      strategy: { steps: [{ setWeight: 25, pause: '2s' }, { setWeight: 50, pause: '2s' }] },
    });
    await waitForStatus(ns, 'sentiment', 'Healthy on relu', (s) => s.phase === 'Healthy' && s.stableActivation === 'relu');
    expect(activationOf(await deployment(ns, 'sentiment-stable'))).toBe('relu');

    await setActivation(ns, 'sentiment', 'gelu');
    const weights = new Set<number>();
    await waitForStatus(ns, 'sentiment', 'promoted to gelu', (s) => {
      if (s.canaryWeight) weights.add(s.canaryWeight);
      return s.phase === 'Healthy' && s.stableActivation === 'gelu';
    }, 120_000);
    expect([...weights].sort((a, b) => a - b)).toEqual([25, 50]);
    const stable = await deployment(ns, 'sentiment-stable');
    expect(activationOf(stable)).toBe('gelu');
    expect(stable?.spec?.replicas).toBe(4);
    await eventually('canary Deployment gone', async () => ((await deployment(ns, 'sentiment-canary')) ? undefined : true));
    const reasons = await eventReasonsIncluding(ns, 'sentiment', ['Promoted']);
    for (const r of ['StableDeploying', 'Healthy', 'RolloutStarted', 'StepWeightReached', 'StepCompleted', 'PromotionStarted', 'Promoted']) {
      expect(reasons).toContain(r);
    }
    expect(reasons.filter((r) => r === 'StepWeightReached')).toHaveLength(2);
  });

  it('returns all traffic to stable on abort, and starts over on retry', async () => {
    await createModelVariant(ns, 'ranker', {
      activation: 'relu', replicas: 2, template: gpuTemplate(1),
      strategy: { steps: [{ setWeight: 50, pause: '10m' }] },
    });
    await waitForStatus(ns, 'ranker', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'ranker', 'silu');
    await waitForStatus(ns, 'ranker', 'canary at 50%', (s) => s.canaryWeight === 50);

    await signal(ns, 'ranker', 'abort');
    const degraded = await waitForStatus(ns, 'ranker', 'rolled back', (s) => s.phase === 'Degraded');
    expect(degraded.canaryWeight).toBe(0);
    expect(degraded.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'Aborted' });
    await eventually('canary gone, stable at 2 ready', async () => {
      const stable = await deployment(ns, 'ranker-stable');
      return !(await deployment(ns, 'ranker-canary')) && stable?.status?.readyReplicas === 2 && activationOf(stable) === 'relu' ? true : undefined;
    });

    await signal(ns, 'ranker', 'retry');
    await waitForStatus(ns, 'ranker', 'canary back at 50%', (s) => s.phase !== 'Degraded' && s.canaryWeight === 50);
    expect(activationOf(await deployment(ns, 'ranker-canary'))).toBe('silu');
    expect(await eventReasonsIncluding(ns, 'ranker', ['RolledBack', 'RolloutRetried'])).toEqual(expect.arrayContaining(['RolledBack', 'RolloutRetried']));
  });

  it('creates the three Services and recreates one deleted by hand', async () => {
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    const names = async () => (await core.listNamespacedService({ namespace: ns, labelSelector: 'activationcanary.io/model=sentiment' })).items.map((x) => x.metadata?.name).sort();
    expect(await names()).toEqual(['sentiment', 'sentiment-canary', 'sentiment-stable']);
    await core.deleteNamespacedService({ namespace: ns, name: 'sentiment-canary' });
    await eventually('sentiment-canary recreated', async () => ((await names()).includes('sentiment-canary') ? true : undefined), 30_000);
  });

  it('removes everything it created when the ModelVariant is deleted', async () => {
    await createModelVariant(ns, 'doomed', { activation: 'relu', replicas: 1, template: gpuTemplate(1) });
    await waitForStatus(ns, 'doomed', 'Healthy', (s) => s.phase === 'Healthy');
    const custom = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    await custom.deleteNamespacedCustomObject({ group: 'activationcanary.io', version: 'v1alpha1', plural: 'modelvariants', namespace: ns, name: 'doomed' });
    await eventually('children garbage-collected', async () => {
      const services = await core.listNamespacedService({ namespace: ns, labelSelector: 'activationcanary.io/model=doomed' });
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'activationcanary.io/model=doomed' });
      return !(await deployment(ns, 'doomed-stable')) && services.items.length === 0 && pods.items.length === 0 ? true : undefined;
    }, 60_000);
  });
});
