/**
 * The summary of a chaos run as text tables (pure): the rollouts by kind and outcome, the faults
 * injected (skipped and failed apart), each invariant checked, held, breached and excused (with the
 * fault that excuses), every breach in full, the seed and the command that replays it.
 */
import { INVARIANTS, observedOutcome } from './invariants.ts';
import type { ChaosResults } from './run.ts';
import { FAULT_KINDS } from './schedule.ts';

const table = (rows: string[][]): string => {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r, j) => {
    const line = `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
    return j === 0 ? `${line}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|` : line;
  }).join('\n');
};

/** The command that replays a run (the same schedule). */
export function replayCommand(r: Pick<ChaosResults, 'options'>): string {
  const o = r.options;
  const faults = o.faults.length === FAULT_KINDS.length ? '' : ` --faults ${o.faults.join(',') || 'none'}`;
  return `node bench/chaos.ts --seed ${o.seed} --rollouts ${o.rollouts} --concurrency ${o.concurrency}${faults}`;
}

export function summaryTable(r: ChaosResults): string {
  const kinds = ['healthy', 'faulty', 'abort', 'promote'];
  const outcomes = kinds.map((k) => {
    const rs = r.records.filter((x) => x.plan.kind === k);
    const count = (pred: (s: ReturnType<typeof observedOutcome>) => boolean) => String(rs.filter((x) => pred(observedOutcome(x.status))).length);
    return [k, String(r.plans.filter((p) => p.kind === k).length), count((o) => o?.kind === 'promoted'), count((o) => o?.kind === 'rolledBack'),
      String(rs.filter((x) => x.signal && x.events.some((e) => e.reason === 'SignalIgnored')).length)];
  });
  const faults = FAULT_KINDS.map((k) => [k, String(r.faults.filter((f) => f.kind === k).length),
    String(r.skippedFaults.filter((f) => f.kind === k).length), String(r.failedFaults.filter((f) => f.kind === k).length)]);
  const checks = (inv: string) => (inv === 'singleWriter' ? 1 : r.records.length + (inv === 'outcome' ? r.setupFailures.length : 0));
  const invariants = INVARIANTS.map((inv) => {
    const found = r.findings.filter((f) => f.invariant === inv);
    const breached = new Set(found.filter((f) => !f.excusedBy).map((f) => f.rollout ?? 'run'));
    const excused = found.filter((f) => f.excusedBy);
    const by = [...new Set(excused.map((f) => f.excusedBy))].join(', ');
    return [inv, String(checks(inv)), String(checks(inv) - breached.size), String(breached.size), excused.length ? `${excused.length} (${by})` : '0'];
  });
  const breaches = r.findings.filter((f) => !f.excusedBy);
  const lines = [
    `chaos run: seed ${r.seed}, ${r.options.rollouts} rollouts, ${r.options.concurrency} at once, ${(r.durationMs / 1000).toFixed(0)} s`,
    '', table([['rollout', 'planned', 'promoted', 'rolled back', 'signal ignored'], ...outcomes]),
    '', table([['fault', 'injected', 'skipped', 'failed'], ...faults, ['total', String(r.faults.length), String(r.skippedFaults.length), String(r.failedFaults.length)]]),
    '', table([['invariant', 'checked', 'held', 'breached', 'excused findings'], ...invariants]),
    '', `operator processes: ${r.operators.started} started, ${r.operators.replaced} replaced (${r.operators.exitedOnTheirOwn} exited on their own), ` +
      `${r.operators.tenures} Lease tenures, ${r.operators.leaderWrites} leader writes checked against them`,
  ];
  if (breaches.length > 0) {
    // The same breach in many rollouts reads once, with its count (numbers and names masked).
    const kinds = new Map<string, number>();
    for (const f of breaches) {
      const key = `${f.invariant}: ${f.detail.replace(/chaos-\d+[-\w]*/g, '<name>').replace(/\d+(\.\d+)?/g, 'N').slice(0, 140)}`;
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    lines.push('', `BREACHES (${breaches.length}), by kind:`, ...[...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(3)} × ${k}`));
    lines.push('', 'every breach:', ...breaches.slice(0, 60).map((f) => `  ${f.invariant} ${f.rollout ?? ''}: ${f.detail}`));
    if (breaches.length > 60) lines.push(`  … and ${breaches.length - 60} more (the JSON results have them all)`);
  }
  const excused = r.findings.filter((f) => f.excusedBy);
  if (excused.length > 0) lines.push('', 'excused:', ...excused.slice(0, 20).map((f) => `  ${f.invariant} ${f.rollout ?? ''} (${f.excusedBy}): ${f.detail}`));
  lines.push('', `seed ${r.seed}: replay with ${replayCommand(r)}`, breaches.length > 0 ? 'RESULT: BREACHED' : 'RESULT: every invariant held');
  return lines.join('\n');
}
