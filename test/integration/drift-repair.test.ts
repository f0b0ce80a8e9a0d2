/**
 * The children of a ModelVariant stay as the operator built them, on the real control plane: a
 * `kubectl scale`, an edited Service selector, a deleted Service and a hand-set image are undone
 * (with a `ChildRepaired` Event where something was changed back); an object of the same name that
 * the ModelVariant does not own is never adopted; and a child the apiserver refuses is reported in
 * the apiserver's words, once, without a retry loop. Each test runs its own operator in its own
 * namespace.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../src/api/types.ts';
import { eventually, kubeConfig } from '../harness/env.ts';
import { isolatedOperator, kubectl, reconcileCount, type IsolatedOperator } from './support/isolated-operator.ts';
import {
  eventsOnceRecorded, activationOf, conditionOf, createModelVariant, deployment, getModelVariant, imageOf, modelTemplate, modelVariantEvents, patchModelVariant, waitForStatus,
} from './support/model-variants.ts';

const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);
const apps = () => kubeConfig().makeApiClient(k8s.AppsV1Api);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const IMAGE = 'example.com/model-server:1.0';

let env: IsolatedOperator | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

/** A Healthy ModelVariant `name` with 2 replicas in a namespace of its own, with its operator. */
async function healthyModel(prefix: string, name: string): Promise<string> {
  env = await isolatedOperator(prefix);
  await createModelVariant(env.ns, name, { activation: 'relu', replicas: 2, template: modelTemplate({ image: IMAGE }) });
  await waitForStatus(env.ns, name, 'Healthy', (s) => s.phase === 'Healthy');
  return env.ns;
}

/**
 * Waits until the stable Deployment is back at `replicas` with `count` ChildRepaired events; on a
 * timeout the error gives what was last seen and the tail of the operator's log.
 */
async function repairedBack(ns: string, name: string, replicas: number, count: number, what: string): Promise<void> {
  try {
    await eventually(what, async () => {
      const [d, seen] = await Promise.all([deployment(ns, `${name}-stable`), repairs(ns, name)]);
      if (d?.spec?.replicas === replicas && seen.length === count) return true;
      throw new Error(`replicas ${d?.spec?.replicas}, ChildRepaired events ${JSON.stringify(seen)}`);
    }, 30_000);
  } catch (err) {
    throw new Error(`${String(err)}\noperator log tail:\n${env?.operator.logs().slice(-6000)}`, { cause: err });
  }
}

async function repairs(ns: string, name: string): Promise<string[]> {
  return (await modelVariantEvents(ns, name)).filter((e) => e.reason === 'ChildRepaired').map((e) => e.message);
}

async function service(ns: string, name: string): Promise<k8s.V1Service | undefined> {
  try {
    return await core().readNamespacedService({ namespace: ns, name });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

describe('drift', () => {
  it('undoes kubectl scale and a PUT to /scale of the stable Deployment, each with a ChildRepaired event, and then rests', async () => {
    const ns = await healthyModel('drift-scale', 'scaled');
    kubectl('scale', 'deployment/scaled-stable', '--replicas=6', '-n', ns);
    await repairedBack(ns, 'scaled', 2, 1, 'stable back at 2 replicas after kubectl scale');
    expect((await repairs(ns, 'scaled'))[0]).toMatch(/^repaired Deployment scaled-stable \(changed by kubectl[^)]*\(scale\)\)/);

    // Sent without the resourceVersion it read, as an unconditional update: the Deployment's status still
    // moves after the first repair (pods leaving), and a conditional PUT lost that race with a 409.
    const scale = await apps().readNamespacedDeploymentScale({ namespace: ns, name: 'scaled-stable' });
    const unconditional = { ...scale, metadata: { ...scale.metadata, resourceVersion: undefined }, spec: { replicas: 5 } };
    await apps().replaceNamespacedDeploymentScale({ namespace: ns, name: 'scaled-stable', body: unconditional, fieldManager: 'an-autoscaler' });
    await repairedBack(ns, 'scaled', 2, 2, 'stable back at 2 replicas after PUT /scale');
    expect((await repairs(ns, 'scaled'))[1]).toContain('an-autoscaler (scale)');

    await waitForStatus(ns, 'scaled', 'Healthy at 2/2', (s) => s.phase === 'Healthy' && conditionOf(s, 'Available')?.message === '2/2 serving replicas ready');
    await sleep(3000);
    expect(await repairs(ns, 'scaled')).toHaveLength(2);
  });

  it('restores an edited selector of the <name> Service', async () => {
    const ns = await healthyModel('drift-selector', 'routed');
    kubectl('patch', 'service/routed', '-n', ns, '--type=merge', '-p', JSON.stringify({ spec: { selector: { 'activationcanary.io/model': 'elsewhere' } } }));
    const restored = await eventually('selector restored', async () => {
      const svc = await service(ns, 'routed');
      return svc?.spec?.selector?.['activationcanary.io/model'] === 'routed' ? svc : undefined;
    }, 30_000);
    expect(restored.spec?.selector).toEqual({ 'activationcanary.io/model': 'routed' });
    expect((await eventsOnceRecorded(ns, 'routed', ['ChildRepaired'])).filter((e) => e.reason === 'ChildRepaired').map((e) => e.message)).toEqual([expect.stringMatching(/^repaired Service routed \(changed by kubectl-patch\)/)]);
  });

  it('re-creates a deleted <name>-canary Service, owned by the ModelVariant', async () => {
    const ns = await healthyModel('drift-service', 'gone');
    const uid = (await getModelVariant(ns, 'gone')).metadata?.uid;
    kubectl('delete', 'service/gone-canary', '-n', ns);
    const back = await eventually('gone-canary re-created', async () => service(ns, 'gone-canary'), 30_000);
    expect(back.metadata?.ownerReferences?.map((r) => r.uid)).toEqual([uid]);
    expect(back.spec?.selector).toEqual({ 'activationcanary.io/model': 'gone', 'activationcanary.io/role': 'canary' });
  });

  it('reverts an image set by hand on <name>-stable, keeping the activation', async () => {
    const ns = await healthyModel('drift-image', 'pinned');
    kubectl('set', 'image', 'deployment/pinned-stable', 'server=example.com/hotfix:666', '-n', ns);
    const reverted = await eventually('image reverted', async () => {
      const d = await deployment(ns, 'pinned-stable');
      return imageOf(d) === IMAGE ? d : undefined;
    }, 30_000);
    expect(activationOf(reverted)).toBe('relu');
    expect((await eventsOnceRecorded(ns, 'pinned', ['ChildRepaired'])).filter((e) => e.reason === 'ChildRepaired').map((e) => e.message)).toEqual([expect.stringMatching(/^repaired Deployment pinned-stable \(changed by kubectl-set\)/)]);
    await waitForStatus(ns, 'pinned', 'Healthy', (s) => s.phase === 'Healthy');
  });
});

describe('objects the ModelVariant does not own', () => {
  it('leaves a <name>-stable Service owned by nobody and a <name>-canary Service owned by another object untouched, and says so in ChildrenReconciled', async () => {
    env = await isolatedOperator('never-adopt');
    const { ns, operator } = env;
    const theirs = await core().createNamespacedService({ namespace: ns, body: {
      metadata: { name: 'claimed-stable', labels: { team: 'theirs' } },
      spec: { selector: { app: 'theirs' }, ports: [{ port: 80, targetPort: 9090 }] },
    } });
    const owner = await core().createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner' } } });
    // Labelled as if it were ours, so it is in the operator's cache: the owner reference still decides.
    const lookalike = await core().createNamespacedService({ namespace: ns, body: {
      metadata: { name: 'claimed-canary', labels: { 'app.kubernetes.io/managed-by': 'activation-canary', 'activationcanary.io/model': 'claimed' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata?.uid ?? '' }] },
      spec: { selector: { app: 'lookalike' }, ports: [{ port: 81, targetPort: 9091 }] },
    } });

    await createModelVariant(ns, 'claimed', { activation: 'relu', replicas: 1, template: modelTemplate() });
    const status = await waitForStatus(ns, 'claimed', 'ChildrenReconciled=False', (s) => conditionOf(s, 'ChildrenReconciled')?.status === 'False');
    const message = conditionOf(status, 'ChildrenReconciled')?.message ?? '';
    expect(conditionOf(status, 'ChildrenReconciled')?.reason).toBe('ChildNotOwned');
    expect(message).toContain('Service claimed-stable exists and is not owned by this ModelVariant');
    expect(message).toContain('Service claimed-canary exists and is not owned by this ModelVariant');
    expect((await eventsOnceRecorded(ns, 'claimed', ['ChildNotOwned'])).filter((e) => e.reason === 'ChildNotOwned')).toHaveLength(1);

    // What the operator does own it still builds: the model's Service and the stable Deployment serve.
    await waitForStatus(ns, 'claimed', 'Healthy', (s) => s.phase === 'Healthy');
    expect((await service(ns, 'claimed'))?.metadata?.ownerReferences?.[0]?.kind).toBe(KIND);
    const before = await reconcileCount(operator);
    await sleep(5000);
    expect(await reconcileCount(operator) - before).toBeLessThan(5);
    for (const original of [theirs, lookalike]) {
      const now = await service(ns, original.metadata?.name ?? '');
      expect(now?.metadata?.resourceVersion).toBe(original.metadata?.resourceVersion);
      expect(now?.metadata?.ownerReferences).toEqual(original.metadata?.ownerReferences);
      expect(now?.spec?.selector).toEqual(original.spec?.selector);
    }
  });

  it('cannot be made by naming a ModelVariant like another one\'s child: foo-stable is refused by the apiserver', async () => {
    env = await isolatedOperator('child-name');
    const custom = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    const refused = await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: env.ns,
      body: { apiVersion: API_VERSION, kind: KIND, metadata: { name: 'foo-stable' }, spec: { activation: 'relu', template: modelTemplate() } } })
      .then(() => undefined, (err: unknown) => err as k8s.ApiException<string>);
    expect(refused?.code).toBe(422);
    expect(String(refused?.body)).toContain('metadata.name must not end in -stable or -canary');
  });
});

describe('a child the apiserver refuses', () => {
  it('is reported in ChildrenReconciled and a ChildRejected event in the apiserver\'s words, without a retry loop', async () => {
    env = await isolatedOperator('child-rejected');
    const { ns, operator } = env;
    await createModelVariant(ns, 'greedy', { activation: 'relu', replicas: 1, template: modelTemplate({ limits: { cpu: 'lots' } }) });
    const status = await waitForStatus(ns, 'greedy', 'ChildrenReconciled=False', (s) => conditionOf(s, 'ChildrenReconciled')?.status === 'False');
    const condition = conditionOf(status, 'ChildrenReconciled');
    expect(condition?.reason).toBe('ChildRejected');
    expect(condition?.message).toMatch(/^the apiserver refused Deployment greedy-stable \(HTTP 4\d\d\): .*quantities must match the regular expression/);
    expect(conditionOf(status, 'SpecValid')?.status).toBe('True');
    const rejected = (await eventsOnceRecorded(ns, 'greedy', ['ChildRejected'])).filter((e) => e.reason === 'ChildRejected');
    expect(rejected.map((e) => e.message)).toEqual([condition?.message]);
    expect(await deployment(ns, 'greedy-stable')).toBeUndefined();

    const before = await reconcileCount(operator);
    await sleep(5000);
    expect(await reconcileCount(operator) - before).toBeLessThan(5);
    expect((await modelVariantEvents(ns, 'greedy')).filter((e) => e.reason === 'ChildRejected')).toHaveLength(1);
  });

  it('is replaced by the corrected template when nothing ever served: stable runs it, with no canary', async () => {
    env = await isolatedOperator('child-corrected');
    const { ns } = env;
    const strategy = { steps: [{ setWeight: 50, pause: '1s' }], progressDeadline: '15s' };
    await createModelVariant(ns, 'fixed', { activation: 'relu', replicas: 2, template: modelTemplate({ limits: { cpu: 'lots' } }), strategy });
    await waitForStatus(ns, 'fixed', 'ChildrenReconciled=False', (s) => conditionOf(s, 'ChildrenReconciled')?.status === 'False');

    await patchModelVariant(ns, 'fixed', { spec: { template: modelTemplate({ limits: { cpu: '1' } }) } });
    const settled = await waitForStatus(ns, 'fixed', 'Healthy (or Degraded)', (s) => s.phase === 'Healthy' || s.phase === 'Degraded');
    expect({ phase: settled.phase, message: settled.message }).toEqual({ phase: 'Healthy', message: 'stable relu serving' });
    expect(conditionOf(settled, 'ChildrenReconciled')?.status).toBe('True');
    expect((await deployment(ns, 'fixed-stable'))?.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({ cpu: '1' });
    expect(await deployment(ns, 'fixed-canary')).toBeUndefined();
  });
});
