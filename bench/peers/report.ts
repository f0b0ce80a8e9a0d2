/**
 * The peers bench's figures and its table (pure): per controller, what one healthy rollout and one
 * faulty rollout cost and how fast they ended, and each peer's figure as a ratio to this operator's.
 *
 * Definitions (all times are when the bench observed them, ms since the epoch):
 * - rollback latency = canary at 0 % − fault queryable, where "fault queryable" is the first instant
 *   the bench's own poll of the canary's error-ratio query (every 200 ms, straight to Prometheus) is
 *   above the SLI's bound, and "canary at 0 %" the first watch event after the fault showing the
 *   canary's share at 0 (workloads.ts, canaryPercent);
 * - promotion time = outcome `promoted` observed − the user's change applied;
 * - apiserver requests per rollout = the controller's requests (audit log, its own user; watches left
 *   out) from the change until the outcome (for the faulty rollout: the later of the outcome and the
 *   canary at 0 %); writes = create/update/patch/delete among them;
 * - Prometheus queries per interval = queries (instant + range, counted by its pass-through) from the
 *   change until the outcome ÷ (that duration ÷ its analysis interval);
 * - RSS = the controller process' VmRSS, peak over the run and at its end.
 */
import type { ControllerName } from './workloads.ts';

export interface RolloutFigures {
  /** When the change was applied and when the outcome was observed (ms since the epoch); null if none within the time limit. */
  startedAt: number;
  endedAt: number | null;
  outcome: 'promoted' | 'rolledBack' | null;
  apiRequests: number;
  apiWrites: number;
  queries: number;
}

export interface FaultFigures extends RolloutFigures {
  faultAt: number | null;
  queryableAt: number | null;
  /** First observation of the canary at 0 % after the fault. */
  canaryZeroAt: number | null;
}

export interface ControllerFigures {
  controller: ControllerName;
  analysisIntervalS: number;
  promote: RolloutFigures;
  fault: FaultFigures;
  rssPeakBytes: number | null;
  rssEndBytes: number | null;
}

export interface DerivedFigures {
  rollbackLatencyS: number | null;
  faultToZeroS: number | null;
  promotionS: number | null;
  promoteApiRequests: number;
  promoteApiWrites: number;
  faultApiRequests: number;
  faultApiWrites: number;
  queriesPerInterval: number | null;
  queriesPerMinute: number | null;
  rssPeakMiB: number | null;
}

const seconds = (from: number | null, to: number | null) => (from === null || to === null ? null : (to - from) / 1000);

/** The figures the table shows, from what was observed. Queries are counted over both rollouts. */
export function derive(f: ControllerFigures): DerivedFigures {
  const spans = [f.promote, f.fault].filter((r) => r.endedAt !== null);
  const spanS = spans.reduce((s, r) => s + ((r.endedAt as number) - r.startedAt) / 1000, 0);
  const queries = spans.reduce((s, r) => s + r.queries, 0);
  return {
    rollbackLatencyS: seconds(f.fault.queryableAt, f.fault.canaryZeroAt),
    faultToZeroS: seconds(f.fault.faultAt, f.fault.canaryZeroAt),
    promotionS: f.promote.outcome === 'promoted' ? seconds(f.promote.startedAt, f.promote.endedAt) : null,
    promoteApiRequests: f.promote.apiRequests, promoteApiWrites: f.promote.apiWrites,
    faultApiRequests: f.fault.apiRequests, faultApiWrites: f.fault.apiWrites,
    queriesPerInterval: spanS > 0 ? queries / (spanS / f.analysisIntervalS) : null,
    queriesPerMinute: spanS > 0 ? queries / (spanS / 60) : null,
    rssPeakMiB: f.rssPeakBytes === null ? null : f.rssPeakBytes / 2 ** 20,
  };
}

/** a / b as text ("2.5×"); "–" when either is unknown, "∞" when only b is 0. */
export function ratio(a: number | null, b: number | null): string {
  if (a === null || b === null) return '–';
  if (b === 0) return a === 0 ? '1.0×' : '∞';
  return `${(a / b).toFixed(1)}×`;
}

const ROWS: { label: string; key: keyof DerivedFigures; digits: number }[] = [
  { label: 'rollback latency: fault queryable → canary 0 % (s)', key: 'rollbackLatencyS', digits: 1 },
  { label: 'fault switched on → canary 0 % (s)', key: 'faultToZeroS', digits: 1 },
  { label: 'healthy rollout: change → promoted (s)', key: 'promotionS', digits: 1 },
  { label: 'apiserver requests, healthy rollout', key: 'promoteApiRequests', digits: 0 },
  { label: '  of which writes', key: 'promoteApiWrites', digits: 0 },
  { label: 'apiserver requests, rolled-back rollout', key: 'faultApiRequests', digits: 0 },
  { label: '  of which writes', key: 'faultApiWrites', digits: 0 },
  { label: 'Prometheus queries per analysis interval', key: 'queriesPerInterval', digits: 1 },
  { label: 'Prometheus queries per minute of rollout', key: 'queriesPerMinute', digits: 1 },
  { label: 'controller RSS, peak (MiB)', key: 'rssPeakMiB', digits: 0 },
];

/**
 * A Markdown table: one row per figure, one column per controller (this operator first), then one
 * ratio column per peer (peer ÷ this operator; above 1× means the peer took longer / asked more).
 */
export function formatTable(all: readonly ControllerFigures[]): string {
  const derived = all.map((f) => ({ name: f.controller, d: derive(f) }));
  const ours = derived.find((x) => x.name === 'activation-canary');
  const peers = derived.filter((x) => x !== ours);
  const cell = (v: number | null, digits: number) => (v === null ? '–' : v.toFixed(digits));
  const header = ['', ...derived.map((x) => x.name), ...peers.map((p) => `${p.name} ÷ activation-canary`)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of ROWS) {
    const values = derived.map((x) => cell(x.d[row.key], row.digits));
    const ratios = peers.map((p) => ratio(p.d[row.key], ours ? ours.d[row.key] : null));
    lines.push(`| ${[row.label, ...values, ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}
