/**
 * The shared conformance suite every traffic router passes (after Hono's `runTest({ newRouter })`).
 * Each case fails on a router that gets it wrong: weight 0 runs no canary; no weight below 100 ever
 * leaves stable without pods (a cut-over); the canary never shrinks as the weight grows; the split's
 * reported `weight` is exactly what `getRoutes` reads back once those pods are Ready and the route is
 * set (no pretending); a split never gives the canary more than asked unless no smaller canary exists;
 * finalize sends everything back to stable and tolerates running twice.
 */
import { describe, expect, it } from '@jest/globals';
import type { ReadyReplicas, RouteTarget, TrafficRouter } from './router.ts';

export interface ConformanceOptions {
  newRouter(): TrafficRouter;
  /** True when the canary's pods come out of the stable total (the `replicas` provider); false for weighted routers. */
  sharesReplicas: boolean;
}

const target: RouteTarget = { namespace: 'ml', name: 'sentiment', stableService: 'sentiment-stable', canaryService: 'sentiment-canary', port: 8080 };
const WEIGHTS = [1, 5, 10, 20, 25, 33, 50, 75, 90, 99];

export function describeRouterConformance(name: string, opts: ConformanceOptions): void {
  describe(`traffic router conformance: ${name}`, () => {
    it('runs no canary pod at weight 0, and stable at full size', () => {
      for (const n of [1, 4, 7]) expect(opts.newRouter().replicasFor(n, 0)).toEqual({ stable: n, canary: 0, weight: 0 });
    });
    it('never cuts stable to zero pods below 100%, and runs the canary at full size at 100%', () => {
      const router = opts.newRouter();
      for (let n = 1; n <= 12; n++) {
        for (const w of WEIGHTS) {
          const split = router.replicasFor(n, w);
          expect(split.stable).toBeGreaterThanOrEqual(1);
          expect(split.canary).toBeGreaterThanOrEqual(1);
        }
        expect(router.replicasFor(n, 100)).toMatchObject({ canary: n, weight: 100 });
      }
    });
    it('never shrinks the canary as the weight grows', () => {
      const router = opts.newRouter();
      for (let n = 1; n <= 12; n++) {
        let last = 0;
        for (let w = 0; w <= 100; w += 5) {
          const { canary } = router.replicasFor(n, w);
          expect(canary).toBeGreaterThanOrEqual(last);
          last = canary;
        }
      }
    });
    it('gives the canary no more than asked, unless one canary pod beside all of stable is already more', () => {
      const router = opts.newRouter();
      for (let n = 1; n <= 12; n++) {
        for (const w of WEIGHTS) {
          const split = router.replicasFor(n, w);
          const smallest = split.canary === 1 && split.stable === n;
          if (!smallest) expect(split.weight).toBeLessThanOrEqual(w);
        }
      }
    });
    it('reports the share that is really routed: getRoutes reads back the split\'s weight once its pods are Ready', async () => {
      const router = opts.newRouter();
      for (let n = 1; n <= 8; n++) {
        for (const w of [0, ...WEIGHTS, 100]) {
          const split = router.replicasFor(n, w);
          await router.setRoutes(target, split.weight);
          const ready: ReadyReplicas = { stable: split.stable, canary: split.canary };
          expect(await router.getRoutes(target, ready)).toBe(split.weight);
          if (opts.sharesReplicas) expect(split.weight).toBe(Math.round((100 * split.canary) / (split.stable + split.canary)));
        }
      }
    });
    it('after finalize (twice), a canary without ready pods receives nothing', async () => {
      const router = opts.newRouter();
      await router.reconcile(target);
      await router.reconcile(target);
      await router.setRoutes(target, 50);
      await router.finalize(target);
      await expect(router.finalize(target)).resolves.toBeUndefined();
      expect(await router.getRoutes(target, { stable: 4, canary: 0 })).toBe(0);
    });
  });
}
