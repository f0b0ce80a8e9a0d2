/**
 * The chart's values: values.schema.json accepts the defaults and a set with every optional feature
 * on (helm lint --strict, helm template), and refuses each bad value of a table with a message that
 * names the offending field; every object the chart renders, with either set, is accepted by a
 * server-side dry run in a namespace enforcing the restricted Pod Security Standard, without a Pod
 * Security warning, and the operator's pod is admitted there. The prometheus-operator CRDs are applied
 * first, for the ServiceMonitor and PrometheusRule. Nothing is created but the ServiceAccount a pod's
 * admission looks up, in test namespaces removed afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { createTestNamespace, deleteTestNamespace } from '../harness/env.ts';
import { chartMallocArenaMax, chartNodeOptions } from '../harness/operator.ts';
import { badValues } from './chart-bad-values.ts';
import { CHART, documents, helmBin, helmResult, kubectl, objectKey, template, valueFlags } from './support/chart.ts';
import { applyMonitoringCrds } from './support/monitoring-crds.ts';
import { enforceRestricted, podsOf, serverDryRun } from './support/pod-security.ts';

/** Every optional feature on, `watched` the namespace to watch; pass-through objects carry fields the defaults lack. */
const everyOptionalFeature = (watched: string): Record<string, unknown> => ({
  image: { repository: 'registry.example.com/ml-platform/activation-canary', tag: '0.1.1', pullPolicy: 'Always' },
  imagePullSecrets: [{ name: 'registry-credentials' }],
  replicas: 1,
  podDisruptionBudget: { enabled: false, minAvailable: '50%' },
  serviceAccount: { annotations: { 'iam.gke.io/gcp-service-account': 'activation-canary@ml.iam.gserviceaccount.com' } },
  rbac: { gatewayAPI: true, istio: false },
  watchNamespace: watched,
  leaderElection: { enabled: true, leaseDuration: '30s', id: 'ml-activation-canary-leader' },
  workers: 8,
  resync: '2m30s',
  logLevel: 'debug',
  prometheus: { allowedAddresses: ['http://prometheus-operated.monitoring:9090', 'https://thanos.example/prometheus'], analysisConcurrency: 16, analysisBatchWindow: '500ms' },
  metrics: { port: 9090, service: { type: 'ClusterIP', annotations: { 'prometheus.io/scrape': 'true' } } },
  serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' }, interval: '1m', scrapeTimeout: '10s' },
  // Their templates come with another branch; until then the values are only checked against the schema.
  prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' }, objective: 0.999, runbookBaseURL: 'https://runbooks.example/activation-canary', stuckRolloutAfter: '2h' },
  dashboards: { enabled: true, labels: { grafana_dashboard: '1' }, annotations: { grafana_folder: 'ML platform' } },
  resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  securityContext: { runAsNonRoot: true },
  priorityClassName: 'system-cluster-critical',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml-platform', effect: 'NoSchedule' }],
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }] } } },
  podAnnotations: { 'example.com/owner': 'ml-platform' },
  podLabels: { team: 'ml-platform' },
  extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }, { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
});

const namespaces: string[] = [];
async function newNamespace(prefix: string): Promise<string> {
  const ns = await createTestNamespace(prefix);
  namespaces.push(ns);
  return ns;
}

const deploymentOf = (objects: k8s.KubernetesObject[]) => objects.find((o): o is k8s.V1Deployment => o.kind === 'Deployment') as k8s.V1Deployment;

beforeAll(() => {
  helmBin(); // built from the Go module proxy on first use (minutes), cached after
}, 30 * 60_000);

afterAll(async () => {
  for (const ns of namespaces) await deleteTestNamespace(ns);
});

describe('values.schema.json', () => {
  it('accepts the default values: helm lint --strict and helm template pass', () => {
    const lint = helmResult(['lint', '--strict', CHART]);
    expect(lint.stderr).toBe('');
    expect(lint.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(documents(template('defaults', 'ops')).map((o) => o.kind)).toContain('Deployment');
  });

  it('sets the V8 heap from `heap` as NODE_OPTIONS, the flags the test harness runs the operator with', () => {
    const env = (values?: Record<string, unknown>) => deploymentOf(documents(template('heap', 'ops', {}, values))).spec?.template.spec?.containers[0]?.env ?? [];
    expect(env().find((e) => e.name === 'NODE_OPTIONS')?.value).toBe(chartNodeOptions());
    expect(chartNodeOptions()).toMatch(/^--max-old-space-size=\d+ --max-semi-space-size=\d+$/);
    expect(env({ heap: { maxOldSpaceMiB: 320, maxSemiSpaceMiB: 1 } }).find((e) => e.name === 'NODE_OPTIONS')?.value).toBe('--max-old-space-size=320 --max-semi-space-size=1');
    // A NODE_OPTIONS of the user's own replaces it: one entry, theirs.
    expect(env({ extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=1024' }] }).filter((e) => e.name === 'NODE_OPTIONS'))
      .toEqual([{ name: 'NODE_OPTIONS', value: '--max-old-space-size=1024' }]);
  });

  it('sets glibc\'s malloc arenas from `heap.mallocArenaMax` as MALLOC_ARENA_MAX, as the test harness runs the operator, unless the user sets it or 0', () => {
    const arenas = (values?: Record<string, unknown>) => (deploymentOf(documents(template('heap', 'ops', {}, values))).spec?.template.spec?.containers[0]?.env ?? [])
      .filter((e) => e.name === 'MALLOC_ARENA_MAX');
    expect(arenas()).toEqual([{ name: 'MALLOC_ARENA_MAX', value: chartMallocArenaMax() }]);
    expect(chartMallocArenaMax()).toBe('2');
    expect(arenas({ heap: { maxOldSpaceMiB: 256, maxSemiSpaceMiB: 2, mallocArenaMax: 4 } })).toEqual([{ name: 'MALLOC_ARENA_MAX', value: '4' }]);
    expect(arenas({ heap: { maxOldSpaceMiB: 256, maxSemiSpaceMiB: 2, mallocArenaMax: 0 } })).toEqual([]);
    expect(arenas({ extraEnv: [{ name: 'MALLOC_ARENA_MAX', value: '1' }] })).toEqual([{ name: 'MALLOC_ARENA_MAX', value: '1' }]);
  });

  it('refuses a heap that cannot fit under the memory limit, and says what to change', () => {
    const tooSmall = helmResult(['template', 'heap', CHART, ...valueFlags({ values: { resources: { limits: { memory: '300Mi' } } } })]);
    expect(tooSmall.status).not.toBe(0);
    expect(tooSmall.stderr).toContain('heap.maxOldSpaceMiB (256) + 3 × heap.maxSemiSpaceMiB (2) + 160 MiB for Node\'s own memory is 422 MiB, above resources.limits.memory (300Mi = 300 MiB)');
    // Other spellings of the same limit are read alike; a limit that fits, no limit, or a NODE_OPTIONS of the user's own pass.
    expect(helmResult(['template', 'heap', CHART, ...valueFlags({ values: { resources: { limits: { memory: '0.4Gi' } } } })]).stderr).toContain('(0.4Gi = 409 MiB)');
    for (const values of [{ resources: { limits: { memory: '422Mi' } } }, { resources: { limits: { memory: '1G' } } }, { resources: { requests: { memory: '256Mi' } } },
      { resources: { limits: { memory: '300Mi' } }, extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=128' }] }]) {
      expect(helmResult(['template', 'heap', CHART, ...valueFlags({ values })]).status).toBe(0);
    }
  });

  it('accepts every optional feature on, and the chart renders each of them', () => {
    const values = everyOptionalFeature('ml');
    const lint = helmResult(['lint', '--strict', CHART, ...valueFlags({ values })]);
    expect(lint.stderr).toBe('');
    expect(lint.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);

    const objects = documents(template('all-on', 'ops', {}, values));
    const keys = objects.map(objectKey);
    expect(keys).toEqual(expect.arrayContaining(['ServiceMonitor/ops/all-on-activation-canary', 'Role/ml/all-on-activation-canary', 'RoleBinding/ml/all-on-activation-canary']));
    expect(objects.map((o) => o.kind)).not.toContain('PodDisruptionBudget');
    const pod = deploymentOf(objects).spec?.template.spec as k8s.V1PodSpec;
    const container = pod.containers[0] as k8s.V1Container;
    expect(container.args).toEqual(expect.arrayContaining(['--namespace=ml', '--workers=8', '--resync=2m30s', '--log-level=debug', '--lease-duration=30s',
      '--leader-election-id=ml-activation-canary-leader', '--http-address=:9090', '--analysis-concurrency=16', '--analysis-batch-window=500ms',
      '--prometheus-allowed-addresses=http://prometheus-operated.monitoring:9090,https://thanos.example/prometheus']));
    expect(container.env?.map((e) => e.name)).toEqual(['POD_NAMESPACE', 'MALLOC_ARENA_MAX', 'NODE_OPTIONS', 'NODE_NAME']);
    expect(container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value).toBe('--max-old-space-size=384');
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod).toMatchObject({
      nodeSelector: { 'kubernetes.io/os': 'linux' }, priorityClassName: 'system-cluster-critical', imagePullSecrets: [{ name: 'registry-credentials' }],
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml-platform', effect: 'NoSchedule' }],
    });
    expect(pod.affinity?.nodeAffinity).toBeDefined();
  });

  it.each(badValues.map((c) => [c.what, c] as const))('refuses %s, naming the field', (_what, c) => {
    const result = helmResult(['template', 'bad', CHART, ...valueFlags({ values: c.values })]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toContain(`at '${c.path}'`);
    expect(result.stderr).toMatch(c.message);
  });

  it('refuses a bad value on helm lint too', () => {
    const result = helmResult(['lint', '--strict', CHART, '--set', 'workers=1000']);
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain("at '/workers': maximum: got 1,000, want 256");
  });
});

describe('every rendered object, under the restricted Pod Security Standard', () => {
  beforeAll(async () => {
    await applyMonitoringCrds();
  }, 120_000);

  /** Renders `values` into a fresh restricted namespace and dry-runs it; the pod is dry-run after its ServiceAccount exists. */
  async function dryRunRelease(prefix: string, values: (watched: string) => Record<string, unknown> | undefined) {
    const namespace = await newNamespace(prefix);
    const watched = await newNamespace(`${prefix}-watched`);
    enforceRestricted(namespace);
    const release = `${prefix}-${Math.random().toString(36).slice(2, 7)}`;
    const rendered = template(release, namespace, {}, values(watched));
    const objects = documents(rendered);
    const dryRun = serverDryRun(rendered);
    // A pod's admission looks its ServiceAccount up, and a dry run creates nothing: create that one.
    kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(objects.find((o) => o.kind === 'ServiceAccount')));
    const pods = podsOf(objects).map((pod) => kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod)));
    return { objects, dryRun, pods };
  }

  const appliedLine = (o: k8s.KubernetesObject) =>
    new RegExp(`^${o.kind?.toLowerCase()}\\.?[a-z0-9.]*/${o.metadata?.name} serverside-applied \\(server dry run\\)$`, 'm');

  it.each([
    ['the default values', () => undefined],
    // The longest full name a user can set: the Service and the dashboards' ConfigMaps derive theirs from it.
    ['every optional feature on (a ServiceMonitor, watchNamespace, one replica, dashboards, …) and a 63-character full name',
      (watched: string) => ({ ...everyOptionalFeature(watched), fullnameOverride: `ml-platform-${'x'.repeat(44)}-canary` })],
  ] as const)('with %s: accepted by a server-side dry run, with no Pod Security warning, and the pod admitted', async (_what, values) => {
    const { objects, dryRun, pods } = await dryRunRelease('chart-values', values);
    // A dry run accepts two objects of one name, and a real install would not: every name is distinct.
    expect(new Set(objects.map(objectKey)).size).toBe(objects.length);
    for (const o of objects) expect(dryRun.applied).toMatch(appliedLine(o));
    expect(dryRun.warnings).not.toMatch(/PodSecurity|violate/i);
    expect(pods).toEqual([expect.stringMatching(/^pod\/[a-z0-9-]+-dry-run created \(server dry run\)\n$/)]);
  });
});
