/**
 * GitOps end to end with the real Argo CD (test/harness/argocd.ts): ModelVariants live in a Git
 * repository; Applications with automated sync put them on the cluster; the operator rolls them out;
 * Argo CD shows their health through deploy/argocd's Lua and runs their actions through its API.
 *
 * Applications run side by side. `auto` is judged by analysis against the real Prometheus: a commit
 * of a new activation walks Progressing → Healthy when promoted, and a faulty one → Degraded when
 * rolled back. `gated` has a step without pause: its Application shows Suspended until a person acts,
 * and the promote, abort, retry, pause and resume actions, run through the Argo CD API, act on the
 * live rollout. `routed` and `meshed` use an HTTPRoute and a VirtualService that other Applications
 * keep in Git (support/gitops-routes.ts), with docs/gitops.md's ignoreDifferences. All stay Synced
 * throughout: the operator writes only status, its own children and, on a shared route, the fields
 * those ignoreDifferences name; an action only sets the signal annotation, which is not in Git.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import type { ModelVariant, ModelVariantSpec, SLI } from '../../src/api/types.ts';
import { API_VERSION, GROUP, KIND, VERSION } from '../../src/api/types.ts';
import * as k8s from '@kubernetes/client-node';
import { startArgoCD, type RunningArgoCD } from '../harness/argocd.ts';
import { clusterState, createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { ownGpuNodes } from './support/analysis-rollouts.ts';
import { sharedRoutes } from './support/gitops-routes.ts';
import { argocdClient, localGitRepo, type ApplicationStatus, type ArgoCDClient, type GitRepo, type ResourceRef } from './support/gitops.ts';
import { HEALTHY } from './support/model-telemetry.ts';
import { getModelVariant, gpuTemplate } from './support/model-variants.ts';
import { telemetryTargets, type TelemetryPod, type TelemetryTargets } from './support/telemetry-targets.ts';

/** The canary fails when its test gauge is above 1 (the exporter's `analysis_test_value`). */
const SCORE: SLI = { name: 'score', query: 'max(analysis_test_value{namespace="{{namespace}}",model="{{name}}",role="{{role}}"})', max: 1 };

let appNs: string;
let argocd: RunningArgoCD | undefined;
let api: ArgoCDClient;
let repo: GitRepo | undefined;
let operator: RunningOperator | undefined;
let telemetry: TelemetryTargets | undefined;
let nodes: Awaited<ReturnType<typeof ownGpuNodes>> | undefined;
let autoCanary: TelemetryPod;

/** One state of an Application as the API showed it, and when (ms since the epoch). */
interface Seen {
  at: number;
  sync: string;
  revision: string;
  health: string;
  message: string;
}

/** Every distinct state of each Application, oldest first, polled every 300 ms until afterAll. */
const timelines = new Map<string, Seen[]>();
let polling = true;
/** The last status of each Application, for failure messages. */
const lastStatus = new Map<string, ApplicationStatus>();

function follow(app: string): void {
  const timeline: Seen[] = [];
  timelines.set(app, timeline);
  void (async () => {
    while (polling) {
      const s: ApplicationStatus = await api.application(app).then((a) => a.status ?? {}, () => ({}));
      lastStatus.set(app, s);
      const seen = { at: Date.now(), sync: s.sync?.status ?? '', revision: s.sync?.revision ?? '', health: s.health?.status ?? '', message: s.resources?.[0]?.health?.message ?? '' };
      const last = timeline.at(-1);
      if (!last || last.sync !== seen.sync || last.revision !== seen.revision || last.health !== seen.health || last.message !== seen.message) timeline.push(seen);
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
}

const modelVariant = (name: string, spec: ModelVariantSpec) =>
  stringify({ apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec });

const template = () => gpuTemplate(1, nodes?.resource);
const autoSpec = (activation: string): ModelVariantSpec => ({
  activation, replicas: 2, template: template(),
  strategy: { steps: [{ setWeight: 50, pause: '4s' }], analysis: { interval: '2s', failureLimit: 1, prometheus: { address: clusterState().prometheusUrl }, slis: [SCORE] } },
});
const gatedSpec = (activation: string): ModelVariantSpec => ({
  activation, replicas: 2, template: template(), strategy: { steps: [{ setWeight: 50 }] },
});

/** Commits one ModelVariant to `<app>/modelvariant.yaml` and asks Argo CD to look at Git now, as a webhook would; the SHA and the commit time. */
const commit = (app: string, spec: ModelVariantSpec, message: string) => commitSpecs({ [app]: spec }, message);

/** Commits several ModelVariants (by Application) in one commit, then refreshes as `commit` does. */
async function commitSpecs(specs: Record<string, ModelVariantSpec>, message: string): Promise<{ sha: string; at: number }> {
  const sha = (repo as GitRepo).commit(Object.fromEntries(Object.entries(specs).map(([app, spec]) => [`${app}/modelvariant.yaml`, modelVariant(app, spec)])), message);
  const at = Date.now();
  // A Git webhook refreshes every Application of the repository.
  for (const name of timelines.keys()) await api.application(name, true);
  return { sha, at };
}

/** Waits until the Application shows `health` at revision `sha` (Synced); the first such state seen. */
async function healthAt(app: string, sha: string, health: string, timeoutMs = 120_000): Promise<Seen> {
  return eventually(`Application ${app} ${health} at ${sha.slice(0, 7)}`, async () =>
    timelines.get(app)?.find((s) => s.revision === sha && s.sync === 'Synced' && s.health === health), timeoutMs, 200)
    .catch((err: Error) => {
      const seen = (timelines.get(app) ?? []).map((s) => `${s.sync} ${s.revision.slice(0, 7)} ${s.health}: ${s.message}`).join('\n  ');
      throw new Error(`${err.message}; the Application's states:\n  ${seen}\n${JSON.stringify(lastStatus.get(app)?.operationState ?? lastStatus.get(app)?.conditions ?? {})}`, { cause: err });
    });
}

/** The states seen after the first Synced state at `sha` (the rollout of that commit, as Argo CD saw it). */
const statesAfterSync = (app: string, sha: string) => {
  const timeline = timelines.get(app) ?? [];
  const first = timeline.findIndex((s) => s.revision === sha && s.sync === 'Synced');
  return first < 0 ? [] : timeline.slice(first).filter((s) => s.revision === sha);
};

const mvRef = (name: string): ResourceRef => ({ group: GROUP, version: VERSION, kind: KIND, namespace: appNs, name });
const mv = (name: string): Promise<ModelVariant> => getModelVariant(appNs, name);
const enabledActions = async (app: string) =>
  (await api.listActions(app, mvRef(app))).filter((a) => !a.disabled).map((a) => a.name).sort();

/** Runs an action through the API and waits until the operator has acted on the signal it set. */
async function act(app: string, action: string): Promise<void> {
  await api.runAction(app, mvRef(app), action);
  await eventually(`the operator acting on ${action} of ${app}`, async () => {
    const m = await mv(app);
    const signal = m.metadata?.annotations?.['activationcanary.io/signal'];
    return signal?.startsWith(`${action}@argocd-`) && m.status?.handledSignal === signal ? true : undefined;
  }, 60_000);
}

const application = (path: string) => ({
  project: 'default',
  source: { repoURL: repo?.url, path, targetRevision: 'main' },
  destination: { server: 'https://kubernetes.default.svc', namespace: appNs },
  syncPolicy: { automated: { prune: true, selfHeal: true } },
});

const ROUTES = sharedRoutes();

beforeAll(async () => {
  appNs = await createTestNamespace('gitops');
  nodes = await ownGpuNodes('gitops');
  telemetry = telemetryTargets({ targetsDir: clusterState().prometheusTargetsDir });
  const labels = (role: 'stable' | 'canary') => ({ namespace: appNs, model: 'auto', role, variant: role, pod: `auto-${role}-0` });
  await telemetry.pod(labels('stable'), { traffic: HEALTHY });
  autoCanary = await telemetry.pod(labels('canary'), { traffic: HEALTHY });
  operator = startOperator({ args: ['--namespace', appNs, '--leader-elect=false'] });
  await operator.port();
  argocd = await startArgoCD({ destinationNamespaces: [appNs] });
  api = await argocdClient(argocd.apiUrl, argocd.namespace, argocd.adminPassword);
  repo = localGitRepo();
  repo.commit({
    'auto/modelvariant.yaml': modelVariant('auto', autoSpec('relu')), 'gated/modelvariant.yaml': modelVariant('gated', gatedSpec('relu')),
    ...Object.fromEntries(ROUTES.flatMap((r) => [[r.file, stringify(r.object)], [`${r.model}/modelvariant.yaml`, modelVariant(r.model, r.spec('relu', template()))]])),
  }, 'serve relu');
  for (const r of ROUTES) {
    await api.createApplication(r.routesApp, { ...application(r.routesApp), ignoreDifferences: r.ignoreDifferences });
    follow(r.routesApp);
  }
  for (const app of ['auto', 'gated', ...ROUTES.map((r) => r.model)]) {
    await api.createApplication(app, application(app));
    follow(app);
  }
}, 600_000);

afterAll(async () => {
  polling = false;
  await argocd?.stop();
  await operator?.stop();
  await telemetry?.close();
  await nodes?.remove();
  repo?.remove();
  if (appNs) await deleteTestNamespace(appNs);
});

describe('Argo CD syncing ModelVariants from Git', () => {
  it('syncs a ModelVariant from Git and shows it Healthy once its stable variant serves', async () => {
    for (const app of ['auto', 'gated', ...ROUTES.map((r) => r.model)]) {
      const head = await eventually(`Application ${app} synced`, async () => (await api.application(app)).status?.sync?.revision, 120_000);
      await healthAt(app, head, 'Healthy');
      expect((await mv(app)).status?.stableActivation).toBe('relu');
    }
  });

  it('shows a commit of a new activation Progressing while the canary walks, then Healthy once it is promoted, Synced throughout', async () => {
    const { sha, at } = await commit('auto', autoSpec('gelu'), 'auto: gelu');
    const progressing = await healthAt('auto', sha, 'Progressing');
    const healthy = await healthAt('auto', sha, 'Healthy');
    expect((await mv('auto')).status).toMatchObject({ stableActivation: 'gelu', phase: 'Healthy' });
    expect(healthy.message).toMatch(/gelu is stable/);
    expect(statesAfterSync('auto', sha).map((s) => s.sync)).not.toContain('OutOfSync');
    process.stdout.write(`gitops: commit → Progressing ${((progressing.at - at) / 1000).toFixed(1)} s, commit → Healthy (promoted) ${((healthy.at - at) / 1000).toFixed(1)} s\n`);
  });

  it('shows a faulty activation Degraded, with the rollback\'s reason, once the operator rolled it back', async () => {
    autoCanary.setGauge(5);
    const { sha } = await commit('auto', autoSpec('silu'), 'auto: silu');
    await healthAt('auto', sha, 'Progressing');
    const degraded = await healthAt('auto', sha, 'Degraded');
    expect(degraded.message).toMatch(/Rolled back \(FailureLimitReached\): .*SLI score: canary value 5 is above max 1/);
    expect((await mv('auto')).status).toMatchObject({ stableActivation: 'gelu', phase: 'Degraded' });
    expect(statesAfterSync('auto', sha).map((s) => s.sync)).not.toContain('OutOfSync');
  });

  it('shows a step without pause Suspended, offers the actions that apply, and promotes through the promote action', async () => {
    const { sha } = await commit('gated', gatedSpec('gelu'), 'gated: gelu');
    await healthAt('gated', sha, 'Suspended');
    expect(await enabledActions('gated')).toEqual(['abort', 'pause', 'promote']);
    await act('gated', 'promote');
    await healthAt('gated', sha, 'Healthy');
    expect((await mv('gated')).status).toMatchObject({ stableActivation: 'gelu', phase: 'Healthy' });
    expect(await enabledActions('gated')).toEqual([]);
    expect(statesAfterSync('gated', sha).map((s) => s.sync)).not.toContain('OutOfSync');
  });

  it('pauses, resumes, aborts and retries a live rollout through the actions, Synced throughout', async () => {
    const { sha } = await commit('gated', gatedSpec('mish'), 'gated: mish');
    await healthAt('gated', sha, 'Suspended');
    await act('gated', 'pause');
    expect((await mv('gated')).status?.pausedAt).toBeTruthy();
    expect(await enabledActions('gated')).toEqual(['abort', 'promote', 'resume']);
    await act('gated', 'resume');
    expect((await mv('gated')).status?.pausedAt).toBeFalsy();
    await act('gated', 'abort');
    const degraded = await healthAt('gated', sha, 'Degraded');
    expect(degraded.message).toMatch(/Rolled back \(Aborted\)/);
    expect(await enabledActions('gated')).toEqual(['retry']);
    await act('gated', 'retry');
    await eventually('gated Suspended again after retry', async () =>
      timelines.get('gated')?.slice(timelines.get('gated')?.indexOf(degraded)).find((s) => s.health === 'Suspended'), 60_000, 200);
    expect((await mv('gated')).status).toMatchObject({ canaryActivation: 'mish', stableActivation: 'gelu' });
    expect(statesAfterSync('gated', sha).map((s) => s.sync)).not.toContain('OutOfSync');
    const spec = (await mv('gated')).spec;
    expect(spec).toMatchObject(gatedSpec('mish') as object);
  });

  it('keeps an HTTPRoute and a VirtualService in Git Synced while the operator moves their weights, header routes and mirrors, with the ignoreDifferences of docs/gitops.md', async () => {
    const kube = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    for (const r of ROUTES) await eventually(`${r.model} Healthy on relu`, async () => ((await mv(r.model).catch(() => undefined))?.status?.phase === 'Healthy' ? true : undefined), 120_000);
    const { sha } = await commitSpecs(Object.fromEntries(ROUTES.map((r) => [r.model, r.spec('gelu', template())])), 'shared routes: gelu');
    await Promise.all(ROUTES.map(async (r) => {
      await healthAt(r.routesApp, sha, r.routesHealth);
      await healthAt(r.model, sha, 'Progressing');
      const seen = new Set<string>();
      await eventually(`${r.model} promoted, every step seen on the live route`, async () => {
        const live = await r.read(kube, appNs);
        if (live.header) seen.add('header');
        if (live.mirror) seen.add('mirror');
        if (live.weights[1] > 0) seen.add('weight');
        const m = await mv(r.model);
        return m.status?.phase === 'Healthy' && m.status.stableActivation === 'gelu' ? true : undefined;
      }, 120_000, 100);
      expect([...seen].sort()).toEqual(['header', 'mirror', 'weight']);
      await healthAt(r.model, sha, 'Healthy');
      // The route's Application never left Synced while the operator changed the route.
      expect(statesAfterSync(r.routesApp, sha).map((s) => `${r.routesApp}: ${s.sync}`)).not.toContain(`${r.routesApp}: OutOfSync`);
      expect(statesAfterSync(r.model, sha).map((s) => s.sync)).not.toContain('OutOfSync');
      expect(await r.read(kube, appNs)).toEqual({ header: false, mirror: false, weights: [100, 0], rules: 1, matches: 1 });
    }));

    // The platform team's own change to a route's rules still syncs, and its Application settles Synced.
    const edit = (repo as GitRepo).commit(Object.fromEntries(ROUTES.map((r) => [r.file, stringify(r.withSecondMatch())])), 'routes: serve /v2/predict too');
    for (const r of ROUTES) await api.application(r.routesApp, true);
    await Promise.all(ROUTES.map((r) => eventually(`${r.routesApp}: the route from Git on the cluster, Synced`, async () => {
      const sync = (await api.application(r.routesApp)).status?.sync;
      return (await r.read(kube, appNs)).matches === 2 && sync?.status === 'Synced' && sync.revision === edit ? true : undefined;
    }, 30_000, 200)));
  });

  it('shows a commit made while the operator is down as waiting, offers what the operator will do with it, and goes on once it is back', async () => {
    await operator?.stop();
    // gated has a canary of mish waiting for promote over stable gelu; Git now asks for silu.
    const { sha } = await commit('gated', gatedSpec('silu'), 'gated: silu');
    const waiting = await healthAt('gated', sha, 'Progressing');
    expect(waiting.message).toMatch(/^Waiting for the operator to observe generation \d+ \(status describes \d+\)$/);
    // The operator will start a canary of silu: abort, promote and pause act on it; retry and resume do not.
    expect(await enabledActions('gated')).toEqual(['abort', 'pause', 'promote']);
    await api.runAction('gated', mvRef('gated'), 'pause');
    operator = startOperator({ args: ['--namespace', appNs, '--leader-elect=false'] });
    await operator.port();
    const paused = await healthAt('gated', sha, 'Suspended');
    expect(paused.message).toMatch(/^Paused: paused by a signal/);
    const m = await mv('gated');
    expect(m.status).toMatchObject({ canaryActivation: 'silu', stableActivation: 'gelu', handledSignal: m.metadata?.annotations?.['activationcanary.io/signal'] });
    expect(m.status?.handledSignal).toMatch(/^pause@argocd-/);
    expect(statesAfterSync('gated', sha).map((s) => s.sync)).not.toContain('OutOfSync');
  });
});
