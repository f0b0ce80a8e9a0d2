/**
 * The table a fuzz run ends with: what was generated, what the apiserver and the operator did with it,
 * every breach counted by kind, the seed and how to replay a case.
 */
import type { FuzzResults } from './run.ts';

/** Counts of breaches of `kind`. */
function count(r: FuzzResults, ...kinds: string[]): number {
  return r.breaches.filter((b) => kinds.includes(b.kind)).length;
}

/** The summary table, then up to `maxListed` breaches, one per line. */
export function summaryTable(r: FuzzResults, maxListed = 40): string {
  const op = r.operator;
  const rows: [string, string | number][] = [
    ['seed', r.seed],
    ['specs generated', r.generated],
    ['accepted by the apiserver', r.verdicts.accepted],
    ['refused, naming the field', r.verdicts.refusedNamed],
    ['refused without naming a field', r.verdicts.refusedUnnamed],
    ['refused by the JSON decoder (1e400)', r.verdicts.undecodable],
    ['too large for the apiserver or etcd', r.verdicts.tooLarge + (op?.tooLargeForEtcd ?? 0)],
    ['server errors (5xx)', r.verdicts.serverError],
    ['analysis queries checked', r.queriesChecked],
    ['PromQL breaches', r.promqlBreaches],
    ['run against the operator', op ? op.run : 'skipped'],
    ['acted on', op ? op.actedOn : '-'],
    ['SpecValid=False', op ? op.specInvalid : '-'],
    ['changed once more (new variant)', op ? op.changed : '-'],
    ['not acted on in time', op ? count(r, 'notActedOn') : '-'],
    ['SpecValid=False without a field', op ? count(r, 'specInvalidUnnamed') : '-'],
    ['operator crashes', op ? op.crashes : '-'],
    ['error lines in its log', op ? op.errorLines.length : '-'],
    ['reconciles that threw', op ? count(r, 'reconcileError') : '-'],
    ['reconcile floor breaches', op ? count(r, 'floorBreach') : '-'],
    ['max reconciles/s at rest (one object)', op ? op.maxRestReconcilesPerSecond.toFixed(2) : '-'],
    ['max status bytes', op ? op.maxStatusBytes : '-'],
    ['status over the bound', op ? count(r, 'statusTooLarge') : '-'],
    ['duration', `${(r.durationMs / 1000).toFixed(0)} s`],
    ['breaches', r.breaches.length],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  const listed = r.breaches.slice(0, maxListed).map((b) => `  #${b.index} ${b.name} ${b.kind}: ${b.detail}`);
  const more = r.breaches.length > maxListed ? [`  … and ${r.breaches.length - maxListed} more`] : [];
  const replay = r.breaches.find((b) => b.index >= 0);
  return [
    'spec fuzz summary', ...lines,
    ...(listed.length ? ['breaches:', ...listed, ...more] : []),
    ...(replay ? [`replay one: node bench/fuzz.ts --seed ${r.seed} --case ${replay.index}`] : []),
  ].join('\n');
}
