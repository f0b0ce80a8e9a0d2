/**
 * The istio router against the real apiserver with Istio's CRDs (no istiod: the objects are what is
 * checked): in existing mode it writes only the model's weights (plus its header route and mirror while
 * asked) into the user's VirtualService by server-side apply, leaves every other byte as the user wrote
 * it and owns nothing but `spec.http`; it routes by DestinationRule subsets when the VirtualService does;
 * it reports who edited the weights; an admission refusal comes back as a problem with the apiserver's
 * message. In managed mode it creates, repairs and deletes its own VirtualService and never adopts one.
 * What every router does is checked by the shared suite (router-conformance.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { API_VERSION, KIND } from '../../src/api/types.ts';
import { createIstioRouter } from '../../src/traffic/istio.ts';
import { withRouteState, type HttpRoute } from '../../src/traffic/istio-routes.ts';
import type { RouteTarget } from '../../src/traffic/router.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { createModelVariant, modelTemplate } from './support/model-variants.ts';

const objects = () => k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
const vsRef = (namespace: string, name: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace } });
const readVs = async (namespace: string, name: string) => (await objects().read(vsRef(namespace, name))) as unknown as IVirtualService;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** managedFields times have a one-second resolution: writes meant to be ordered are spaced by more. */
const nextSecond = () => sleep(1100);

let ns = '';
beforeAll(async () => {
  ns = await createTestNamespace('istio-router');
});
afterAll(async () => {
  if (ns) await deleteTestNamespace(ns);
});

/** A real ModelVariant (the owner of managed objects must exist, or the garbage collector removes them) and its route target. */
async function model(name: string, istio: Record<string, unknown>): Promise<RouteTarget> {
  const mv = await createModelVariant(ns, name, { activation: 'relu', replicas: 2, template: modelTemplate(), traffic: { provider: 'istio', istio } });
  return {
    namespace: ns, name, stableService: `${name}-stable`, canaryService: `${name}-canary`, port: 8080,
    owner: { apiVersion: API_VERSION, kind: KIND, name, uid: mv.metadata?.uid ?? '' },
  };
}

/** A VirtualService written by a user (field manager `kubectl-create`), with much the operator must not touch. */
async function userVirtualService(name: string, http: HttpRoute[], extra: { ownerReferences?: k8s.V1OwnerReference[] } = {}): Promise<IVirtualService> {
  const body = {
    ...vsRef(ns, name),
    metadata: { name, namespace: ns, labels: { team: 'ml' }, annotations: { 'example.com/owner': 'ml-platform' }, ...extra },
    spec: { hosts: ['api.example.com'], gateways: ['istio-system/public'], exportTo: ['.'], http },
  };
  return (await objects().create(body, undefined, undefined, 'kubectl-create')) as unknown as IVirtualService;
}

/** What `kubectl edit` does to the weights: a merge patch of spec.http by another field manager. */
async function editHttp(name: string, edit: (http: HttpRoute[]) => void): Promise<void> {
  const http = structuredClone((await readVs(ns, name)).spec?.http ?? []);
  edit(http);
  await objects().patch({ ...vsRef(ns, name), spec: { http } }, undefined, undefined, 'kubectl-edit', undefined, k8s.PatchStrategy.MergePatch);
}

function busyHttp(model: string): HttpRoute[] {
  return [
    { name: 'admin', match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'admin.ops.svc.cluster.local' } }], timeout: '3s' },
    {
      name: 'predict',
      match: [{ uri: { prefix: '/v1/predict' } }],
      retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset' },
      timeout: '10s',
      route: [
        { destination: { host: `${model}-stable`, port: { number: 8080 } }, weight: 90, headers: { response: { add: { 'x-role': 'stable' } } } },
        { destination: { host: `${model}-canary.${ns}.svc.cluster.local`, port: { number: 8080 } }, weight: 0 },
        { destination: { host: 'shadow-model' }, weight: 10 },
      ],
    },
    { name: 'fallback', route: [{ destination: { host: 'static-site' } }] },
  ];
}

describe('the istio router on a VirtualService the user keeps', () => {
  it('writes only the model\'s weights, header route and mirror, owns only spec.http, and puts all traffic back on stable when finalized', async () => {
    const t = await model('keeper', { virtualService: 'public' });
    const before = await userVirtualService('public', busyHttp('keeper'));
    const router = createIstioRouter({ virtualService: 'public' }, { objects: objects() });
    expect(await router.reconcile(t)).toBeUndefined();
    expect(await router.getRoutes(t, { stable: 2, canary: 0 })).toEqual({ weight: 0, changedBy: 'kubectl-create' });

    const state = { weight: 20, headerRoute: { name: 'x-variant', value: 'gelu' }, mirrorPercent: 5 };
    expect(await router.setRoutes(t, state)).toBeUndefined();
    const after = await readVs(ns, 'public');
    expect(after.spec?.http).toEqual(withRouteState(before.spec?.http ?? [], t, state));
    const [header, admin, predict, fallback] = after.spec?.http ?? [];
    expect(header).toMatchObject({ name: 'keeper-canary-header', match: [{ uri: { prefix: '/v1/predict' }, headers: { 'x-variant': { exact: 'gelu' } } }] });
    expect(JSON.stringify(admin)).toBe(JSON.stringify(before.spec?.http?.[0]));
    expect(JSON.stringify(fallback)).toBe(JSON.stringify(before.spec?.http?.[2]));
    expect(predict?.route?.map((d) => d.weight)).toEqual([72, 18, 10]);
    const { http: _a, ...specAfter } = after.spec ?? {};
    const { http: _b, ...specBefore } = before.spec ?? {};
    expect(JSON.stringify(specAfter)).toBe(JSON.stringify(specBefore));
    expect(after.metadata?.labels).toEqual({ team: 'ml' });
    expect(after.metadata?.annotations).toEqual({ 'example.com/owner': 'ml-platform' });
    // spec.http is an atomic list in Istio's CRD: the operator owns it whole, and nothing else.
    expect(after.metadata?.managedFields?.filter((m) => m.manager === 'activation-canary').map((m) => [m.operation, m.fieldsV1]))
      .toEqual([['Apply', { 'f:spec': { 'f:http': {} } }]]);
    expect(await router.getRoutes(t, { stable: 2, canary: 1 })).toEqual({ weight: 20, headerRoute: { name: 'x-variant', value: 'gelu' }, mirrorPercent: 5 });

    // A second identical write changes nothing (no new resourceVersion).
    expect(await router.setRoutes(t, state)).toBeUndefined();
    expect((await readVs(ns, 'public')).metadata?.resourceVersion).toBe(after.metadata?.resourceVersion);

    await router.finalize(t);
    await router.finalize(t);
    const final = await readVs(ns, 'public');
    expect(final.spec?.http?.map((r) => r.name)).toEqual(['admin', 'predict', 'fallback']);
    expect(final.spec?.http?.[1]?.route?.map((d) => d.weight)).toEqual([90, 0, 10]);
    expect(final.spec?.http?.[1]?.mirror).toBeUndefined();
    expect(await router.getRoutes(t, { stable: 2, canary: 0 })).toEqual({ weight: 0 });
  });

  it('names who edited the weights by hand, until the operator writes them again', async () => {
    const t = await model('edited', { virtualService: 'edited' });
    await userVirtualService('edited', busyHttp('edited'));
    const router = createIstioRouter({ virtualService: 'edited' }, { objects: objects() });
    expect(await router.setRoutes(t, { weight: 10 })).toBeUndefined();
    expect(await router.getRoutes(t, { stable: 2, canary: 1 })).toEqual({ weight: 10 });
    await nextSecond();
    await editHttp('edited', (http) => {
      const route = http[1]?.route ?? [];
      if (route[0] && route[1]) [route[0].weight, route[1].weight] = [45, 45];
    });
    expect(await router.getRoutes(t, { stable: 2, canary: 1 })).toEqual({ weight: 50, changedBy: 'kubectl-edit' });
    await nextSecond();
    expect(await router.setRoutes(t, { weight: 10 })).toBeUndefined();
    expect(await router.getRoutes(t, { stable: 2, canary: 1 })).toEqual({ weight: 10 });
  });

  it('routes by the subsets of a DestinationRule, and says what the DestinationRule lacks', async () => {
    const t = await model('subsets', { virtualService: 'subsets' });
    await userVirtualService('subsets', [{ route: [
      { destination: { host: 'subsets', subset: 'stable' }, weight: 100 },
      { destination: { host: 'subsets', subset: 'canary' }, weight: 0 },
    ] }]);
    const router = createIstioRouter({ virtualService: 'subsets' }, { objects: objects() });
    expect(await router.reconcile(t)).toMatchObject({ code: 'NoRuleForModel', message: expect.stringContaining(`no DestinationRule in ${ns} has host subsets`) });

    const rule = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'subsets', namespace: ns },
      spec: { host: `subsets.${ns}.svc.cluster.local`, subsets: [{ name: 'stable', labels: { 'activationcanary.io/role': 'stable' } }] } };
    await objects().create(rule);
    expect(await router.reconcile(t)).toEqual({
      code: 'NoRuleForModel',
      message: `DestinationRule ${ns}/subsets (host subsets): add the subset {name: canary, labels: {activationcanary.io/role: canary}}`,
    });
    await objects().patch({ ...rule, spec: { subsets: [...rule.spec.subsets, { name: 'canary', labels: { 'activationcanary.io/role': 'canary' } }] } },
      undefined, undefined, 'kubectl-edit', undefined, k8s.PatchStrategy.MergePatch);
    expect(await router.reconcile(t)).toBeUndefined();

    expect(await router.setRoutes(t, { weight: 30, mirrorPercent: 50 })).toBeUndefined();
    expect((await readVs(ns, 'subsets')).spec?.http?.[0]).toEqual({
      route: [{ destination: { host: 'subsets', subset: 'stable' }, weight: 70 }, { destination: { host: 'subsets', subset: 'canary' }, weight: 30 }],
      mirror: { host: 'subsets', subset: 'canary' },
      mirrorPercentage: { value: 50 },
    });
    expect(await router.getRoutes(t, { stable: 2, canary: 1 })).toEqual({ weight: 30, mirrorPercent: 50 });
  });

  it('reports a missing VirtualService, a route without the canary, and a VirtualService of another ModelVariant', async () => {
    const t = await model('problems', { virtualService: 'problems' });
    const router = createIstioRouter({ virtualService: 'problems' }, { objects: objects() });
    expect(await router.reconcile(t)).toMatchObject({ code: 'RouteNotFound', message: expect.stringContaining(`VirtualService ${ns}/problems not found (traffic.istio.virtualService)`) });
    expect(await router.getRoutes(t, { stable: 2, canary: 0 })).toMatchObject({ code: 'RouteNotFound' });
    expect(await router.setRoutes(t, { weight: 5 })).toMatchObject({ code: 'RouteNotFound' });
    await router.finalize(t);

    await userVirtualService('problems', [{ name: 'main', route: [{ destination: { host: 'problems-stable' }, weight: 100 }] }]);
    expect(await router.setRoutes(t, { weight: 5 })).toEqual({
      code: 'NoRuleForModel',
      message: `VirtualService ${ns}/problems: http[0] (main) routes to problems-stable but not to the canary: add the destination {host: problems-canary, weight: 0} to it`,
    });

    const other = await model('other', { virtualService: 'claimed' });
    await userVirtualService('claimed', busyHttp('problems'), { ownerReferences: [{ apiVersion: API_VERSION, kind: KIND, name: 'other', uid: other.owner.uid }] });
    const claimed = createIstioRouter({ virtualService: 'claimed' }, { objects: objects() });
    expect(await claimed.reconcile(t)).toMatchObject({ code: 'OwnedByAnother', message: expect.stringContaining(`belongs to ModelVariant ${ns}/other (uid ${other.owner.uid}), not to ModelVariant ${ns}/problems`) });
  });

  it('passes an admission refusal on as Rejected with the apiserver\'s message', async () => {
    const t = await model('frozen', { virtualService: 'frozen' });
    await userVirtualService('frozen', busyHttp('frozen'));
    const admission = objects();
    const policy = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: `${ns}-freeze` },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: ['networking.istio.io'], apiVersions: ['*'], operations: ['UPDATE'], resources: ['virtualservices'] }] },
        // Only this object: a policy takes a moment to go away once deleted.
        validations: [{ expression: "object.metadata.name != 'frozen'", message: 'VirtualServices are change-frozen this week' }],
      } };
    const binding = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: `${ns}-freeze` },
      spec: { policyName: `${ns}-freeze`, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } } } };
    await admission.create(policy);
    await admission.create(binding);
    try {
      const router = createIstioRouter({ virtualService: 'frozen' }, { objects: objects() });
      let weight = 0;
      const problem = await eventually('the policy to refuse the write', async () => router.setRoutes(t, { weight: ++weight }), 30_000);
      expect(problem).toMatchObject({ code: 'Rejected', message: expect.stringContaining('VirtualServices are change-frozen this week') });
      expect(problem.message).toMatch(/^the apiserver refused updating VirtualService .*\/frozen \(HTTP 422\): /);
    } finally {
      await admission.delete(binding).catch(() => undefined);
      await admission.delete(policy).catch(() => undefined);
    }
  });
});

describe('the istio router with a VirtualService of its own', () => {
  it('creates it with its owner, labels, hosts and gateways, puts it back when edited, and deletes it when finalized', async () => {
    const spec = { hosts: ['managed.example.com'], gateways: ['istio-system/public'] };
    const t = await model('managed', spec);
    const router = createIstioRouter(spec, { objects: objects() });
    expect(await router.reconcile(t)).toBeUndefined();
    const created = await readVs(ns, 'managed');
    expect(created.metadata?.ownerReferences).toEqual([{ apiVersion: API_VERSION, kind: KIND, name: 'managed', uid: t.owner.uid, controller: true, blockOwnerDeletion: true }]);
    expect(created.metadata?.labels).toEqual({ 'activationcanary.io/model': 'managed', 'app.kubernetes.io/managed-by': 'activation-canary' });
    expect(created.spec).toEqual({
      hosts: ['managed.example.com'], gateways: ['istio-system/public'],
      http: [{ route: [
        { destination: { host: `managed-stable.${ns}.svc.cluster.local`, port: { number: 8080 } }, weight: 100 },
        { destination: { host: `managed-canary.${ns}.svc.cluster.local`, port: { number: 8080 } }, weight: 0 },
      ] }],
    });
    expect(await router.getRoutes(t, { stable: 2, canary: 0 })).toEqual({ weight: 0 });
    // At rest, reconciling writes nothing.
    expect(await router.reconcile(t)).toBeUndefined();
    expect((await readVs(ns, 'managed')).metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

    const state = { weight: 25, headerRoute: { name: 'x-variant', value: 'canary' }, mirrorPercent: 10 };
    expect(await router.setRoutes(t, state)).toBeUndefined();
    expect(await router.getRoutes(t, { stable: 2, canary: 1 })).toEqual(state);
    expect((await readVs(ns, 'managed')).spec?.http?.[0]).toEqual({
      name: 'managed-canary-header', match: [{ headers: { 'x-variant': { exact: 'canary' } } }],
      route: [{ destination: { host: `managed-canary.${ns}.svc.cluster.local`, port: { number: 8080 } }, weight: 100 }],
    });

    // Someone edits the hosts and the weights: the hosts are repaired at once, the weights reported.
    await nextSecond();
    await objects().patch({ ...vsRef(ns, 'managed'), spec: { hosts: ['elsewhere.example.com'] } }, undefined, undefined, 'kubectl-edit', undefined, k8s.PatchStrategy.MergePatch);
    await editHttp('managed', (http) => {
      const route = http[1]?.route ?? [];
      if (route[0] && route[1]) [route[0].weight, route[1].weight] = [50, 50];
    });
    expect(await router.reconcile(t)).toBeUndefined();
    const repaired = await readVs(ns, 'managed');
    expect(repaired.spec?.hosts).toEqual(['managed.example.com']);
    expect(await router.getRoutes(t, { stable: 2, canary: 1 })).toEqual({ ...state, weight: 50, changedBy: 'kubectl-edit' });

    await router.finalize(t);
    await router.finalize(t);
    await expect(readVs(ns, 'managed')).rejects.toMatchObject({ code: 404 });
  });

  it('never adopts a VirtualService of that name it did not create', async () => {
    const t = await model('taken', { hosts: ['taken.example.com'] });
    const before = await userVirtualService('taken', busyHttp('taken'));
    const router = createIstioRouter({ hosts: ['taken.example.com'] }, { objects: objects() });
    expect(await router.reconcile(t)).toMatchObject({ code: 'OwnedByAnother', message: expect.stringContaining(`VirtualService ${ns}/taken belongs to no ModelVariant (it has no ownerReference)`) });
    expect(await router.setRoutes(t, { weight: 50 })).toMatchObject({ code: 'OwnedByAnother' });
    expect(await router.getRoutes(t, { stable: 2, canary: 0 })).toMatchObject({ code: 'OwnedByAnother' });
    await router.finalize(t);
    expect((await readVs(ns, 'taken')).metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });
});
