/**
 * The shared sizing conformance suite every traffic router passes (after Hono's `runTest({ newRouter })`):
 * weight 0 runs no canary; no weight below 100 ever leaves stable without pods (a cut-over); the canary
 * never shrinks as the weight grows; a split never gives the canary more than asked unless no smaller
 * canary exists; a weighted router keeps stable at full size and reports the weight exactly. What the
 * routers do to live route objects is checked against the real apiserver by
 * `test/integration/router-conformance.test.ts`.
 */
import { describe, expect, it } from '@jest/globals';
import type { TrafficRouter } from './router.ts';

export interface ConformanceOptions {
  newRouter(): TrafficRouter;
  /** True when the canary's pods come out of the stable total (the `replicas` provider); false for weighted routers. */
  sharesReplicas: boolean;
}

const WEIGHTS = [1, 5, 10, 20, 25, 33, 50, 75, 90, 99];

export function describeRouterConformance(name: string, opts: ConformanceOptions): void {
  describe(`traffic router conformance: ${name}`, () => {
    it('says whether it splits by weight or by pods', () => {
      expect(opts.newRouter().weighted).toBe(!opts.sharesReplicas);
    });
    it('keeps stable at full size and the weight exact when it splits by weight', () => {
      if (opts.sharesReplicas) return;
      const router = opts.newRouter();
      for (let n = 1; n <= 12; n++) {
        for (const w of WEIGHTS) expect(router.replicasFor(n, w)).toMatchObject({ stable: n, weight: w });
      }
    });
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
  });
}
