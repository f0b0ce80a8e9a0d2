/**
 * The ModelVariant's Argo CD health check and actions, replayed on the recorded fixtures in Argo CD's
 * own test layout (health_test.yaml, actions/action_test.yaml; recorded by
 * argocd-health-fixtures.test.ts from objects the operator wrote) by the interpreter Argo CD embeds,
 * through the real argocd binary. It also checks that the argocd-cm snippet users install is the one
 * generated from the Lua files, that the fixtures cover every phase and every condition the operator
 * sets False, and that every action writes the signal annotation and nothing else.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PHASE, SIGNAL_ANNOTATION, type ModelVariant } from '../../src/api/types.ts';
import { actionNames, snippetIsCurrent } from '../../scripts/gen-argocd.ts';
import { checkSignal, SIGNAL_VERBS } from '../../src/cli/plugin/signal-check.ts';
import { signalKey } from '../../src/controller/signals.ts';
import { argocdTools } from '../harness/argocd.ts';
import { REPO_ROOT } from '../harness/binaries.ts';
import { clusterState } from '../harness/env.ts';
import { argocdLua, CUSTOMIZATIONS, everyObject, normaliseSignal, readYaml, type ActionTests, type HealthTests, type Judged } from './support/argocd-lua.ts';

let lua: ReturnType<typeof argocdLua>;
const withoutSignal = (mv: ModelVariant): ModelVariant => {
  const { [SIGNAL_ANNOTATION]: _signal, ...annotations } = mv.metadata?.annotations ?? {};
  return { ...mv, metadata: { ...mv.metadata, annotations } };
};
const health = readYaml<HealthTests>('health_test.yaml');
const actions = readYaml<ActionTests>(join('actions', 'action_test.yaml'));
const fixture = (path: string) => readFileSync(join(CUSTOMIZATIONS, path), 'utf8');
const actionFixture = (path: string) => readFileSync(join(CUSTOMIZATIONS, 'actions', path), 'utf8');

beforeAll(() => {
  lua = argocdLua(argocdTools().bin);
});

describe('the argocd-cm snippet', () => {
  it('is generated from the Lua files (node scripts/gen-argocd.ts)', () => {
    expect(snippetIsCurrent()).toBe(true);
  });
});

describe('the RBAC line of docs/gitops.md', () => {
  it('lets the role run that action, and only that one, on the Application the page shows', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'gitops.md'), 'utf8');
    const line = /`(p, (role:[^,]+), applications, action\/activationcanary\.io\/ModelVariant\/(\w+), [^`]+)`/.exec(doc);
    const app = /kind: Application\nmetadata: \{ name: ([\w-]+),[\s\S]*?project: ([\w-]+)/.exec(doc);
    expect(line).not.toBeNull();
    expect(app).not.toBeNull();
    const [, policy = '', role = '', allowed = ''] = line ?? [];
    const [, name = '', project = ''] = app ?? [];
    const dir = mkdtempSync(join(tmpdir(), 'argocd-rbac-'));
    try {
      writeFileSync(join(dir, 'policy.csv'), `${policy}\n`);
      const can = (action: string) => spawnSync(argocdTools().bin, ['admin', 'settings', 'rbac', 'can', role, `action/activationcanary.io/ModelVariant/${action}`,
        'applications', `${project}/${name}`, '--policy-file', join(dir, 'policy.csv')], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: clusterState().kubeconfig } }).stdout.trim();
      expect({ [allowed]: can(allowed), abort: can('abort') }).toEqual({ [allowed]: 'Yes', abort: 'No' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('health.lua on the recorded fixtures', () => {
  it.each(health.tests.map((t) => [t.inputPath, t.healthStatus] as const))('%s is %p', (path, want) => {
    expect(lua.health(fixture(path))).toEqual(want);
  });

  it('has a fixture for every phase the operator writes and for every condition it sets False', () => {
    const statuses = health.tests.map((t) => (parse(fixture(t.inputPath)) as ModelVariant).status ?? {});
    expect(new Set(statuses.map((s) => s.phase).filter(Boolean))).toEqual(new Set(Object.values(PHASE)));
    const falseConditions = new Set(statuses.flatMap((s) => s.conditions?.filter((c) => c.status === 'False').map((c) => c.type) ?? []));
    expect([...falseConditions].sort()).toEqual(expect.arrayContaining(['Available', 'CapacityAvailable', 'ChildrenReconciled', 'MetricsAvailable', 'SpecValid', 'TrafficRouted']));
    expect(health.tests.filter((t) => t.healthStatus.status === 'Unknown')).toEqual([]);
  });
});

describe('the actions on the recorded fixtures', () => {
  it.each(actions.discoveryTests.map((t) => [t.inputPath, t.result] as const))('discovery on %s', (path, want) => {
    expect(lua.actions(actionFixture(path))).toEqual(want);
  });

  it('enables exactly the actions `kubectl modelvariant` would send (signal-check.ts), on every fixture', () => {
    for (const t of actions.discoveryTests) {
      const mv = parse(actionFixture(t.inputPath)) as ModelVariant;
      const plugin = SIGNAL_VERBS.filter((verb) => checkSignal(verb, mv).send).sort();
      expect({ fixture: t.inputPath, enabled: t.result.filter((a) => !a.disabled).map((a) => a.name) }).toEqual({ fixture: t.inputPath, enabled: plugin });
    }
  });

  it('offers promote, abort, retry, pause and resume, each tested on a fixture', () => {
    expect(actionNames()).toEqual(['abort', 'pause', 'promote', 'resume', 'retry']);
    expect(actions.actionTests.map((t) => t.action).sort()).toEqual(actionNames());
  });

  it.each(actions.actionTests.map((t) => [t.action, t.inputPath, t.expectedOutputPath] as const))('%s on %s sets the signal annotation and nothing else', (action, input, expected) => {
    const before = parse(actionFixture(input)) as ModelVariant;
    const want = parse(actionFixture(expected)) as ModelVariant;
    const { added, removed } = lua.runAction(actionFixture(input), action);
    // An earlier signal (already handled) is replaced; nothing else is removed.
    expect(removed.filter((l) => !l.trim().startsWith(`${SIGNAL_ANNOTATION}:`))).toEqual([]);
    const signalLine = added.find((l) => l.includes(SIGNAL_ANNOTATION)) ?? '';
    expect(added.filter((l) => l !== signalLine && l.trim() !== 'annotations:')).toEqual([]);
    const value = signalLine.split(': ').slice(1).join(': ');
    expect(value).toMatch(new RegExp(`^${action}@argocd-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ-rv${before.metadata?.resourceVersion}$`));
    expect(normaliseSignal(value)).toBe(want.metadata?.annotations?.[SIGNAL_ANNOTATION]);
    // The expected output is the input with that annotation: spec, status and the rest untouched.
    expect(withoutSignal(want)).toEqual(withoutSignal(before));
  });
});

/*
 * Hand-written objects, NOT recorded: unit cases for states the recorder does not reach and for
 * statuses of shapes the CRD would refuse (a Lua error makes Argo CD show the error instead of a
 * health or actions). Each is a recorded fixture changed in one way; all run in one argocd call.
 */
describe('health.lua and discovery.lua on hand-written odd objects', () => {
  type Change = (mv: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
  const from = (path: string, change: Change): unknown => {
    const mv = parse(fixture(path)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    change(mv);
    return mv;
  };
  const setCondition = (type: string, status: string): Change => (mv) => {
    mv.status.conditions = [...mv.status.conditions.filter((c: { type: string }) => c.type !== type), { type, status, reason: 'Test', message: `${type} set by the test` }];
  };
  const stale = (activation: string): Change => (mv) => {
    mv.metadata.generation += 1;
    mv.spec.activation = activation;
  };
  const progressing = 'testdata/progressing.yaml';
  const LONG_SIGNAL = `pause@${'x'.repeat(5000)}`;
  const healthy = 'testdata/healthy.yaml';
  const degraded = 'testdata/degraded-aborted.yaml';

  /** [what, object, the health it must give (status, and a pattern of its message)] */
  const healthCases: [string, unknown, string, RegExp][] = [
    ['status {}', from(healthy, (mv) => { mv.status = {}; }), 'Progressing', /^Waiting for the activation-canary operator/],
    ['status a string', from(healthy, (mv) => { mv.status = 'ok'; }), 'Progressing', /^Waiting for the activation-canary operator/],
    ['no phase, observedGeneration set', from(healthy, (mv) => { delete mv.status.phase; }), 'Progressing', /^Waiting for the activation-canary operator/],
    ['conditions null', from(healthy, (mv) => { mv.status.conditions = null; }), 'Healthy', /^relu is stable/],
    ['conditions a string', from(healthy, (mv) => { mv.status.conditions = 'none'; }), 'Healthy', /^relu is stable/],
    ['conditions a map', from(healthy, (mv) => { mv.status.conditions = { SpecValid: 'False' }; }), 'Healthy', /^relu is stable/],
    ['conditions a list of strings', from(healthy, (mv) => { mv.status.conditions = ['SpecValid']; }), 'Healthy', /^relu is stable/],
    ['a condition whose reason and message are maps', from(degraded, (mv) => { mv.status.conditions = [{ type: 'Degraded', status: 'True', reason: { a: 1 }, message: ['x'] }]; }), 'Degraded', /^Rolled back \(no reason\)$/],
    ['observedGeneration a word', from(healthy, (mv) => { mv.status.observedGeneration = 'two'; }), 'Healthy', /^relu is stable/],
    ['observedGeneration a numeric string, behind', from(healthy, (mv) => { mv.status.observedGeneration = '0'; }), 'Progressing', /^Waiting for the operator to observe generation 1 \(status describes 0\)$/],
    ['no generation', from(healthy, (mv) => { delete mv.metadata.generation; }), 'Healthy', /^relu is stable/],
    ['no currentStepIndex', from(progressing, (mv) => { delete mv.status.currentStepIndex; }), 'Progressing', /^Canary gelu: step 1\/1/],
    ['currentStepIndex a word', from(progressing, (mv) => { mv.status.currentStepIndex = 'first'; }), 'Progressing', /^Canary gelu: step 1\/1/],
    ['no canaryWeight', from(progressing, (mv) => { delete mv.status.canaryWeight; }), 'Progressing', /^Canary gelu at step 1, weight 0%/],
    ['canaryWeight a map', from(progressing, (mv) => { mv.status.canaryWeight = { percent: 50 }; }), 'Progressing', /^Canary gelu at step 1, weight 0%/],
    ['a message with a newline and non-ASCII text', from(progressing, (mv) => { mv.status.phase = 'Paused'; mv.status.message = 'line one\nline two → ✓ 日本'; }), 'Suspended', /^Paused: line one\nline two → ✓ 日本$/],
    ['a message that is a map', from(progressing, (mv) => { mv.status.phase = 'Paused'; mv.status.message = { text: 'x' }; }), 'Suspended', /^Paused$/],
    ['annotations null', from(healthy, (mv) => { mv.metadata.annotations = null; }), 'Healthy', /^relu is stable/],
    ['the signal already handled', from(healthy, (mv) => { mv.metadata.annotations = { [SIGNAL_ANNOTATION]: 'promote@x' }; mv.status.handledSignal = 'promote@x'; }), 'Healthy', /^relu is stable/],
    ['an empty signal', from(healthy, (mv) => { mv.metadata.annotations = { [SIGNAL_ANNOTATION]: '' }; }), 'Healthy', /^relu is stable/],
    ['a signal longer than handledSignal holds, recorded as its digest', from(healthy, (mv) => { mv.metadata.annotations = { [SIGNAL_ANNOTATION]: LONG_SIGNAL }; mv.status.handledSignal = signalKey(LONG_SIGNAL); }), 'Healthy', /^relu is stable/],
    ['a long signal not yet handled, shown cut', from(healthy, (mv) => { mv.metadata.annotations = { [SIGNAL_ANNOTATION]: LONG_SIGNAL }; }), 'Progressing', /^Waiting for the operator to act on a signal of 5006 bytes$/],
    ['an experiment running (no canary)', from(healthy, (mv) => { mv.status.phase = 'Progressing'; mv.status.message = 'experiment: gelu 1 pod(s) ≈ 10% of traffic beside stable relu'; mv.status.experiment = { id: 'x', phase: 'Running', baseActivation: 'relu' }; }), 'Progressing', /^Progressing: experiment: gelu/],
    ['an experiment decided, stable kept', from(healthy, (mv) => { mv.status.experiment = { id: 'x', phase: 'Decided', baseActivation: 'relu', reason: 'Cancelled' }; }), 'Healthy', /^relu is stable/],
    ['a phase that is a number', from(healthy, (mv) => { mv.status.phase = 7; }), 'Unknown', /^Unknown phase 7/],
  ];

  /** [what, object, the actions the operator acts on there (src/controller/plan.ts, plan-canary.ts)] */
  const actionCases: [string, unknown, string[]][] = [
    ['an invalid spec during a rollout: only abort rolls back (plan.ts invalidSpec)', from(progressing, setCondition('SpecValid', 'False')), ['abort']],
    ['an invalid spec after a rollback: retry is ignored', from(degraded, setCondition('SpecValid', 'False')), []],
    ['a rollback whose route went missing: retry waits for the route and is ignored', from(degraded, setCondition('TrafficRouted', 'False')), []],
    ['a new canary waiting for its route (Paused, no canary)', from(healthy, (mv) => { mv.status.phase = 'Paused'; setCondition('TrafficRouted', 'False')(mv); }), []],
    ['a rollback, then a commit of another activation not yet observed: a new canary starts', from(degraded, stale('swish')), ['abort', 'pause', 'promote']],
    ['a rollback, then a commit of the same activation not yet observed (replicas): retry acts', from(degraded, (mv) => { mv.metadata.generation += 1; mv.spec.replicas = 3; }), ['retry']],
    ['a rollout, then a commit back to stable not yet observed: no rollout', from(progressing, stale('relu')), []],
    ['a rollout, then a commit of a third activation not yet observed: it restarts', from(progressing, stale('swish')), ['abort', 'pause', 'promote']],
    ['a new activation committed while the route is missing', from(healthy, (mv) => { stale('gelu')(mv); setCondition('TrafficRouted', 'False')(mv); }), []],
    ['Promoting: only abort', from(progressing, (mv) => { mv.status.phase = 'Promoting'; }), ['abort']],
    ['Paused by a signal with conditions not a list', from(progressing, (mv) => { mv.status.phase = 'Paused'; mv.status.pausedAt = '2026-11-30T06:45:50Z'; mv.status.conditions = 'x'; }), ['abort', 'promote', 'resume']],
    ['status a string', from(healthy, (mv) => { mv.status = 'ok'; }), []],
    ['an experiment running: only abort (it ends the experiment; plan-experiment.ts)', from(healthy, (mv) => { mv.status.phase = 'Progressing'; mv.status.experiment = { id: 'x', phase: 'Running', baseActivation: 'relu' }; }), ['abort']],
    ['an experiment decided: no rollout', from(healthy, (mv) => { mv.status.experiment = { id: 'x', phase: 'Decided', baseActivation: 'relu', reason: 'NoCandidateBetter' }; }), []],
    ['an experiment of an odd shape', from(healthy, (mv) => { mv.status.experiment = 'Running'; }), []],
    ['spec and metadata of odd shapes', from(degraded, (mv) => { mv.spec = 'x'; mv.metadata.generation = 'one'; }), ['retry']],
  ];

  let judged: Judged[];
  beforeAll(() => {
    judged = everyObject(argocdTools().bin, [...healthCases.map((c) => c[1]), ...actionCases.map((c) => c[1])]);
  });

  it.each(healthCases.map(([what, , status, message], i) => [what, i, status, message] as const))('health with %s', (_what, i, status, message) => {
    const got = judged[i];
    expect(got?.health).toEqual({ status, message: expect.stringMatching(message) });
    expect(Array.isArray(got?.actions)).toBe(true);
  });

  it.each(actionCases.map(([what, , enabled], i) => [what, healthCases.length + i, enabled] as const))('actions on %s', (_what, i, enabled) => {
    const got = judged[i]?.actions;
    expect(Array.isArray(got) ? got.filter((a) => !a.disabled).map((a) => a.name) : got).toEqual(enabled);
    expect(judged[i]?.health).toHaveProperty('status');
  });
});
