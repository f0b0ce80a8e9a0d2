/**
 * What the demo's scenarios share: an abortable sleep, the live view (or one line per change when
 * headless) shown until a condition holds, and the clients' counts between two snapshots.
 */
import type { ModelVariant } from '../api/types.ts';
import { renderLiveView, transitionLine } from './live-view.ts';
import type { TrafficStats } from './traffic.ts';

/** Resolves after `ms`, or at once when `signal` aborts. */
export const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

/** Client counts between two snapshots. */
export function since(a: TrafficStats, b: TrafficStats): TrafficStats {
  const byRole: Record<string, number> = {};
  for (const role of Object.keys(b.byRole)) byRole[role] = (b.byRole[role] ?? 0) - (a.byRole[role] ?? 0);
  return { requests: b.requests - a.requests, errors: b.errors - a.errors, byRole };
}

export interface WatchOptions {
  live: boolean;
  colour: boolean;
  out: (line: string) => void;
  signal: AbortSignal;
}

/** Shows the live view until `done` holds; returns the last object, or undefined on timeout/abort. */
export async function watch(read: () => Promise<ModelVariant>, opts: WatchOptions, stats: () => TrafficStats,
  done: (mv: ModelVariant) => boolean, timeoutMs: number): Promise<ModelVariant | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (!opts.signal.aborted && Date.now() < deadline) {
    const mv = await read();
    if (opts.live) {
      opts.out(`\x1b[H\x1b[2J${renderLiveView(mv, stats(), opts.colour).join('\n')}`);
    } else {
      const line = transitionLine(mv);
      if (line !== last) opts.out(`  ${new Date().toISOString().slice(11, 19)} ${line}`);
      last = line;
    }
    if (done(mv)) {
      if (opts.live) opts.out(renderLiveView(mv, stats(), opts.colour).join('\n'));
      return mv;
    }
    await sleep(1000, opts.signal);
  }
  return undefined;
}
