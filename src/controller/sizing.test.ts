import { describe, expect, it } from '@jest/globals';
import { moveToward, type MoveInput } from './sizing.ts';

const at = (stable: [number, number], canary: [number, number]) => ({
  stable: { replicas: stable[0], ready: stable[1] }, canary: { replicas: canary[0], ready: canary[1] },
});
const move = (over: Partial<MoveInput> & Pick<MoveInput, 'current' | 'target'>) => moveToward({ fits: undefined, floor: 4, first: 'canary', ...over });

describe('moveToward', () => {
  it.each([
    ['surges the canary while stable keeps serving when room allows', at([4, 4], [0, 0]), { stable: 3, canary: 1 }, undefined, 4, { stable: 4, canary: 1 }, false],
    ['shrinks stable once the canary is Ready at its target', at([4, 4], [1, 1]), { stable: 3, canary: 1 }, undefined, 4, { stable: 3, canary: 1 }, false],
    ['with no room and maxUnavailable 1, one stable pod makes room for one canary pod', at([4, 4], [0, 0]), { stable: 2, canary: 2 }, 0, 3, { stable: 3, canary: 1 }, false],
    ['with no room and maxUnavailable 0, holds: nothing can move and nothing is on its way', at([4, 4], [0, 0]), { stable: 3, canary: 1 }, 0, 4, { stable: 4, canary: 0 }, true],
    ['waits, not holds, while a pod is on its way to Ready', at([4, 4], [1, 0]), { stable: 2, canary: 2 }, 0, 4, { stable: 4, canary: 1 }, false],
    ['removes unready pods of the shrinking side freely', at([4, 1], [2, 2]), { stable: 2, canary: 2 }, 0, 3, { stable: 2, canary: 2 }, false],
    ['keeps stable whole until the canary is Ready at a 100% target', at([4, 4], [1, 1]), { stable: 0, canary: 4 }, undefined, 4, { stable: 4, canary: 4 }, false],
    ['never cuts ready pods below the floor', at([4, 4], [4, 4]), { stable: 0, canary: 4 }, 0, 7, { stable: 3, canary: 4 }, false],
  ])('%s', (_name, current, target, fits, floor, sizes, blocked) => {
    expect(move({ current, target, fits, floor })).toEqual({ sizes, blocked });
  });

  it('counts pods pending for a node as needing room: a ready canary pod makes room for a pending stable pod', () => {
    const current = { stable: { replicas: 2, ready: 1, unscheduled: 1 }, canary: { replicas: 1, ready: 1 } };
    const target = { stable: 2, canary: 0 };
    expect(moveToward({ current, target, fits: 0, floor: 1, first: 'stable' })).toEqual({ sizes: { stable: 2, canary: 0 }, blocked: false });
    // At the floor nothing can go: a hold (an exit then goes one pod below the floor), not a wait.
    expect(moveToward({ current, target, fits: 0, floor: 2, first: 'stable' })).toEqual({ sizes: { stable: 2, canary: 1 }, blocked: true });
  });

  it('does not count on ready pods that stable\'s own rolling update may still take down', () => {
    // Promotion: stable (4, 1 of them still the old template) replaces pods in place; the canary's 3 stay.
    const rolling = { stable: { replicas: 4, ready: 4, readyAtRisk: 1 }, canary: { replicas: 3, ready: 3 } };
    expect(moveToward({ current: rolling, target: { stable: 4, canary: 0 }, fits: undefined, floor: 4, first: 'stable' }).sizes).toEqual({ stable: 4, canary: 3 });
    // Once the rolling update is done, the canary goes.
    const done = { stable: { replicas: 4, ready: 4 }, canary: { replicas: 3, ready: 3 } };
    expect(moveToward({ current: done, target: { stable: 4, canary: 0 }, fits: undefined, floor: 4, first: 'stable' }).sizes).toEqual({ stable: 4, canary: 0 });
  });

  it('drops pods of a rolling Deployment waiting for a node only while the ready pods its update then keeps hold the floor', () => {
    // Stable 3 (2 ready, 1 Pending) replaces pods in place: at 3 its update keeps 2 ready, at 2 only 1.
    const current = { stable: { replicas: 3, ready: 2, unscheduled: 1, rolling: true }, canary: { replicas: 0, ready: 0 } };
    expect(moveToward({ current, target: { stable: 0, canary: 3 }, fits: 0, floor: 2, first: 'canary' })).toEqual({ sizes: { stable: 3, canary: 0 }, blocked: true });
    expect(moveToward({ current, target: { stable: 0, canary: 3 }, fits: 0, floor: 1, first: 'canary' }).sizes).toEqual({ stable: 2, canary: 0 });
  });

  it('keeps the only canary pod while a single stable pod is being replaced (its status still says Ready)', () => {
    const stale = { stable: { replicas: 1, ready: 1, readyAtRisk: 1 }, canary: { replicas: 1, ready: 1 } };
    expect(moveToward({ current: stale, target: { stable: 1, canary: 0 }, fits: undefined, floor: 1, first: 'stable' })).toEqual({ sizes: { stable: 1, canary: 1 }, blocked: false });
  });

  it('makes room for a pending pod of the receiving side when GPUs are tight, pod by pod', () => {
    // Promotion: stable is at full size but one of its pods waits for a GPU the canary holds.
    const current = { stable: { replicas: 4, ready: 3, unscheduled: 1 }, canary: { replicas: 2, ready: 2 } };
    expect(moveToward({ current, target: { stable: 4, canary: 0 }, fits: 0, floor: 3, first: 'stable' })).toEqual({ sizes: { stable: 4, canary: 1 }, blocked: false });
  });

  it('does not grow onto free room that pods of the receiving side are about to take', () => {
    const current = { stable: { replicas: 3, ready: 2, unscheduled: 1 }, canary: { replicas: 2, ready: 2 } };
    // One GPU free, and stable's third pod takes it: growing stable needs a canary pod's GPU, within the floor.
    expect(moveToward({ current, target: { stable: 4, canary: 0 }, fits: 1, floor: 4, first: 'stable' }).sizes).toEqual({ stable: 3, canary: 2 });
    expect(moveToward({ current, target: { stable: 4, canary: 0 }, fits: 1, floor: 3, first: 'stable' }).sizes).toEqual({ stable: 4, canary: 1 });
  });

  it('exits toward stable pod by pod when GPUs are tight (first: stable)', () => {
    let cur = at([2, 2], [2, 2]);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const m = moveToward({ current: cur, target: { stable: 4, canary: 0 }, fits: 0, floor: 3, first: 'stable' });
      seen.push(`${m.sizes.stable}/${m.sizes.canary}`);
      // The world: a removed pod frees its GPU; a new pod becomes Ready by the next pass.
      cur = at([m.sizes.stable, m.sizes.stable], [m.sizes.canary, m.sizes.canary]);
      expect(cur.stable.ready + cur.canary.ready).toBeGreaterThanOrEqual(3);
    }
    expect(seen).toEqual(['3/1', '4/0', '4/0', '4/0', '4/0', '4/0']);
  });
});
