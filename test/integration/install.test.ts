/**
 * The install, against the real apiserver (RBAC on): the chart passes `helm lint`; rendered with its
 * default values and with watchNamespace set it applies server-side, and its pods are admitted under
 * the restricted Pod Security Standard; its ServiceAccount may make every API call the operator makes
 * and nothing else we can think of (SubjectAccessReviews, with the groups a real token carries); and
 * the operator itself, run with the Deployment's own args and a token of that ServiceAccount, takes
 * a ModelVariant to Healthy and through a canary, which proves the rules are enough. `helm install`
 * works and `helm uninstall` leaves the CRD. deploy/ and the chart's copy of the CRD are what
 * scripts/gen-deploy.ts generates, and docs/install.md lists every value. Every release has its own
 * name, so its cluster-scoped objects do not collide with another test's, and is removed afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { REPO_ROOT } from '../harness/binaries.ts';
import { clusterState, createTestNamespace, deleteTestNamespace, eventually, kubeConfig, scratchDir } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { CHART, documents, helmBin, kubectl, kubectlBin, run, template } from './support/chart.ts';
import { createModelVariant, eventReasonsIncluding, gpuTemplate, setActivation, waitForStatus } from './support/model-variants.ts';
import { enforceRestricted } from './support/pod-security.ts';

let helm: string;

/** A helm release rendered and applied server-side, as `helm install` would create it. */
interface Install {
  release: string;
  namespace: string;
  serviceAccount: string;
  objects: k8s.KubernetesObject[];
  /** The operator container of the rendered Deployment. */
  container: k8s.V1Container;
  /** kubectl's stderr: Pod Security warnings would be here. */
  applyWarnings: string;
}

/** Releases whose cluster-scoped objects afterAll removes (by their instance label). */
const releases: string[] = [];
const namespaces: string[] = [];
const operators: RunningOperator[] = [];

async function install(prefix: string, set: Record<string, string> = {}): Promise<Install> {
  const namespace = await newNamespace(prefix);
  // The restricted Pod Security Standard: the operator's pods must be admitted under it (enforce), and
  // the Deployment must not even draw a warning (warn applies to workload objects, enforce to pods).
  enforceRestricted(namespace);
  const release = `${prefix}-${Math.random().toString(36).slice(2, 7)}`;
  const rendered = template(release, namespace, set);
  const objects = documents(rendered);
  const deployment = objects.find((o) => o.kind === 'Deployment') as k8s.V1Deployment;
  const container = deployment.spec?.template.spec?.containers[0] as k8s.V1Container;
  const applied = spawnSync(kubectlBin(), [`--kubeconfig=${clusterState().kubeconfig}`, 'apply', '--server-side', '--field-manager=helm', '-f', '-'],
    { input: rendered, encoding: 'utf8' });
  if (applied.status !== 0) throw new Error(`kubectl apply of release ${release} failed:\n${applied.stderr}`);
  const inst: Install = {
    release, namespace, objects, container, applyWarnings: applied.stderr,
    serviceAccount: String(objects.find((o) => o.kind === 'ServiceAccount')?.metadata?.name),
  };
  releases.push(release);
  return inst;
}

async function newNamespace(prefix: string): Promise<string> {
  const ns = await createTestNamespace(prefix);
  namespaces.push(ns);
  return ns;
}

/** One API call; `resource` is `group/plural[/subresource]`, the core group empty (`/pods`). */
interface Call { verb: string; resource: string; namespace?: string; name?: string }
const describeCall = (c: Call) => `${c.verb} ${c.resource}${c.name ? `:${c.name}` : ''}${c.namespace ? ` in ${c.namespace}` : ' (all namespaces)'}`;

/** Asks the apiserver whether the ServiceAccount may make `call`, with the groups its tokens carry. */
async function allowed(inst: Install, call: Call): Promise<boolean> {
  const authz = kubeConfig().makeApiClient(k8s.AuthorizationV1Api);
  const [group = '', resource = '', subresource] = call.resource.split('/');
  const review = await authz.createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: {
        user: `system:serviceaccount:${inst.namespace}:${inst.serviceAccount}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${inst.namespace}`, 'system:authenticated'],
        resourceAttributes: { verb: call.verb, group, resource, ...(subresource ? { subresource } : {}),
          ...(call.namespace ? { namespace: call.namespace } : {}), ...(call.name ? { name: call.name } : {}) },
      },
    },
  });
  return review.status?.allowed === true;
}

/** The calls of `calls` the ServiceAccount may make (or may not, with `want` false). */
async function callsWhere(inst: Install, calls: Call[], want: boolean): Promise<string[]> {
  const answers = await Promise.all(calls.map(async (c) => ((await allowed(inst, c)) === want ? describeCall(c) : undefined)));
  return answers.filter((x): x is string => x !== undefined);
}

const verbs = (list: string, resource: string, namespace?: string, name?: string): Call[] =>
  list.split(' ').map((verb) => ({ verb, resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) }));

/**
 * Every call the operator makes in a namespace it watches (src/controller/, src/kube/), plus the
 * traffic providers' rules. Resources are `group/plural[/subresource]`; the core group is empty.
 */
function namespacedCalls(ns: string): Call[] {
  return [
    ...verbs('get list watch', 'activationcanary.io/modelvariants', ns),
    ...verbs('get update patch', 'activationcanary.io/modelvariants/status', ns),
    ...verbs('update', 'activationcanary.io/modelvariants/finalizers', ns),
    ...verbs('get list watch create update patch delete', 'apps/deployments', ns),
    ...verbs('get list watch create update patch', '/services', ns),
    ...verbs('get list watch create patch delete', 'apps/controllerrevisions', ns),
    ...verbs('list watch', '/resourcequotas', ns),
    ...verbs('get list watch', '/pods', ns),
    ...verbs('create patch', '/events', ns),
    ...verbs('get', '/secrets', ns),
    ...verbs('get list watch create update patch delete', 'gateway.networking.k8s.io/httproutes', ns),
    ...verbs('get list watch create update patch delete', 'networking.istio.io/virtualservices', ns),
    ...verbs('get list watch', 'networking.istio.io/destinationrules', ns),
  ];
}

/** The informers' cluster-wide lists and watches (no watchNamespace). */
const clusterWideCalls: Call[] = [
  ...verbs('list watch', 'activationcanary.io/modelvariants'),
  ...verbs('list watch', 'apps/deployments'),
  ...verbs('list watch', '/services'),
  ...verbs('list watch', 'apps/controllerrevisions'),
  ...verbs('list watch', '/resourcequotas'),
];

/** GPU capacity: every node and every pod, whatever the install mode. */
const capacityCalls: Call[] = [...verbs('get list watch', '/nodes'), ...verbs('list watch', '/pods')];

const leaseName = (inst: Install) => inst.container.args?.find((a) => a.startsWith('--leader-election-id='))?.split('=')[1] ?? '';
const leaseCalls = (inst: Install): Call[] =>
  [...verbs('create', 'coordination.k8s.io/leases', inst.namespace), ...verbs('get update', 'coordination.k8s.io/leases', inst.namespace, leaseName(inst))];

/** What the operator must never be able to do, in a namespace it watches. */
function forbiddenCalls(inst: Install, ns: string): Call[] {
  return [
    // The spec belongs to Git (Argo CD): the operator writes status only.
    ...verbs('create update patch delete deletecollection', 'activationcanary.io/modelvariants', ns),
    ...verbs('list watch create update patch delete', '/secrets', ns),
    ...verbs('get list', '/configmaps', ns),
    ...verbs('create update patch delete', '/pods', ns),
    ...verbs('create', '/pods/exec', ns),
    ...verbs('delete deletecollection', '/services', ns),
    ...verbs('deletecollection', 'apps/deployments', ns),
    ...verbs('delete', '/events', ns),
    ...verbs('create update patch delete', 'networking.istio.io/destinationrules', ns),
    ...verbs('create update patch delete', 'gateway.networking.k8s.io/gateways', ns),
    ...verbs('create', '/serviceaccounts/token', inst.namespace, inst.serviceAccount),
    ...verbs('update patch delete', '/nodes'),
    ...verbs('update patch', 'apiextensions.k8s.io/customresourcedefinitions'),
    ...verbs('create bind escalate', 'rbac.authorization.k8s.io/clusterroles'),
    ...verbs('create', 'rbac.authorization.k8s.io/rolebindings', ns),
    ...verbs('impersonate', '/users'),
    // The Lease: only its own, only in the release namespace, never deleted.
    ...verbs('get update', 'coordination.k8s.io/leases', inst.namespace, 'kube-controller-manager'),
    ...verbs('delete list', 'coordination.k8s.io/leases', inst.namespace),
    ...verbs('get create update', 'coordination.k8s.io/leases', 'kube-system'),
  ];
}

/** A kubeconfig that authenticates as the ServiceAccount with a TokenRequest token (what a pod gets). */
async function serviceAccountKubeconfig(inst: Install): Promise<string> {
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    name: inst.serviceAccount, namespace: inst.namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const state = clusterState();
  const file = join(scratchDir('install'), 'kubeconfig');
  const sa = `system:serviceaccount:${inst.namespace}:${inst.serviceAccount}`;
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'operator',
    clusters: [{ name: 'test', cluster: { server: state.apiserverUrl, 'certificate-authority': join(state.dir, 'pki', 'ca.crt') } }],
    users: [{ name: inst.serviceAccount, user: { token: request.status?.token } }],
    contexts: [{ name: 'operator', context: { cluster: 'test', user: inst.serviceAccount } }],
  }));
  // The apiserver must see the ServiceAccount, not the admin, or the run below would prove nothing.
  const whoami = JSON.parse(run(kubectlBin(), [`--kubeconfig=${file}`, 'auth', 'whoami', '-o', 'json'])) as { status?: { userInfo?: { username?: string } } };
  expect(whoami.status?.userInfo?.username).toBe(sa);
  return file;
}

/** The operator as the chart runs it: the Deployment's args, POD_NAMESPACE and NODE_OPTIONS, the ServiceAccount's credentials. */
async function runAsInstalled(inst: Install, extraArgs: string[] = []): Promise<RunningOperator> {
  const args = (inst.container.args ?? []).filter((a) => !a.startsWith('--http-address'));
  const nodeOptions = inst.container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
  const operator = startOperator({ args: [...args, ...extraArgs], env: { KUBECONFIG: await serviceAccountKubeconfig(inst), POD_NAMESPACE: inst.namespace, NODE_OPTIONS: nodeOptions } });
  operators.push(operator);
  await operator.port();
  return operator;
}

beforeAll(() => {
  helm = helmBin(); // built from the Go module proxy on first use (minutes), cached after
}, 30 * 60_000);

afterAll(async () => {
  for (const op of operators) await op.stop();
  for (const release of releases) {
    kubectl(['delete', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${release}`, '--ignore-not-found']);
  }
  for (const ns of namespaces) await deleteTestNamespace(ns);
});

describe('the chart', () => {
  it('passes helm lint --strict with its default values and with watchNamespace set', () => {
    expect(run(helm, ['lint', '--strict', CHART])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(run(helm, ['lint', '--strict', CHART, '--set', 'watchNamespace=ml'])).toMatch(/0 chart\(s\) failed/);
  });

  it('carries the CRD of crds/ unchanged, and deploy/ is what the chart renders', () => {
    const source = readFileSync(join(REPO_ROOT, 'crds', 'activationcanary.io_modelvariants.yaml'), 'utf8');
    expect(readFileSync(join(CHART, 'crds', 'activationcanary.io_modelvariants.yaml'), 'utf8')).toBe(source);
    // Exits 1 naming the stale file if deploy/ or the chart's CRD differ from a fresh render.
    expect(() => run(process.execPath, [join(REPO_ROOT, 'scripts', 'gen-deploy.ts'), '--check'])).not.toThrow();
  });

  it('documents every value of values.yaml in the table of docs/install.md', () => {
    // Maps handed to Kubernetes as they are; their keys are not chart values.
    const freeForm = new Set(['resources', 'podSecurityContext', 'securityContext', 'nodeSelector', 'affinity', 'podAnnotations', 'podLabels', 'annotations', 'labels']);
    const keys = (obj: Record<string, unknown>, prefix = ''): string[] => Object.entries(obj).flatMap(([k, v]) =>
      v && typeof v === 'object' && !Array.isArray(v) && !freeForm.has(k) ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]);
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'install.md'), 'utf8');
    expect(keys(parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>).filter((k) => !doc.includes(`\`${k}\``))).toEqual([]);
  });

  it('refuses to run two replicas without leader election', () => {
    expect(() => template('two', 'ops', { 'leaderElection.enabled': 'false' })).toThrow(/replicas > 1 needs leaderElection.enabled=true/);
    expect(template('one', 'ops', { 'leaderElection.enabled': 'false', replicas: '1' })).toMatch(/--leader-elect=false/);
  });

  it('passes prometheus.allowedAddresses as one --prometheus-allowed-addresses flag, and none by default', () => {
    const args = (set: Record<string, string>) => documents(template('allow', 'ops', set))
      .filter((o) => o.kind === 'Deployment')
      .flatMap((o) => (o as k8s.V1Deployment).spec?.template.spec?.containers[0]?.args ?? []);
    expect(args({}).some((a) => a.startsWith('--prometheus-allowed-addresses'))).toBe(false);
    expect(args({ 'prometheus.allowedAddresses': '{http://prometheus-operated.monitoring:9090,https://thanos.example/prom}' }))
      .toContain('--prometheus-allowed-addresses=http://prometheus-operated.monitoring:9090,https://thanos.example/prom');
  });

  it('renders a PodDisruptionBudget only with more than one replica, and a ServiceMonitor only on request', () => {
    const kinds = (set: Record<string, string>) => documents(template('k', 'ops', set)).map((o) => o.kind);
    expect(kinds({})).toContain('PodDisruptionBudget');
    expect(kinds({})).not.toContain('ServiceMonitor');
    expect(kinds({ replicas: '1' })).not.toContain('PodDisruptionBudget');
    expect(kinds({ 'serviceMonitor.enabled': 'true' })).toContain('ServiceMonitor');
  });
});

describe('helm install and uninstall', () => {
  it('installs a release that prints its NOTES, and uninstalls all of it but the CRD', async () => {
    const namespace = await newNamespace('install-helm');
    const release = `helm-${Math.random().toString(36).slice(2, 7)}`;
    releases.push(release);
    const kube = [`--kubeconfig=${clusterState().kubeconfig}`, '--namespace', namespace];
    const notes = run(helm, ['install', release, CHART, ...kube, '--set', `watchNamespace=${namespace}`, '--wait', '--timeout=2m']);
    expect(notes).toMatch(/STATUS: deployed/);
    expect(notes).toContain(`kubectl -n ${namespace} rollout status deployment/${release}-activation-canary`);
    expect(kubectl(['get', 'clusterrole', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']).trim()).toBe(`clusterrole.rbac.authorization.k8s.io/${release}-activation-canary-capacity`);

    run(helm, ['uninstall', release, ...kube, '--wait', '--timeout=2m']);
    expect(kubectl(['get', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']).trim()).toBe('');
    expect(kubectl(['-n', namespace, 'get', 'deployment,serviceaccount,role,rolebinding,service,poddisruptionbudget', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']).trim()).toBe('');
    // Helm never deletes a CRD from crds/: the ModelVariants (and their workloads) survive an uninstall.
    expect(kubectl(['get', 'crd', 'modelvariants.activationcanary.io', '-o', 'name']).trim()).toBe('customresourcedefinition.apiextensions.k8s.io/modelvariants.activationcanary.io');
  });
});

describe('deploy/ for kubectl users', () => {
  it('is accepted by the apiserver (server-side dry run)', () => {
    // The namespaced objects need their namespace to exist even in a dry run; create it only if absent.
    const existed = kubectl(['get', 'namespace', 'activation-canary', '--ignore-not-found', '-o', 'name']).trim() !== '';
    if (!existed) kubectl(['create', 'namespace', 'activation-canary']);
    try {
      const out = kubectl(['apply', '--server-side', '--dry-run=server', '-f', 'deploy/crds.yaml', '-f', 'deploy/activation-canary.yaml']);
      for (const kind of ['customresourcedefinition', 'serviceaccount', 'clusterrole', 'clusterrolebinding', 'role', 'rolebinding', 'service', 'deployment', 'poddisruptionbudget']) {
        expect(out).toMatch(new RegExp(`^${kind}[./][^ ]+ serverside-applied \\(server dry run\\)$`, 'm'));
      }
    } finally {
      if (!existed) kubectl(['delete', 'namespace', 'activation-canary', '--wait=false']);
    }
  });
});

describe('installed with the default values (all namespaces)', () => {
  let inst: Install;
  beforeAll(async () => {
    inst = await install('install-all');
  });

  it('runs its two replicas under the restricted Pod Security Standard', async () => {
    const apps = kubeConfig().makeApiClient(k8s.AppsV1Api);
    const name = String(inst.objects.find((o) => o.kind === 'Deployment')?.metadata?.name);
    expect(inst.applyWarnings).not.toMatch(/PodSecurity/);
    await eventually('2 available operator replicas', async () =>
      (await apps.readNamespacedDeployment({ name, namespace: inst.namespace })).status?.availableReplicas === 2 ? true : undefined);
    expect(inst.objects.map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
  });

  it('lets the ServiceAccount make every call the operator makes, in any namespace', async () => {
    const anyNs = await newNamespace('install-any');
    const calls = [...namespacedCalls(anyNs), ...clusterWideCalls, ...capacityCalls, ...leaseCalls(inst)];
    expect(await callsWhere(inst, calls, false)).toEqual([]);
  });

  it('denies the ServiceAccount what the operator must not do', async () => {
    expect(await callsWhere(inst, forbiddenCalls(inst, 'default'), true)).toEqual([]);
  });

  it('is enough for the operator, run as that ServiceAccount with the chart\'s args, to bring a ModelVariant to Healthy', async () => {
    // Confined to a namespace of its own so it does not reconcile other tests' ModelVariants.
    const ns = await newNamespace('install-all-mv');
    const operator = await runAsInstalled(inst, ['--namespace', ns]);
    await createModelVariant(ns, 'sentiment', { activation: 'relu', replicas: 1, template: gpuTemplate(1) });
    await waitForStatus(ns, 'sentiment', 'Healthy on relu', (s) => s.phase === 'Healthy' && s.stableActivation === 'relu');
    expect(await eventReasonsIncluding(ns, 'sentiment', ['Healthy'])).toContain('Healthy');
    const coordination = kubeConfig().makeApiClient(k8s.CoordinationV1Api);
    const lease = await coordination.readNamespacedLease({ namespace: inst.namespace, name: leaseName(inst) });
    expect(lease.spec?.holderIdentity).toBe(operator.identity);
    expect(operator.logs()).not.toMatch(/forbidden|\b403\b/i);
    // It runs with the chart's heap limit (old space plus the young generation), and says so at start.
    const oldSpaceMiB = Number(/--max-old-space-size=(\d+)/.exec(operator.nodeOptions)?.[1]);
    const heapLimitMiB = Number(/"heapSizeLimitMiB":(\d+)[^\n]*"msg":"V8 heap limit"/.exec(operator.logs())?.[1]);
    expect(heapLimitMiB).toBeGreaterThanOrEqual(oldSpaceMiB);
    expect(heapLimitMiB).toBeLessThan(oldSpaceMiB + 64);
  });
});

describe('installed with watchNamespace (one namespace)', () => {
  let inst: Install;
  let watched: string;
  let other: string;
  beforeAll(async () => {
    watched = await newNamespace('install-watched');
    other = await newNamespace('install-other');
    inst = await install('install-one', { watchNamespace: watched });
  });

  it('binds its namespaced rules in the watched namespace, and only the capacity rules cluster-wide', () => {
    const where = (kind: string) => inst.objects.filter((o) => o.kind === kind).map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`).sort();
    const fullname = `${inst.release}-activation-canary`;
    expect(where('Role')).toEqual([`${inst.namespace}/${fullname}-leader-election`, `${watched}/${fullname}`].sort());
    expect(where('RoleBinding')).toEqual(where('Role'));
    expect(where('ClusterRole')).toEqual([`/${fullname}-capacity`]);
    expect(where('ClusterRoleBinding')).toEqual(where('ClusterRole'));
    expect(inst.container.args).toContain(`--namespace=${watched}`);
  });

  it('lets the ServiceAccount make every call the operator makes in that namespace, and read GPU capacity', async () => {
    expect(await callsWhere(inst, [...namespacedCalls(watched), ...capacityCalls, ...leaseCalls(inst)], false)).toEqual([]);
  });

  it('denies the ServiceAccount everything in other namespaces, cluster-wide watches (but pods, for capacity) and pod reads beyond lists', async () => {
    const elsewhere = namespacedCalls(other).filter((c) => !(c.resource === '/pods' && (c.verb === 'list' || c.verb === 'watch')));
    expect(await callsWhere(inst, [...elsewhere, ...clusterWideCalls, ...verbs('get', '/pods', other), ...forbiddenCalls(inst, watched)], true)).toEqual([]);
  });

  it('is enough for the operator, run as that ServiceAccount with the chart\'s args, to roll a canary out and promote it', async () => {
    const operator = await runAsInstalled(inst);
    await createModelVariant(watched, 'ranker', {
      activation: 'relu', replicas: 2, template: gpuTemplate(1), strategy: { steps: [{ setWeight: 50, pause: '2s' }] },
    });
    await waitForStatus(watched, 'ranker', 'Healthy on relu', (s) => s.phase === 'Healthy' && s.stableActivation === 'relu');
    await setActivation(watched, 'ranker', 'gelu');
    await waitForStatus(watched, 'ranker', 'promoted to gelu', (s) => s.phase === 'Healthy' && s.stableActivation === 'gelu', 120_000);
    await eventReasonsIncluding(watched, 'ranker', ['RolloutStarted', 'Promoted']);
    expect(operator.logs()).not.toMatch(/forbidden|\b403\b/i);
  });
});
