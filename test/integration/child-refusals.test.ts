/**
 * A child the apiserver refuses is reported in status, and the report clears once the apiserver accepts
 * it: a ResourceQuota of one Service in the namespace refuses two of the ModelVariant's three Services
 * (the same path a full service IP range takes: a create the apiserver answers with an error), so
 * `ChildrenReconciled` turns False with reason `ChildRejected` and the apiserver's words; raising the
 * quota wakes the ModelVariant (no resync needed: the operator's resync is left at 5 minutes) and the
 * condition turns True with every Service created.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { conditionOf, createModelVariant, eventReasonsIncluding, modelTemplate, waitForStatus } from './support/model-variants.ts';

const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);
const QUOTA = 'services';

let ns: string;
let operator: RunningOperator;

beforeAll(async () => {
  ns = await createTestNamespace('child-refusals');
  await core().createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: QUOTA }, spec: { hard: { services: '1' } } } });
  // The quota controller fills in status.used; until then the apiserver refuses every Service of the namespace.
  await eventually('quota counted', async () => ((await core().readNamespacedResourceQuota({ namespace: ns, name: QUOTA })).status?.used ? true : undefined));
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
});

describe('children the apiserver refuses', () => {
  it('reports a refused Service in ChildrenReconciled with the apiserver\'s message, and clears it once the quota allows it', async () => {
    await createModelVariant(ns, 'quota', { activation: 'relu', replicas: 1, template: modelTemplate() });
    const refused = await waitForStatus(ns, 'quota', 'ChildrenReconciled=False', (s) => conditionOf(s, 'ChildrenReconciled')?.status === 'False');
    const condition = conditionOf(refused, 'ChildrenReconciled');
    console.log(`ChildrenReconciled=False: ${condition?.message}`);
    expect(condition?.reason).toBe('ChildRejected');
    // The apiserver's own words, on one line, each refusal's cut to 200 characters.
    expect(condition?.message).toMatch(/^the apiserver refused Service quota(-stable|-canary)? \(HTTP 403\): .*exceeded quota: services/);
    for (const part of condition?.message?.split('; ') ?? []) expect(part.replace(/^.*?\(HTTP \d+\): /, '').length).toBeLessThanOrEqual(200);
    expect(condition?.message).not.toMatch(/\n/);
    expect(await eventReasonsIncluding(ns, 'quota', ['ChildRejected'])).toContain('ChildRejected');

    await core().patchNamespacedResourceQuota({ namespace: ns, name: QUOTA, body: { spec: { hard: { services: '10' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    const accepted = await waitForStatus(ns, 'quota', 'ChildrenReconciled=True', (s) => conditionOf(s, 'ChildrenReconciled')?.status === 'True', 20_000);
    expect(conditionOf(accepted, 'ChildrenReconciled')?.reason).toBe('ChildrenReconciled');
    const services = (await core().listNamespacedService({ namespace: ns })).items.map((s) => s.metadata?.name).sort();
    expect(services).toEqual(['quota', 'quota-canary', 'quota-stable']);
  });
});
