/**
 * The apiserver's audit log tells who asked for what: an operator started under a user of its own is
 * counted apart from the test that drives it and from the other test files sharing the control plane,
 * by verb and resource, in a window of time; the control plane's own components are not recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { KCM_USER, KWOK_USER, SCHEDULER_USER } from '../harness/audit-policy.ts';
import { countRequests, countWrites, readAuditEvents } from '../harness/audit.ts';
import { createTestNamespace, deleteTestNamespace, kubeConfig, kubeConfigFor } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { ADMIN_USER } from '../harness/pki.ts';
import { createModelVariant, gpuTemplate, waitForStatus } from './support/model-variants.ts';

let ns: string;
let operator: RunningOperator | undefined;
let from: number;

beforeAll(async () => {
  from = Date.now();
  ns = await createTestNamespace('audit');
});
afterAll(async () => {
  await operator?.kill();
  await deleteTestNamespace(ns);
});

describe('counting apiserver requests by client', () => {
  it('records an operator\'s requests under its own user, apart from the test\'s', async () => {
    operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'], user: `audit-operator-${ns}` });
    await createModelVariant(ns, 'counted', { activation: 'relu', replicas: 1, template: gpuTemplate(1) });
    await waitForStatus(ns, 'counted', 'Healthy', (s) => s.phase === 'Healthy');

    const writes = await countWrites({ user: operator.user, namespace: ns });
    expect(Object.keys(writes)).toEqual(expect.arrayContaining([expect.stringMatching(/^(patch|update) modelvariants\/status$/), expect.stringMatching(/^(create|patch|update) deployments$/)]));
    expect(writes['create modelvariants']).toBeUndefined();
    const reads = await countRequests({ user: operator.user, verbs: ['list', 'watch'] });
    expect(Object.keys(reads)).toEqual(expect.arrayContaining([expect.stringMatching(/ modelvariants$/)]));
    expect(await countRequests({ user: ADMIN_USER, namespace: ns, resources: ['modelvariants'], verbs: ['create'] })).toEqual({ 'create modelvariants': 1 });
    await operator.stop();
  });

  it('counts the requests of a window of time, and sees a request as soon as it has completed', async () => {
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before' } } });
    const t = Date.now();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' } } });
    await core.readNamespacedConfigMap({ namespace: ns, name: 'after' });
    const window = { user: ADMIN_USER, namespace: ns, resources: ['configmaps'] };
    expect(await countRequests({ ...window, since: t })).toEqual({ 'create configmaps': 1, 'get configmaps': 1 });
    expect(await countRequests({ ...window, until: t })).toEqual({ 'create configmaps': 1 });
    const [created] = await readAuditEvents({ ...window, since: t, verbs: ['create'] });
    expect(created).toEqual(expect.objectContaining({ user: ADMIN_USER, verb: 'create', resource: 'configmaps', namespace: ns, name: 'after', code: 201 }));
    expect(created?.completedAt).toBeGreaterThanOrEqual(created?.receivedAt ?? Infinity);
  });

  it('gives a test a user of its own, whose requests are counted under that name', async () => {
    const user = `reader-${ns}`;
    const core = kubeConfigFor(user).makeApiClient(k8s.CoreV1Api);
    await core.listNamespacedPod({ namespace: ns });
    await core.listNamespacedPod({ namespace: ns });
    expect(await countRequests({ user })).toEqual({ 'list pods': 2 });
  });

  it('does not record the control plane\'s components, which run under users of their own', async () => {
    // The operator's pod was scheduled, started by kwok and its Deployment run by kube-controller-manager...
    const pods = await kubeConfig().makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: ns });
    expect(pods.items.some((p) => p.status?.phase === 'Running')).toBe(true);
    // ...and none of it is in the log.
    expect(await readAuditEvents({ user: [KWOK_USER, KCM_USER, SCHEDULER_USER], since: from })).toEqual([]);
    const users = new Set((await readAuditEvents({ namespace: ns, since: from })).map((e) => e.user));
    expect([...users].filter((u) => u.startsWith('system:'))).toEqual([]);
  });
});
