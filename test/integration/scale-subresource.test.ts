/**
 * A ModelVariant scaled the way an autoscaler scales it, on the real control plane (issue 9): a PUT
 * to its `/scale` subresource during a rollout keeps the step and re-splits the pods at the new size
 * (status reports the real share), `status.replicas`/`status.selector` make `kubectl get
 * --subresource=scale` work, and a real HorizontalPodAutoscaler (kube-controller-manager's, with no
 * pod metrics in this cluster) raises a ModelVariant below its minReplicas. Each test runs its own
 * operator in its own namespace.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../src/api/types.ts';
import { eventually, kubeConfig } from '../harness/env.ts';
import { isolatedOperator, kubectl, type IsolatedOperator } from './support/isolated-operator.ts';
import {
  eventsOnceRecorded, conditionOf, createModelVariant, deployment, getModelVariant, modelTemplate, modelVariantEvents, setActivation, waitForStatus,
} from './support/model-variants.ts';

const custom = () => kubeConfig().makeApiClient(k8s.CustomObjectsApi);

let env: IsolatedOperator | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('the scale subresource', () => {
  it('scaled mid-rollout keeps the step, re-splits the pods at the new size and reports the real share', async () => {
    env = await isolatedOperator('scale-rollout');
    const { ns } = env;
    await createModelVariant(ns, 'elastic', { activation: 'relu', replicas: 4, template: modelTemplate(),
      strategy: { steps: [{ setWeight: 10, pause: '1s' }, { setWeight: 25 }] } });
    await waitForStatus(ns, 'elastic', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'elastic', 'gelu');
    const atStep2 = await waitForStatus(ns, 'elastic', 'step 2 at 25%', (s) => s.currentStepIndex === 1 && s.canaryWeight === 25 && s.phase === 'Paused');
    const ref = { group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name: 'elastic' };
    expect(await custom().getNamespacedCustomObjectScale(ref)).toMatchObject({ spec: { replicas: 4 }, status: { replicas: 4, selector: 'activationcanary.io/model=elastic' } });

    // What an HPA does: read /scale, PUT it back with a new spec.replicas.
    const scale = (await custom().getNamespacedCustomObjectScale(ref)) as k8s.V1Scale;
    await custom().replaceNamespacedCustomObjectScale({ ...ref, body: { ...scale, spec: { replicas: 6 } } });
    const resized = await waitForStatus(ns, 'elastic', 'step 2 at 6 replicas', (s) => s.replicas === 6 && s.phase === 'Paused' && s.canaryWeight === 17);
    expect(resized.currentStepIndex).toBe(1);
    expect(resized.rolloutStartedAt).toBe(atStep2.rolloutStartedAt);
    expect(conditionOf(resized, 'TrafficSplitExact')).toMatchObject({ status: 'False', reason: 'CoarseReplicaSplit' });
    expect((await deployment(ns, 'elastic-stable'))?.spec?.replicas).toBe(5);
    expect((await deployment(ns, 'elastic-canary'))?.spec?.replicas).toBe(1);
    const reasons = (await eventsOnceRecorded(ns, 'elastic', ['RolloutStarted'])).map((e) => e.reason);
    expect(reasons.filter((r) => r === 'RolloutStarted')).toHaveLength(1);
    expect(reasons).not.toContain('RolloutRestarted');

    const viaKubectl = JSON.parse(kubectl('get', 'modelvariant/elastic', '-n', ns, '--subresource=scale', '-o', 'json')) as k8s.V1Scale;
    expect(viaKubectl).toMatchObject({ kind: 'Scale', spec: { replicas: 6 }, status: { replicas: 6, selector: 'activationcanary.io/model=elastic' } });
  });

  it('is driven by a HorizontalPodAutoscaler: with no metrics it still raises the ModelVariant to minReplicas', async () => {
    env = await isolatedOperator('scale-hpa');
    const { ns } = env;
    await createModelVariant(ns, 'autoscaled', { activation: 'relu', replicas: 1, template: modelTemplate() });
    await waitForStatus(ns, 'autoscaled', 'Healthy', (s) => s.phase === 'Healthy');

    await kubeConfig().makeApiClient(k8s.AutoscalingV2Api).createNamespacedHorizontalPodAutoscaler({ namespace: ns, body: {
      metadata: { name: 'autoscaled' },
      spec: {
        scaleTargetRef: { apiVersion: API_VERSION, kind: KIND, name: 'autoscaled' },
        minReplicas: 3, maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
      },
    } });
    const generation = await eventually('the HPA sets spec.replicas to 3', async () => {
      const mv = await getModelVariant(ns, 'autoscaled');
      return mv.spec.replicas === 3 ? mv.metadata?.generation : undefined;
    }, 90_000);
    const scaled = await waitForStatus(ns, 'autoscaled', 'Healthy at 3', (s) => s.observedGeneration === generation && s.phase === 'Healthy' && s.replicas === 3);
    expect(scaled.canaryRevision).toBeUndefined();
    expect((await deployment(ns, 'autoscaled-stable'))?.status?.readyReplicas).toBe(3);
    expect((await modelVariantEvents(ns, 'autoscaled')).map((e) => e.reason)).not.toContain('RolloutStarted');
  });
});
