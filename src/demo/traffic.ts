/**
 * The demo's clients: labelled requests from the held-out split, sent in one-second slices to the
 * endpoints the data plane reports. Without `routeWeights` they are spread as the `<name>` Service
 * would spread them (evenly over ready pods: the replica ratio); with it, as a gateway would by the
 * live route's weights (see gateway-stand-in.ts), read once per slice. Counts what each role answered.
 */
import { loadDataset } from '../variant-server/dataset.ts';
import { runLoad } from '../variant-server/load-generator.ts';
import { DEFAULT_MODEL_DIR } from '../variant-server/weights.ts';
import type { Endpoint } from './data-plane.ts';
import { endpointWeights, type RoleWeights } from './gateway-stand-in.ts';

export interface TrafficStats {
  requests: number;
  errors: number;
  byRole: Record<string, number>;
}

export interface Traffic {
  stats(): TrafficStats;
  stop(): Promise<void>;
}

export function startTraffic(endpoints: () => Endpoint[], rate: number, batch = 8, routeWeights?: () => Promise<RoleWeights | undefined>,
  readyPods?: (role: string) => number): Traffic {
  const stats: TrafficStats = { requests: 0, errors: 0, byRole: {} };
  const abort = new AbortController();
  const data = loadDataset(`${DEFAULT_MODEL_DIR}/dataset.csv`).heldOut; // parsed once, not per one-second slice
  const loop = (async () => {
    while (!abort.signal.aborted) {
      const eps = endpoints();
      if (eps.length === 0) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const route = routeWeights ? await routeWeights().catch(() => undefined) : undefined;
      const split = route ? endpointWeights(eps, route, readyPods) : undefined;
      const lost = Math.round(rate * (split?.unroutable ?? 0));
      const unsent = Math.round(rate * (split?.starting ?? 0));
      if (split && (!split.weights.some((w) => w > 0) || lost + unsent >= rate)) {
        stats.requests += lost;
        stats.errors += lost;
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      stats.requests += lost;
      stats.errors += lost;
      const report = await runLoad({ urls: eps.map((e) => e.url), ...(split ? { weights: split.weights } : {}), rate: rate - lost - unsent, durationMs: 1000, batch, data, signal: abort.signal })
        .catch(() => undefined);
      if (!report) continue;
      stats.requests += report.requests;
      stats.errors += report.errors;
      for (const t of report.targets) {
        const role = eps.find((e) => e.url === t.url)?.role ?? 'unknown';
        stats.byRole[role] = (stats.byRole[role] ?? 0) + t.requests;
      }
    }
  })();
  return {
    stats: () => stats,
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
