import { describe, expect, it } from '@jest/globals';
import { describeRouterConformance } from './conformance.suite.ts';
import { createReplicasRouter, readyWeight, replicaSplit } from './replicas.ts';

describeRouterConformance('replicas', { newRouter: createReplicasRouter, sharesReplicas: true });

describe('the replicas provider', () => {
  it.each([
    [4, 25, { stable: 3, canary: 1, weight: 25 }],
    [4, 40, { stable: 3, canary: 1, weight: 25 }],
    [3, 50, { stable: 2, canary: 1, weight: 33 }],
    [4, 50, { stable: 2, canary: 2, weight: 50 }],
    [2, 75, { stable: 1, canary: 1, weight: 50 }],
    [4, 10, { stable: 4, canary: 1, weight: 20 }],
    [1, 10, { stable: 1, canary: 1, weight: 50 }],
    [1, 50, { stable: 1, canary: 1, weight: 50 }],
    [10, 10, { stable: 9, canary: 1, weight: 10 }],
    [0, 50, { stable: 0, canary: 0, weight: 0 }],
  ])('splits %i replicas at %i%% as %o', (n, w, split) => {
    expect(replicaSplit(n, w)).toEqual(split);
  });
  it('reports the real ready ratio, not the requested weight', () => {
    expect(readyWeight({ stable: 3, canary: 1 })).toBe(25);
    expect(readyWeight({ stable: 2, canary: 1 })).toBe(33);
    expect(readyWeight({ stable: 0, canary: 0 })).toBe(0);
  });
});

describe('the replicas router', () => {
  const target = { namespace: 'ml', name: 'sentiment', stableService: 'sentiment-stable', canaryService: 'sentiment-canary', port: 8080, owner: { apiVersion: 'v', kind: 'ModelVariant', name: 'sentiment', uid: 'u' } };
  it('reads back the split it sized once those pods are Ready (no pretending)', async () => {
    const router = createReplicasRouter();
    for (let n = 1; n <= 8; n++) {
      for (const w of [0, 1, 5, 10, 25, 50, 75, 99, 100]) {
        const split = router.replicasFor(n, w);
        await router.setRoutes(target, { weight: split.weight });
        expect(await router.getRoutes(target, { stable: split.stable, canary: split.canary })).toEqual({ weight: split.weight });
      }
    }
  });
  it('finalizes twice without error', async () => {
    const router = createReplicasRouter();
    await router.finalize(target);
    await expect(router.finalize(target)).resolves.toBeUndefined();
  });
});
