/**
 * The Argo CD health of every state the operator writes, judged on live objects: a real operator
 * drives one ModelVariant into each phase and each False condition (and the states where the status
 * lags the spec or a signal), and the health Lua, run by the real argocd binary, must give the health
 * in the table below for each. With RECORD_ARGOCD_FIXTURES=1 the objects are written to
 * deploy/argocd/resource_customizations/…/testdata/ together with health_test.yaml and
 * actions/action_test.yaml (Argo CD's own test layout; argocd-lua.test.ts replays them), so the
 * fixtures are recorded from the operator, never written by hand:
 *
 *   RECORD_ARGOCD_FIXTURES=1 node --experimental-vm-modules node_modules/jest/bin/jest.js \
 *     --selectProjects=integration --testPathPatterns argocd-health-fixtures
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import type { ModelVariant, ModelVariantSpec } from '../../src/api/types.ts';
import { argocdTools } from '../harness/argocd.ts';
import { clusterState, createTestNamespace, deleteTestNamespace, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { ownGpuNodes } from './support/analysis-rollouts.ts';
import { argocdLua, CUSTOMIZATIONS, type ActionTests, type Health, type HealthTests } from './support/argocd-lua.ts';
import { createModelVariant, getModelVariant, gpuTemplate, patchModelVariant, setActivation, signal, waitForStatus } from './support/model-variants.ts';

type Status = NonNullable<ModelVariant['status']>;
const RECORD = process.env.RECORD_ARGOCD_FIXTURES === '1';

/** Each recorded state: the health Argo CD must show and a pattern its message must match. */
const EXPECTED: Record<string, { health: Health['status']; message: RegExp }> = {
  'no-status': { health: 'Progressing', message: /^Waiting for the activation-canary operator to observe the ModelVariant$/ },
  'deploying-stable': { health: 'Progressing', message: /^Progressing: deploying stable relu: 0\/2 ready/ },
  'healthy': { health: 'Healthy', message: /^relu is stable: stable relu serving$/ },
  'progressing': { health: 'Progressing', message: /^Canary gelu at step 1, weight 50%/ },
  'promoting': { health: 'Progressing', message: /^promoting gelu/ },
  'paused-awaiting-promotion': { health: 'Suspended', message: /^Paused: / },
  'paused-by-signal': { health: 'Suspended', message: /^Paused: .*pause/i },
  'paused-insufficient-capacity': { health: 'Suspended', message: /^Paused: .*(GPU|capacity)/i },
  'paused-analysis-inconclusive': { health: 'Suspended', message: /^Paused: / },
  'degraded-aborted': { health: 'Degraded', message: /^Rolled back \(Aborted\)/ },
  'degraded-analysis-failed': { health: 'Degraded', message: /^Rolled back \(FailureLimitReached\): .*SLI score/ },
  'spec-invalid': { health: 'Degraded', message: /^SpecValid is False \(InvalidSpec\): .*setHeaderRoute/ },
  'child-not-owned': { health: 'Degraded', message: /^ChildrenReconciled is False \(ChildNotOwned\)/ },
  'route-not-found': { health: 'Degraded', message: /^TrafficRouted is False \(RouteNotFound\)/ },
  'generation-behind': { health: 'Progressing', message: /^Waiting for the operator to observe generation \d+ \(status describes \d+\)$/ },
  'signal-pending': { health: 'Progressing', message: /^Waiting for the operator to act on signal promote@/ },
};

let ns: string;
let operator: RunningOperator | undefined;
let nodes: Awaited<ReturnType<typeof ownGpuNodes>> | undefined;
let lua: ReturnType<typeof argocdLua>;
/** The recorded objects (YAML), by state name. */
const recorded = new Map<string, string>();

/** The object as the apiserver returns it, without managedFields (noise for a fixture). */
async function record(state: string, name: string): Promise<void> {
  const mv = await getModelVariant(ns, name);
  delete mv.metadata?.managedFields;
  recorded.set(state, stringify(mv));
}

const template = (gpus = 1) => gpuTemplate(gpus, nodes?.resource);
const spec = (activation: string, extra: Partial<ModelVariantSpec> = {}): ModelVariantSpec =>
  ({ activation, replicas: 2, template: template(), ...extra, strategy: { maxUnavailable: 0, steps: [{ setWeight: 50, pause: '1h' }], ...extra.strategy } });
const healthy = async (name: string, s: ModelVariantSpec) => {
  await createModelVariant(ns, name, s);
  await waitForStatus(ns, name, 'Healthy', (st) => st.phase === 'Healthy');
};
const parsed = (object: string) => parse(object) as ModelVariant;
const condition = (st: Status, type: string) => st.conditions?.find((c) => c.type === type);

/** Drives each ModelVariant to its state and records it; all run side by side. */
const SCENARIOS: Record<string, () => Promise<void>> = {
  async 'deploying-stable'() {
    await createModelVariant(ns, 'deploying', spec('relu', { template: withPodLifecycle(template(), { readyDelay: '1h' }) }));
    await waitForStatus(ns, 'deploying', 'deploying stable', (st) => st.phase === 'Progressing' && /0\/2 ready/.test(st.message ?? ''));
    await record('deploying-stable', 'deploying');
  },
  async 'healthy'() {
    await healthy('healthy', spec('relu'));
    await record('healthy', 'healthy');
  },
  async 'progressing'() {
    await healthy('progressing', spec('relu'));
    await setActivation(ns, 'progressing', 'gelu');
    await waitForStatus(ns, 'progressing', 'at the step', (st) => st.phase === 'Progressing' && !!st.weightReachedAt);
    await record('progressing', 'progressing');
  },
  async 'promoting'() {
    // Slow pods: promotion waits for stable's new pods, long enough to be seen.
    await healthy('promoting', spec('relu', { template: withPodLifecycle(template(), { readyDelay: '6s' }) }));
    await setActivation(ns, 'promoting', 'gelu');
    await waitForStatus(ns, 'promoting', 'at the step', (st) => !!st.weightReachedAt);
    await signal(ns, 'promoting', 'promote');
    await waitForStatus(ns, 'promoting', 'Promoting', (st) => st.phase === 'Promoting', 60_000);
    await record('promoting', 'promoting');
  },
  async 'paused-awaiting-promotion'() {
    await healthy('gated', spec('relu', { strategy: { steps: [{ setWeight: 50 }] } }));
    await setActivation(ns, 'gated', 'gelu');
    await waitForStatus(ns, 'gated', 'waiting for promotion', (st) => st.phase === 'Paused' && condition(st, 'Progressing')?.reason === 'WaitingForPromotion');
    await record('paused-awaiting-promotion', 'gated');
  },
  async 'paused-by-signal'() {
    await healthy('paused', spec('relu'));
    await setActivation(ns, 'paused', 'gelu');
    await waitForStatus(ns, 'paused', 'at the step', (st) => !!st.weightReachedAt);
    await signal(ns, 'paused', 'pause');
    await waitForStatus(ns, 'paused', 'paused by the signal', (st) => st.phase === 'Paused' && !!st.pausedAt);
    await record('paused-by-signal', 'paused');
  },
  async 'paused-insufficient-capacity'() {
    await healthy('crowded', spec('relu'));
    // A canary pod larger than any node: an observation that holds the rollout, not an invalid spec.
    await patchModelVariant(ns, 'crowded', { spec: { activation: 'gelu', template: template(1000) } });
    await waitForStatus(ns, 'crowded', 'held for capacity', (st) => st.phase === 'Paused' && condition(st, 'CapacityAvailable')?.status === 'False');
    await record('paused-insufficient-capacity', 'crowded');
  },
  async 'paused-analysis-inconclusive'() {
    const analysis = { interval: '1s', inconclusiveLimit: 1000, prometheus: { address: clusterState().prometheusUrl },
      slis: [{ name: 'silent', query: 'max(no_such_series{model="{{name}}",role="{{role}}"})', max: 1 }] };
    await healthy('silent', spec('relu', { strategy: { analysis } }));
    await setActivation(ns, 'silent', 'gelu');
    await waitForStatus(ns, 'silent', 'paused, inconclusive', (st) => st.phase === 'Paused' && condition(st, 'Progressing')?.reason === 'AnalysisInconclusive', 60_000);
    await record('paused-analysis-inconclusive', 'silent');
  },
  async 'degraded-aborted'() {
    await healthy('aborted', spec('relu'));
    await setActivation(ns, 'aborted', 'gelu');
    await waitForStatus(ns, 'aborted', 'at the step', (st) => !!st.weightReachedAt);
    await signal(ns, 'aborted', 'abort');
    await waitForStatus(ns, 'aborted', 'rolled back', (st) => st.phase === 'Degraded');
    await record('degraded-aborted', 'aborted');
  },
  async 'degraded-analysis-failed'() {
    const analysis = { interval: '1s', failureLimit: 1, prometheus: { address: clusterState().prometheusUrl }, slis: [{ name: 'score', query: 'vector(5)', max: 1 }] };
    await healthy('failing', spec('relu', { strategy: { analysis } }));
    await setActivation(ns, 'failing', 'gelu');
    await waitForStatus(ns, 'failing', 'rolled back', (st) => st.phase === 'Degraded', 60_000);
    await record('degraded-analysis-failed', 'failing');
  },
  async 'spec-invalid'() {
    await createModelVariant(ns, 'invalid', spec('relu', { strategy: { steps: [{ setHeaderRoute: { name: 'x-canary', value: 'yes' } }] } }));
    await waitForStatus(ns, 'invalid', 'SpecValid=False', (st) => condition(st, 'SpecValid')?.status === 'False');
    await record('spec-invalid', 'invalid');
  },
  async 'child-not-owned'() {
    // The stable Service's name is taken by a Service nobody gave the operator.
    await kubeConfig().makeApiClient(k8s.CoreV1Api).createNamespacedService({ namespace: ns, body: {
      metadata: { name: 'claimed-stable' }, spec: { ports: [{ port: 80 }], selector: { app: 'someone-else' } } } });
    await createModelVariant(ns, 'claimed', spec('relu'));
    await waitForStatus(ns, 'claimed', 'ChildrenReconciled=False', (st) => condition(st, 'ChildrenReconciled')?.status === 'False');
    await record('child-not-owned', 'claimed');
  },
  async 'route-not-found'() {
    await createModelVariant(ns, 'unrouted', spec('relu', { traffic: { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'no-such-route', port: 8080 } } }));
    await waitForStatus(ns, 'unrouted', 'TrafficRouted=False', (st) => condition(st, 'TrafficRouted')?.status === 'False');
    await record('route-not-found', 'unrouted');
  },
};

beforeAll(async () => {
  lua = argocdLua(argocdTools().bin);
  ns = await createTestNamespace('argocd-fixtures');
  nodes = await ownGpuNodes('argocd-fixtures', 32);
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
  const results = await Promise.allSettled(Object.values(SCENARIOS).map((run) => run()));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${Object.keys(SCENARIOS)[i]}: ${String(r.reason)}`] : []));
  if (failed.length > 0) throw new Error(`scenarios failed:\n${failed.join('\n')}`);

  // States where the status lags the object: only an operator that is not running leaves them for long.
  await operator.stop();
  await setActivation(ns, 'healthy', 'gelu');
  await record('generation-behind', 'healthy');
  await signal(ns, 'gated', 'promote');
  await record('signal-pending', 'gated');
  await createModelVariant(ns, 'new', spec('relu'));
  await record('no-status', 'new');
}, 240_000);

afterAll(async () => {
  await operator?.stop();
  await nodes?.remove();
  if (ns) await deleteTestNamespace(ns);
});

describe('the ModelVariant health in Argo CD, on objects the operator wrote', () => {
  it.each(Object.entries(EXPECTED))('%s is %p', (state, want) => {
    const object = recorded.get(state);
    expect(object).toBeDefined();
    const health = lua.health(object ?? '');
    expect(health.status).toBe(want.health.toString());
    expect(health.message).toMatch(want.message);
  });

  (RECORD ? it : it.skip)('records the objects and the expected health and actions as Argo CD test fixtures', () => {
    const testdata = join(CUSTOMIZATIONS, 'testdata');
    mkdirSync(testdata, { recursive: true });
    mkdirSync(join(CUSTOMIZATIONS, 'actions', 'testdata'), { recursive: true });
    const health: HealthTests = { tests: [] };
    const actions: ActionTests = { discoveryTests: [], actionTests: [] };
    for (const [state, object] of [...recorded].sort(([a], [b]) => a.localeCompare(b))) {
      writeFileSync(join(testdata, `${state}.yaml`), object);
      health.tests.push({ healthStatus: lua.health(object), inputPath: `testdata/${state}.yaml` });
      actions.discoveryTests.push({ inputPath: `../testdata/${state}.yaml`, result: lua.actions(object) });
    }
    // What each action writes, on a rollout where it is enabled (the id normalised: see normaliseSignal).
    const onto: Record<string, string> = { promote: 'progressing', abort: 'progressing', pause: 'progressing', resume: 'paused-by-signal', retry: 'degraded-aborted' };
    for (const [action, state] of Object.entries(onto)) {
      const mv = parsed(recorded.get(state) ?? '');
      const value = `${action}@argocd-0001-01-01T00:00:00Z-rv${mv.metadata?.resourceVersion ?? '0'}`;
      mv.metadata = { ...mv.metadata, annotations: { ...mv.metadata?.annotations, 'activationcanary.io/signal': value } };
      writeFileSync(join(CUSTOMIZATIONS, 'actions', 'testdata', `${state}-${action}.yaml`), stringify(mv));
      actions.actionTests.push({ action, inputPath: `../testdata/${state}.yaml`, expectedOutputPath: `testdata/${state}-${action}.yaml` });
    }
    writeFileSync(join(CUSTOMIZATIONS, 'health_test.yaml'), stringify(health));
    writeFileSync(join(CUSTOMIZATIONS, 'actions', 'action_test.yaml'), stringify(actions));
  });
});
