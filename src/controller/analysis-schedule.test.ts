import { describe, expect, it } from '@jest/globals';
import { analysisDueAt } from './analysis-schedule.ts';
import type { Desired, Status } from './model.ts';

const T0 = Date.parse('2026-11-30T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const d = { variant: { activation: 'gelu', revision: 'r1' }, analysis: { intervalMs: 10_000 } } as unknown as Desired;
const rolling = (extra: Partial<Status>): Status => ({
  phase: 'Progressing', stableActivation: 'relu', stableRevision: 'r1', canaryActivation: 'gelu', canaryRevision: 'r1',
  currentStepIndex: 1, stepStartedAt: iso(T0), ...extra,
});

describe('when the next analysis run is due', () => {
  it.each([
    ['at the weight: one interval after it was reached', rolling({ canaryWeight: 50, weightReachedAt: iso(T0) }), T0 + 10_000],
    ['at the weight: one interval after the later last run', rolling({ canaryWeight: 50, weightReachedAt: iso(T0), analysis: { lastRunAt: iso(T0 + 3_000) } }), T0 + 13_000],
    ['at the weight: never counted from a run before the weight', rolling({ canaryWeight: 50, weightReachedAt: iso(T0), analysis: { lastRunAt: iso(T0 - 9_000) } }), T0 + 10_000],
    ['between steps, serving the last weight: one interval after the last run', rolling({ canaryWeight: 25, analysis: { lastRunAt: iso(T0 - 4_000) } }), T0 + 6_000],
    ['between steps, serving the last weight, last run long ago: at the step start', rolling({ canaryWeight: 25, analysis: { lastRunAt: iso(T0 - 60_000) } }), T0],
    ['between steps with no run yet: at the step start', rolling({ canaryWeight: 25 }), T0],
    ['before the first weight: the canary serves nothing, no run', rolling({ currentStepIndex: 0, canaryWeight: 0 }), undefined],
    ['paused by a user', rolling({ canaryWeight: 25, weightReachedAt: iso(T0), pausedAt: iso(T0) }), undefined],
    ['held for capacity between steps, serving the last weight: still judged', rolling({ canaryWeight: 25, capacityHoldSince: iso(T0), analysis: { lastRunAt: iso(T0 - 4_000) } }), T0 + 6_000],
    ['held for capacity before the first weight: nothing served, no run', rolling({ currentStepIndex: 0, canaryWeight: 0, capacityHoldSince: iso(T0) }), undefined],
    ['promoting', rolling({ phase: 'Promoting', canaryWeight: 50, weightReachedAt: iso(T0) }), undefined],
    ['rolled back', rolling({ phase: 'Degraded', canaryWeight: 0 }), undefined],
    ['a canary of another variant than the spec\'s', rolling({ canaryActivation: 'silu', canaryWeight: 25, weightReachedAt: iso(T0) }), undefined],
  ] as const)('%s', (_what, status, expected) => {
    expect(analysisDueAt(d, status)).toBe(expected);
  });

  it('never, without analysis in the spec', () => {
    expect(analysisDueAt({ ...d, analysis: undefined } as unknown as Desired, rolling({ canaryWeight: 50, weightReachedAt: iso(T0) }))).toBeUndefined();
  });
});
