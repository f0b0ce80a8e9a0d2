/**
 * The shared conformance suite every traffic router passes (after Hono's `runTest({ newRouter })`):
 * replica counts never exceed or lose the total where the provider keeps it, weight 0 means no canary,
 * weights are monotonic, and routes set are routes read back. A provider's test file calls
 * `describeRouterConformance(name, () => router, readBack)` with its own way to observe the split.
 */
import { describe, expect, it } from '@jest/globals';
import type { ReadyReplicas, RouteTarget, TrafficRouter } from './router.ts';

export interface ConformanceOptions {
  newRouter(): TrafficRouter;
  /** The ready replicas that realize `weight` for this provider (the `replicas` provider reads the split from them). */
  readyFor(router: TrafficRouter, total: number, weight: number): ReadyReplicas;
  /** True when stable + canary replicas always add up to the total (the `replicas` provider). */
  keepsTotal: boolean;
}

const target: RouteTarget = { namespace: 'ml', name: 'sentiment', stableService: 'sentiment-stable', canaryService: 'sentiment-canary', port: 8080 };

export function describeRouterConformance(name: string, opts: ConformanceOptions): void {
  describe(`traffic router conformance: ${name}`, () => {
    it('runs no canary replica at weight 0 and full stable', () => {
      expect(opts.newRouter().replicasFor(4, 0)).toEqual({ stable: 4, canary: 0 });
    });
    it('gives the canary at least one replica at any weight above 0', () => {
      for (const w of [1, 5, 10]) expect(opts.newRouter().replicasFor(10, w).canary).toBeGreaterThanOrEqual(1);
    });
    it('never shrinks the canary as the weight grows', () => {
      const router = opts.newRouter();
      let last = 0;
      for (let w = 0; w <= 100; w += 5) {
        const { canary } = router.replicasFor(7, w);
        expect(canary).toBeGreaterThanOrEqual(last);
        last = canary;
      }
    });
    it('keeps or covers the total serving replicas at every weight', () => {
      const router = opts.newRouter();
      for (let w = 0; w <= 100; w += 10) {
        const { stable, canary } = router.replicasFor(6, w);
        if (opts.keepsTotal) expect(stable + canary).toBe(6);
        else expect(stable).toBe(6);
      }
    });
    it('reads back the weight it set, within the granularity of the replicas', async () => {
      const router = opts.newRouter();
      for (const w of [0, 25, 50, 100]) {
        await router.setRoutes(target, w);
        expect(await router.getRoutes(target, opts.readyFor(router, 4, w))).toBe(w);
      }
    });
    it('tolerates reconcile and finalize being called twice', async () => {
      const router = opts.newRouter();
      await router.reconcile(target);
      await router.reconcile(target);
      await router.finalize(target);
      await expect(router.finalize(target)).resolves.toBeUndefined();
    });
  });
}
