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
