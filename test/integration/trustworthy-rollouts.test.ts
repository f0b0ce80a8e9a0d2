/**
 * Trustworthy rollouts on the real control plane (issue 9): what serves is a variant, the activation
 * plus the pod template's revision. A new image alone is a canary, stable keeps its image until
 * promotion, a rollback restores stable exactly as it was, `replicas` alone is a size and not a
 * variant, and a ModelVariant at rest costs no writes. Each test runs its own operator in its own
 * namespace.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { eventually, kubeConfig } from '../harness/env.ts';
import { isolatedOperator, reconcileCount, type IsolatedOperator } from './support/isolated-operator.ts';
import {
  eventsOnceRecorded, activationOf, conditionOf, createModelVariant, deployment, getModelVariant, imageOf, modelTemplate, modelVariantEvents,
  patchModelVariant, podTemplateOf, signal, waitForStatus,
} from './support/model-variants.ts';

const IMAGE_1 = 'example.com/model-server:1.0';
const IMAGE_2 = 'example.com/model-server:2.0';
const apps = () => kubeConfig().makeApiClient(k8s.AppsV1Api);
const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let env: IsolatedOperator | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

async function controllerRevisionNames(ns: string, model: string): Promise<string[]> {
  const list = await apps().listNamespacedControllerRevision({ namespace: ns, labelSelector: `activationcanary.io/model=${model}` });
  return list.items.map((r) => r.metadata?.name ?? '').sort();
}

describe('a change of the pod template', () => {
  it('starts a canary on a new image alone, keeps stable on the old image until promotion, then makes the canary revision stable', async () => {
    env = await isolatedOperator('template-image');
    const { ns } = env;
    await createModelVariant(ns, 'imagey', { activation: 'relu', replicas: 2, template: modelTemplate({ image: IMAGE_1 }), strategy: { steps: [{ setWeight: 50 }] } });
    const healthy = await waitForStatus(ns, 'imagey', 'Healthy', (s) => s.phase === 'Healthy');
    const oldRevision = healthy.stableRevision as string;

    await patchModelVariant(ns, 'imagey', { spec: { template: modelTemplate({ image: IMAGE_2 }) } });
    const rolling = await waitForStatus(ns, 'imagey', 'canary at 50% waiting for promotion', (s) => !!s.canaryRevision && s.canaryWeight === 50 && s.phase === 'Paused');
    expect(rolling.change).toBe(`image ${IMAGE_1} → ${IMAGE_2}`);
    expect(rolling.stableRevision).toBe(oldRevision);
    expect(rolling.canaryRevision).not.toBe(oldRevision);
    expect(rolling.canaryActivation).toBe('relu');
    expect(imageOf(await deployment(ns, 'imagey-stable'))).toBe(IMAGE_1);
    expect(imageOf(await deployment(ns, 'imagey-canary'))).toBe(IMAGE_2);
    expect(await controllerRevisionNames(ns, 'imagey')).toEqual([`imagey-${oldRevision}`, `imagey-${rolling.canaryRevision}`].sort());
    const started = (await eventsOnceRecorded(ns, 'imagey', ['RolloutStarted'])).filter((e) => e.reason === 'RolloutStarted');
    expect(started).toHaveLength(1);
    expect(started[0]?.message).toContain(`image ${IMAGE_1} → ${IMAGE_2}`);

    await signal(ns, 'imagey', 'promote');
    const promoted = await waitForStatus(ns, 'imagey', 'promoted', (s) => s.phase === 'Healthy' && s.stableRevision === rolling.canaryRevision);
    expect(promoted.canaryRevision).toBeUndefined();
    expect(promoted.change).toBeUndefined();
    const stable = await deployment(ns, 'imagey-stable');
    expect(imageOf(stable)).toBe(IMAGE_2);
    expect(stable?.spec?.template.metadata?.labels?.['activationcanary.io/revision']).toBe(rolling.canaryRevision);
    await eventually('canary Deployment removed', async () => ((await deployment(ns, 'imagey-canary')) ? undefined : true));
    expect((await modelVariantEvents(ns, 'imagey')).find((e) => e.reason === 'Promoted')?.message).toContain(`image ${IMAGE_1} → ${IMAGE_2}`);
  });

  it('names both the image and the activation when they change together, in one rollout', async () => {
    env = await isolatedOperator('template-both');
    const { ns } = env;
    await createModelVariant(ns, 'both', { activation: 'relu', replicas: 2, template: modelTemplate({ image: IMAGE_1 }), strategy: { steps: [{ setWeight: 50 }] } });
    await waitForStatus(ns, 'both', 'Healthy', (s) => s.phase === 'Healthy');

    await patchModelVariant(ns, 'both', { spec: { activation: 'gelu', template: modelTemplate({ image: IMAGE_2 }) } });
    const rolling = await waitForStatus(ns, 'both', 'canary at 50%', (s) => s.canaryWeight === 50 && s.phase === 'Paused');
    expect(rolling.change).toBe(`image ${IMAGE_1} → ${IMAGE_2}; activation relu → gelu`);
    const canary = await deployment(ns, 'both-canary');
    const stable = await deployment(ns, 'both-stable');
    expect([imageOf(canary), activationOf(canary)]).toEqual([IMAGE_2, 'gelu']);
    expect([imageOf(stable), activationOf(stable)]).toEqual([IMAGE_1, 'relu']);
    const reasons = (await modelVariantEvents(ns, 'both')).map((e) => e.reason);
    expect(reasons.filter((r) => r === 'RolloutStarted')).toHaveLength(1);
    expect(reasons).not.toContain('RolloutRestarted');
  });
});

describe('a rollback', () => {
  it('restores stable with exactly the image, env and activation it served before a template change was aborted', async () => {
    env = await isolatedOperator('abort-template');
    const { ns } = env;
    const before = modelTemplate({ image: IMAGE_1, env: [{ name: 'MODEL_PATH', value: '/models/v1' }] });
    await createModelVariant(ns, 'undo', { activation: 'relu', replicas: 2, template: before, strategy: { steps: [{ setWeight: 50 }] } });
    const healthy = await waitForStatus(ns, 'undo', 'Healthy', (s) => s.phase === 'Healthy');
    const served = podTemplateOf(await deployment(ns, 'undo-stable'));
    expect(served).toEqual([{ name: 'server', image: IMAGE_1, env: [{ name: 'MODEL_PATH', value: '/models/v1' }, { name: 'ACTIVATION', value: 'relu' }] }]);

    await patchModelVariant(ns, 'undo', { spec: { activation: 'gelu', template: modelTemplate({ image: IMAGE_2, env: [{ name: 'MODEL_PATH', value: '/models/v2' }] }) } });
    await waitForStatus(ns, 'undo', 'canary at 50%', (s) => s.canaryWeight === 50);
    expect(podTemplateOf(await deployment(ns, 'undo-stable'))).toEqual(served);

    await signal(ns, 'undo', 'abort');
    const degraded = await waitForStatus(ns, 'undo', 'rolled back', (s) => s.phase === 'Degraded');
    expect(conditionOf(degraded, 'Degraded')).toMatchObject({ status: 'True', reason: 'Aborted' });
    expect(degraded.stableRevision).toBe(healthy.stableRevision);
    const stable = await eventually('canary gone and stable at 2 ready', async () => {
      const d = await deployment(ns, 'undo-stable');
      return !(await deployment(ns, 'undo-canary')) && d?.spec?.replicas === 2 && d.status?.readyReplicas === 2 ? d : undefined;
    });
    expect(podTemplateOf(stable)).toEqual(served);
    expect(stable.spec?.template.metadata?.labels?.['activationcanary.io/revision']).toBe(healthy.stableRevision);
  });
});

describe('spec.replicas', () => {
  it('is a size, not a new variant: stable scales and no rollout starts', async () => {
    env = await isolatedOperator('replicas-only');
    const { ns } = env;
    await createModelVariant(ns, 'sized', { activation: 'relu', replicas: 2, template: modelTemplate(), strategy: { steps: [{ setWeight: 50 }] } });
    const healthy = await waitForStatus(ns, 'sized', 'Healthy', (s) => s.phase === 'Healthy');

    await patchModelVariant(ns, 'sized', { spec: { replicas: 3 } });
    const generation = (await getModelVariant(ns, 'sized')).metadata?.generation;
    const scaled = await waitForStatus(ns, 'sized', 'Healthy at 3 replicas', (s) =>
      s.observedGeneration === generation && s.phase === 'Healthy' && conditionOf(s, 'Available')?.message === '3/3 serving replicas ready');
    expect(scaled.stableRevision).toBe(healthy.stableRevision);
    expect(scaled.canaryRevision).toBeUndefined();
    expect((await deployment(ns, 'sized-stable'))?.spec?.replicas).toBe(3);
    expect(await deployment(ns, 'sized-canary')).toBeUndefined();
    const reasons = (await modelVariantEvents(ns, 'sized')).map((e) => e.reason);
    expect(reasons).not.toContain('RolloutStarted');
  });
});

describe('a ModelVariant at rest', () => {
  it('costs no status write and no child write across operator resyncs', async () => {
    env = await isolatedOperator('at-rest', ['--resync', '2s']);
    const { ns, operator } = env;
    await createModelVariant(ns, 'quiet', { activation: 'relu', replicas: 2, template: modelTemplate() });
    await waitForStatus(ns, 'quiet', 'Healthy', (s) => s.phase === 'Healthy');
    await sleep(2000); // the last Deployment status updates of kube-controller-manager land

    const versions = async () => {
      const mv = await getModelVariant(ns, 'quiet');
      const statusWrite = mv.metadata?.managedFields?.find((f) => f.subresource === 'status' && f.manager === 'activation-canary')?.time;
      const services = await core().listNamespacedService({ namespace: ns, labelSelector: 'activationcanary.io/model=quiet' });
      const deployments = await apps().listNamespacedDeployment({ namespace: ns, labelSelector: 'activationcanary.io/model=quiet' });
      const revisions = await apps().listNamespacedControllerRevision({ namespace: ns, labelSelector: 'activationcanary.io/model=quiet' });
      const children = [...services.items, ...deployments.items, ...revisions.items].map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`);
      return { modelVariant: mv.metadata?.resourceVersion, statusWrite, children: children.sort() };
    };
    const atRest = await versions();
    expect(atRest.statusWrite).toBeDefined();
    expect(atRest.children).toHaveLength(5); // three Services, the stable Deployment, its ControllerRevision
    const reconcilesBefore = await reconcileCount(operator);

    await sleep(8000);
    expect(await reconcileCount(operator) - reconcilesBefore).toBeGreaterThanOrEqual(3);
    expect(await versions()).toEqual(atRest);
  });
});
