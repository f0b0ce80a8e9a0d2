/**
 * The demo's clients: labelled requests from the held-out split, sent in one-second slices to the
 * endpoints the data plane reports, spread as the `<name>` Service would spread them (evenly over
 * ready pods, so the canary's share follows the replica ratio). Counts what each role answered.
 */
import { loadDataset } from '../variant-server/dataset.ts';
import { runLoad } from '../variant-server/load-generator.ts';
import { DEFAULT_MODEL_DIR } from '../variant-server/weights.ts';
import type { Endpoint } from './data-plane.ts';

export interface TrafficStats {
  requests: number;
  errors: number;
  byRole: Record<string, number>;
}

export interface Traffic {
  stats(): TrafficStats;
  stop(): Promise<void>;
}

export function startTraffic(endpoints: () => Endpoint[], rate: number, batch = 8): Traffic {
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
      const report = await runLoad({ urls: eps.map((e) => e.url), rate, durationMs: 1000, batch, data, signal: abort.signal }).catch(() => undefined);
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
