/**
 * The ModelVariant's Argo CD health check and actions, replayed on the recorded fixtures in Argo CD's
 * own test layout (health_test.yaml, actions/action_test.yaml; recorded by
 * argocd-health-fixtures.test.ts from objects the operator wrote) by the interpreter Argo CD embeds,
 * through the real argocd binary. It also checks that the argocd-cm snippet users install is the one
 * generated from the Lua files, that the fixtures cover every phase and every condition the operator
 * sets False, and that every action writes the signal annotation and nothing else.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PHASE, SIGNAL_ANNOTATION, type ModelVariant } from '../../src/api/types.ts';
import { actionNames, snippetIsCurrent } from '../../scripts/gen-argocd.ts';
import { argocdTools } from '../harness/argocd.ts';
import { argocdLua, CUSTOMIZATIONS, normaliseSignal, readYaml, type ActionTests, type HealthTests } from './support/argocd-lua.ts';

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
