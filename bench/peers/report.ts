/**
 * The peers bench's figures and its table (pure): per controller, what one healthy rollout and one
 * faulty rollout cost and how fast they ended, and each peer's figure as a ratio to this operator's.
 *
 * Definitions (all times ms since the epoch, as the bench observed them):
 * - rollback latency = canary at 0 % − fault queryable, the median over the fault rounds. "Fault
 *   queryable" is the earliest instant (50 ms steps) at which the canary's error-ratio query,
 *   evaluated at that instant after the fact, is above the SLI's bound (a sample is stamped with its
 *   scrape's start, so this does not depend on how fast the bench polls); "canary at 0 %" is the first
 *   watch event after the fault showing the canary's share at 0 (workloads.ts, canaryPercent);
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
  /** One per fault round (each a fresh workload). */
  faults: FaultFigures[];
  rssPeakBytes: number | null;
  rssEndBytes: number | null;
}

export interface DerivedFigures {
  /** Medians over the fault rounds that reached 0 %; min and max beside them. */
  rollbackLatencyS: number | null;
  rollbackLatencyRangeS: [number, number] | null;
  faultToZeroS: number | null;
  faultToZeroRangeS: [number, number] | null;
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

/** The median of the numbers (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

const known = (values: readonly (number | null)[]) => values.filter((v): v is number => v !== null);
const range = (values: readonly number[]): [number, number] | null => (values.length === 0 ? null : [Math.min(...values), Math.max(...values)]);

/** The figures the table shows, from what was observed. Queries are counted over every rollout. */
export function derive(f: ControllerFigures): DerivedFigures {
  const spans = [f.promote, ...f.faults].filter((r) => r.endedAt !== null);
  const spanS = spans.reduce((s, r) => s + ((r.endedAt as number) - r.startedAt) / 1000, 0);
  const queries = spans.reduce((s, r) => s + r.queries, 0);
  const latencies = known(f.faults.map((r) => seconds(r.queryableAt, r.canaryZeroAt)));
  const faultToZero = known(f.faults.map((r) => seconds(r.faultAt, r.canaryZeroAt)));
  return {
    rollbackLatencyS: median(latencies), rollbackLatencyRangeS: range(latencies),
    faultToZeroS: median(faultToZero), faultToZeroRangeS: range(faultToZero),
    promotionS: f.promote.outcome === 'promoted' ? seconds(f.promote.startedAt, f.promote.endedAt) : null,
    promoteApiRequests: f.promote.apiRequests, promoteApiWrites: f.promote.apiWrites,
    faultApiRequests: median(f.faults.map((r) => r.apiRequests)) ?? 0, faultApiWrites: median(f.faults.map((r) => r.apiWrites)) ?? 0,
    queriesPerInterval: spanS > 0 ? queries / (spanS / f.analysisIntervalS) : null,
    queriesPerMinute: spanS > 0 ? queries / (spanS / 60) : null,
    rssPeakMiB: f.rssPeakBytes === null ? null : f.rssPeakBytes / 2 ** 20,
  };
}

/** a / b as text ("2.5×", one significant digit below 0.1: "0.02×"); "–" when either is unknown, "∞" when only b is 0. */
export function ratio(a: number | null, b: number | null): string {
  if (a === null || b === null) return '–';
  if (b === 0) return a === 0 ? '1.0×' : '∞';
  const r = a / b;
  return `${r >= 0.1 || r === 0 ? r.toFixed(1) : r.toPrecision(1)}×`;
}

type NumberKey = { [K in keyof DerivedFigures]: DerivedFigures[K] extends number | null ? K : never }[keyof DerivedFigures];

const ROWS: { label: string; key: NumberKey; digits: number; range?: 'rollbackLatencyRangeS' | 'faultToZeroRangeS' }[] = [
  { label: 'rollback latency: fault queryable → canary 0 % (s), median (min–max)', key: 'rollbackLatencyS', digits: 1, range: 'rollbackLatencyRangeS' },
  { label: 'fault switched on → canary 0 % (s), median (min–max)', key: 'faultToZeroS', digits: 1, range: 'faultToZeroRangeS' },
  { label: 'healthy rollout: change → promoted (s)', key: 'promotionS', digits: 1 },
  { label: 'apiserver requests, healthy rollout', key: 'promoteApiRequests', digits: 0 },
  { label: '  of which writes', key: 'promoteApiWrites', digits: 0 },
  { label: 'apiserver requests, rolled-back rollout (median)', key: 'faultApiRequests', digits: 0 },
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
  const cell = (v: number | null, digits: number, r?: [number, number] | null) =>
    (v === null ? '–' : `${v.toFixed(digits)}${r ? ` (${r[0].toFixed(digits)}–${r[1].toFixed(digits)})` : ''}`);
  const header = ['', ...derived.map((x) => x.name), ...peers.map((p) => `${p.name} ÷ activation-canary`)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of ROWS) {
    const values = derived.map((x) => cell(x.d[row.key], row.digits, row.range ? x.d[row.range] : undefined));
    const ratios = peers.map((p) => ratio(p.d[row.key], ours ? ours.d[row.key] : null));
    lines.push(`| ${[row.label, ...values, ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}
