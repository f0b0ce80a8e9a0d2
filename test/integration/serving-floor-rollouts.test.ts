/**
 * The serving floor on the real control plane with realistic start-up: pods take 5–10 s to become
 * Ready and 1 s to go (kwok Stages), and the pods receiving traffic (Ready, not terminating, behind the
 * `<name>` Service) are sampled every 200 ms from before the change until the outcome is reached and
 * the children are at rest. Every rollout shape the operator has (steps up, a rollback on abort and on
 * a missed progress deadline, an abort mid-step, a cancel, a promotion, a promotion with GPUs for only
 * one pod more than replicas, one replica, two replicas at a 75 % step) must keep
 * `spec.replicas − maxUnavailable` pods serving and end where a user expects.
 *
 * The scenarios run side by side, each in a namespace with an operator of its own; they are started in
 * `beforeAll` and each test awaits its own. Pods ask for extended resources of this file's own fake
 * nodes, so nothing else in the cluster changes the capacity arithmetic.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../src/api/types.ts';
import { fakeGpuNode } from '../harness/cluster.ts';
import { deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { READY_DELAY_ANNOTATION, withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { runScenario, servingOfRole, type Outcome, type Scenario, type ScenarioResult } from './support/floor-scenarios.ts';
import { gpuTemplate, setActivation, signal } from './support/model-variants.ts';
import { expectFloorKept } from './support/serving-floor.ts';

const suffix = Math.random().toString(36).slice(2, 7);
/** Plenty of room: a surge always fits, so the operator chooses maxUnavailable 0. */
const POOL = `floor-${suffix}.example.com/gpu`;
/** Five in all on two nodes: replicas (4) + 1 fit, 2 × replicas do not. */
const TIGHT = `floor-tight-${suffix}.example.com/gpu`;
/** The same, for a rollout that leaves maxUnavailable to the operator (one surge fits: it chooses 0). */
const TIGHT_SURGE = `floor-surge-${suffix}.example.com/gpu`;
const NODES: Record<string, Record<string, string>> = {
  [`floor-${suffix}-pool`]: { [POOL]: '64', pods: '250' },
  [`floor-${suffix}-tight-a`]: { [TIGHT]: '3' },
  [`floor-${suffix}-tight-b`]: { [TIGHT]: '2' },
  [`floor-${suffix}-surge`]: { [TIGHT_SURGE]: '5' },
};

const LIFECYCLE = { readyDelay: '5s', readyJitter: '5s', terminationDelay: '1s' } as const;
const template = (resource = POOL) => withPodLifecycle(gpuTemplate(1, resource), LIFECYCLE);
const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);
const custom = () => kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const promoted: Outcome = { kind: 'promoted', activation: 'gelu' };

const SCENARIOS: Scenario[] = [
  {
    title: 'steps up relu → gelu through 25, 50 and 75 % and promotes, never below 4 of 4 serving',
    model: 'step-up', maxUnavailable: 0, outcome: promoted,
    spec: { activation: 'relu', replicas: 4, template: template(), strategy: { steps: [{ setWeight: 25, pause: '2s' }, { setWeight: 50, pause: '2s' }, { setWeight: 75, pause: '2s' }] } },
    drive: (run) => setActivation(run.namespace, run.model, 'gelu'),
  },
  {
    title: 'rolls back on abort at a reached 50 % step with maxUnavailable 1, never below 3 of 4 serving',
    model: 'rollback', maxUnavailable: 1, outcome: { kind: 'rolledBack', reason: 'Aborted' },
    spec: { activation: 'relu', replicas: 4, template: template(), strategy: { maxUnavailable: 1, steps: [{ setWeight: 50, pause: '10m' }] } },
    drive: async (run) => {
      await setActivation(run.namespace, run.model, 'gelu');
      await run.until('50 % reached', (s) => !!s.weightReachedAt && s.canaryWeight === 50);
      run.mark('abort');
      await signal(run.namespace, run.model, 'abort');
    },
  },
  {
    title: 'rolls back a canary that never becomes Ready at its progress deadline, stable keeping its template, never below 3 of 3 serving',
    model: 'deadline', maxUnavailable: 0, outcome: { kind: 'rolledBack', reason: 'ProgressDeadlineExceeded' },
    spec: { activation: 'relu', replicas: 3, template: template(), strategy: { progressDeadline: '15s', steps: [{ setWeight: 50, pause: '10m' }] } },
    drive: async (run) => {
      // A new activation and a template whose pods take ten minutes to load.
      await custom().patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: run.namespace, name: run.model,
        body: { spec: { activation: 'gelu', template: { metadata: { annotations: { [READY_DELAY_ANNOTATION]: '10m' } } } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    },
  },
  {
    title: 'aborts mid-step while the canary\'s pods for 75 % are still loading, never below 4 of 4 serving',
    model: 'abort', maxUnavailable: 0, outcome: { kind: 'rolledBack', reason: 'Aborted' },
    spec: { activation: 'relu', replicas: 4, template: template(), strategy: { steps: [{ setWeight: 25, pause: '1s' }, { setWeight: 75, pause: '10m' }] } },
    drive: async (run) => {
      await setActivation(run.namespace, run.model, 'gelu');
      await run.until('moving to step 2', (s) => s.currentStepIndex === 1);
      await sleep(2_000);
      run.mark('abort');
      await signal(run.namespace, run.model, 'abort');
    },
  },
  {
    title: 'cancels when the activation is set back to relu mid-step with maxUnavailable 1, never below 3 of 4 serving',
    model: 'cancel', maxUnavailable: 1, outcome: { kind: 'cancelled' },
    spec: { activation: 'relu', replicas: 4, template: template(), strategy: { maxUnavailable: 1, steps: [{ setWeight: 25, pause: '1s' }, { setWeight: 50, pause: '10m' }] } },
    drive: async (run) => {
      await setActivation(run.namespace, run.model, 'gelu');
      await run.until('moving to step 2', (s) => s.currentStepIndex === 1);
      await sleep(2_000);
      run.mark('cancel');
      await setActivation(run.namespace, run.model, 'relu');
    },
  },
  {
    title: 'promotes after walking every step, replacing two stable pods in place, never below 4 of 4 serving',
    model: 'promotion', maxUnavailable: 0, outcome: promoted,
    spec: { activation: 'relu', replicas: 4, template: template(), strategy: { steps: [{ setWeight: 25, pause: '2s' }, { setWeight: 50, pause: '2s' }] } },
    drive: (run) => setActivation(run.namespace, run.model, 'gelu'),
  },
  {
    title: 'promotes with GPUs for replicas + 1 pods only and maxUnavailable 1, pod by pod, never below 3 of 4 serving',
    model: 'gpu-tight', maxUnavailable: 1, outcome: promoted,
    spec: { activation: 'relu', replicas: 4, template: template(TIGHT), strategy: { maxUnavailable: 1, steps: [{ setWeight: 50, pause: '2s' }] } },
    drive: (run) => setActivation(run.namespace, run.model, 'gelu'),
  },
  {
    title: 'promotes with GPUs for replicas + 1 pods only and maxUnavailable left to the operator (0), never below 4 of 4 serving',
    model: 'gpu-surge', maxUnavailable: 0, outcome: promoted,
    spec: { activation: 'relu', replicas: 4, template: template(TIGHT_SURGE), strategy: { steps: [{ setWeight: 50, pause: '2s' }] } },
    drive: (run) => setActivation(run.namespace, run.model, 'gelu'),
  },
  {
    title: 'with replicas: 1, a 10 % step gives the canary 50 % (TrafficSplitExact=False) and stable never goes to 0 serving',
    model: 'one', maxUnavailable: 0, outcome: promoted,
    spec: { activation: 'relu', replicas: 1, template: template(), strategy: { steps: [{ setWeight: 10 }] } },
    drive: async (run) => {
      await setActivation(run.namespace, run.model, 'gelu');
      await run.until('waiting for promote at the step', (s) => s.phase === 'Paused' && !!s.weightReachedAt);
      run.mark('promote');
      await signal(run.namespace, run.model, 'promote');
    },
  },
  {
    title: 'with replicas: 2, a 75 % step gives the canary 50 % and never takes stable to 0 pods',
    model: 'two', maxUnavailable: 0, outcome: promoted,
    spec: { activation: 'relu', replicas: 2, template: template(), strategy: { steps: [{ setWeight: 75 }] } },
    drive: async (run) => {
      await setActivation(run.namespace, run.model, 'gelu');
      await run.until('waiting for promote at the step', (s) => s.phase === 'Paused' && !!s.weightReachedAt);
      run.mark('promote');
      await signal(run.namespace, run.model, 'promote');
    },
  },
];

const namespaces: string[] = [];
const runs = new Map<string, Promise<ScenarioResult>>();
const results: ScenarioResult[] = [];

beforeAll(async () => {
  for (const [name, extra] of Object.entries(NODES)) {
    const node = fakeGpuNode(name, 0) as k8s.V1Node;
    const resources = { ...node.status?.capacity, ...extra };
    await core().createNode({ body: { ...node, status: { ...node.status, capacity: resources, allocatable: resources } } });
  }
  await eventually('floor nodes Ready', async () => {
    const nodes = await core().listNode({});
    return Object.keys(NODES).every((n) => nodes.items.find((x) => x.metadata?.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
  });
  for (const sc of SCENARIOS) {
    const run = runScenario(sc, (ns) => namespaces.push(ns));
    run.then((r) => results.push(r), () => undefined); // handled here; each test awaits its own
    runs.set(sc.model, run);
  }
});

afterAll(async () => {
  await Promise.allSettled(runs.values());
  const rows = SCENARIOS.map((sc) => {
    const r = results.find((x) => x.title === sc.title);
    return r ? `  ${sc.model.padEnd(10)} floor ${r.floor}  min ready ${r.floorResult.min}  ${r.floorResult.samples.length} samples  ${(r.durationMs / 1000).toFixed(1)} s  (${r.floorResult.violations.length} below the floor)`
      : `  ${sc.model.padEnd(10)} did not finish`;
  });
  console.log(`serving floor per scenario (change → outcome at rest):\n${rows.join('\n')}`);
  for (const ns of namespaces) await deleteTestNamespace(ns);
  for (const name of Object.keys(NODES)) await core().deleteNode({ name }).catch(() => undefined);
});

const result = (model: string) => runs.get(model) as Promise<ScenarioResult>;
const weightsSeen = (r: ScenarioResult) => [...new Set(r.statuses.map((x) => x.status.canaryWeight).filter((w): w is number => !!w))].sort((a, b) => a - b);
/** maxUnavailable as status recorded it for the rollout: always the one the scenario's floor assumes. */
const maxUnavailableSeen = (r: ScenarioResult) => [...new Set(r.statuses.map((x) => x.status.maxUnavailable).filter((m) => m !== undefined))];
const samplesBefore = (r: ScenarioResult, mark: string) => r.floorResult.samples.filter((s) => s.at < (r.marks[mark] ?? 0));

/** expectFloorKept, and on failure what the operator did to the Deployments, so the cause is in the message. */
function expectFloorKeptBy(r: ScenarioResult): void {
  try {
    expectFloorKept(r.floorResult);
  } catch (err) {
    const t0 = r.floorResult.samples[0]?.at ?? 0;
    const writes = r.operatorLog.split('\n').filter((l) => /"msg":"(Deployment \w+|Deleted canary Deployment)"/.test(l)).map((l) => {
      const e = JSON.parse(l) as { time: number; msg: string; deployment?: string; activation?: string; replicas?: number };
      return `  +${((e.time - t0) / 1000).toFixed(2)}s ${e.msg} ${e.deployment ?? ''} ${e.activation ?? ''} ${e.replicas ?? ''}`;
    });
    throw new Error(`${(err as Error).message}\nthe operator's Deployment writes:\n${writes.join('\n')}`, { cause: err });
  }
}

function expectAtRest(r: ScenarioResult, sc: Scenario, activation: string): void {
  expect(r.stable?.spec?.replicas).toBe(sc.spec.replicas);
  expect(r.stable?.status?.readyReplicas).toBe(sc.spec.replicas);
  expect(r.stable?.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'ACTIVATION')?.value).toBe(activation);
  expect(r.canaryExists).toBe(false);
  expect(r.floorResult.samples.at(-1)?.ready).toBe(sc.spec.replicas);
}

describe('the serving floor during rollouts with pods that take 5–10 s to become Ready', () => {
  const scenario = (model: string) => SCENARIOS.find((s) => s.model === model) as Scenario;
  const TIMEOUT = 420_000;

  it(scenario('step-up').title, async () => {
    const r = await result('step-up');
    expectFloorKeptBy(r);
    expect(maxUnavailableSeen(r)).toEqual([0]);
    expect(weightsSeen(r)).toEqual([25, 50, 75]);
    expect(r.final).toMatchObject({ phase: 'Healthy', stableActivation: 'gelu' });
    expect(r.events.filter((e) => e === 'StepCompleted')).toHaveLength(2);
    expect(r.events).toEqual(expect.arrayContaining(['PromotionStarted', 'Promoted']));
    expectAtRest(r, scenario('step-up'), 'gelu');
  }, TIMEOUT);

  it(scenario('rollback').title, async () => {
    const r = await result('rollback');
    expectFloorKeptBy(r);
    expect(maxUnavailableSeen(r)).toEqual([1]);
    expect(r.final).toMatchObject({ phase: 'Degraded', stableActivation: 'relu', canaryWeight: 0 });
    expect(r.events).toContain('RolledBack');
    expectAtRest(r, scenario('rollback'), 'relu');
  }, TIMEOUT);

  it(scenario('deadline').title, async () => {
    const r = await result('deadline');
    expectFloorKeptBy(r);
    expect(maxUnavailableSeen(r)).toEqual([0]);
    expect(r.final).toMatchObject({ phase: 'Degraded', stableActivation: 'relu' });
    expect(r.final.conditions?.find((c) => c.type === 'Degraded')?.message).toMatch(/did not become ready within the progress deadline 15s/);
    // Stable serves the template it served before, not the one in the spec.
    expect(r.stable?.spec?.template.metadata?.annotations?.[READY_DELAY_ANNOTATION]).toBe('5s');
    expect(r.stable?.spec?.template.metadata?.labels?.['activationcanary.io/revision']).toBe(r.final.stableRevision);
    expectAtRest(r, scenario('deadline'), 'relu');
  }, TIMEOUT);

  it(scenario('abort').title, async () => {
    const r = await result('abort');
    expectFloorKeptBy(r);
    expect(maxUnavailableSeen(r)).toEqual([0]);
    // The abort came while step 2 was still scaling: its weight was never reached.
    const before = r.statusAtMark.abort;
    expect(before).toMatchObject({ currentStepIndex: 1 });
    expect(before?.weightReachedAt).toBeUndefined();
    expect(r.final).toMatchObject({ phase: 'Degraded', stableActivation: 'relu' });
    expectAtRest(r, scenario('abort'), 'relu');
  }, TIMEOUT);

  it(scenario('cancel').title, async () => {
    const r = await result('cancel');
    expectFloorKeptBy(r);
    expect(maxUnavailableSeen(r)).toEqual([1]);
    expect(r.final).toMatchObject({ phase: 'Healthy', stableActivation: 'relu' });
    expect(r.final.canaryActivation).toBeUndefined();
    expect(r.events).toContain('RolloutCancelled');
    expectAtRest(r, scenario('cancel'), 'relu');
  }, TIMEOUT);

  it(scenario('promotion').title, async () => {
    const r = await result('promotion');
    expectFloorKeptBy(r);
    expect(maxUnavailableSeen(r)).toEqual([0]);
    expect(weightsSeen(r)).toEqual([25, 50]);
    expect(r.final).toMatchObject({ phase: 'Healthy', stableActivation: 'gelu' });
    expect(r.events).toEqual(expect.arrayContaining(['PromotionStarted', 'Promoted']));
    expectAtRest(r, scenario('promotion'), 'gelu');
  }, TIMEOUT);

  it(scenario('gpu-tight').title, async () => {
    const r = await result('gpu-tight');
    expectFloorKeptBy(r);
    expect(maxUnavailableSeen(r)).toEqual([1]);
    expect(weightsSeen(r)).toEqual([50]);
    expect(r.final).toMatchObject({ phase: 'Healthy', stableActivation: 'gelu' });
    expect(r.events).not.toContain('RolledBack');
    // Never more pods serving than the five GPUs hold.
    expect(Math.max(...r.floorResult.samples.map((s) => s.ready))).toBeLessThanOrEqual(5);
    expectAtRest(r, scenario('gpu-tight'), 'gelu');
  }, TIMEOUT);

  it(scenario('gpu-surge').title, async () => {
    const r = await result('gpu-surge');
    expectFloorKeptBy(r);
    expect(maxUnavailableSeen(r)).toEqual([0]);
    expect(weightsSeen(r)).toEqual([50]);
    expect(r.final).toMatchObject({ phase: 'Healthy', stableActivation: 'gelu' });
    expect(r.events).not.toContain('RolledBack');
    expectAtRest(r, scenario('gpu-surge'), 'gelu');
  }, TIMEOUT);

  it(scenario('one').title, async () => {
    const r = await result('one');
    expectFloorKeptBy(r);
    const atStep = r.statusAtMark.promote;
    expect(atStep?.canaryWeight).toBe(50);
    expect(atStep?.conditions?.find((c) => c.type === 'TrafficSplitExact')).toMatchObject({ status: 'False', reason: 'CoarseReplicaSplit' });
    expect(atStep?.conditions?.find((c) => c.type === 'TrafficSplitExact')?.message).toMatch(/50% of traffic instead of 10%/);
    const stableServing = samplesBefore(r, 'promote').map((s) => servingOfRole(s.pods, 'one', 'stable'));
    expect(Math.min(...stableServing)).toBe(1);
    expect(r.final).toMatchObject({ phase: 'Healthy', stableActivation: 'gelu' });
    expectAtRest(r, scenario('one'), 'gelu');
  }, TIMEOUT);

  it(scenario('two').title, async () => {
    const r = await result('two');
    expectFloorKeptBy(r);
    const atStep = r.statusAtMark.promote;
    expect(atStep?.canaryWeight).toBe(50);
    expect(atStep?.conditions?.find((c) => c.type === 'TrafficSplitExact')).toMatchObject({ status: 'False', reason: 'CoarseReplicaSplit' });
    const stableServing = samplesBefore(r, 'promote').map((s) => servingOfRole(s.pods, 'two', 'stable'));
    expect(Math.min(...stableServing)).toBeGreaterThanOrEqual(1);
    expect(r.final).toMatchObject({ phase: 'Healthy', stableActivation: 'gelu' });
    expectAtRest(r, scenario('two'), 'gelu');
  }, TIMEOUT);
});
