/**
 * Which status changes are worth a write at once, pure. A canary that stays healthy is measured every
 * analysis interval, and each run changes `status.analysis` (its time, the values it read) without
 * changing anything it decides: with a hundred canaries at a 5 s interval those writes alone were the
 * whole client-side rate limit of the time (20 requests/s), and the steps of every rollout waited behind them
 * (docs/performance.md). Such a routine run is kept in memory (reconcile.ts plans from it, so the
 * schedule and the step that waits for a run after its weight both see it) and written with the next
 * write that changes something, or by the first run that lands once the server's is ANALYSIS_STATUS_REFRESH_MS old.
 *
 * What is never held back: a verdict, a check's verdict or reason, or a count that differs; a run that is
 * not Successful (its counts drive the failure and inconclusive limits); any other field of status.
 * A replica that restarts before the write has lost only runs that decided nothing: the schedule counts
 * from the older run on the server, so the next run comes at once.
 */
import { stableHash } from '../workload/hash.ts';
import type { AnalysisStatus, Status } from './model.ts';

/**
 * A routine run is written once the server's `status.analysis` is this old (ms). The check is made when
 * a run lands, so the server's copy can be up to this plus one analysis interval old.
 */
export const ANALYSIS_STATUS_REFRESH_MS = 60_000;

/** What a run decided, without when it ran or what it read. */
function decided(a: AnalysisStatus): string {
  return stableHash({
    verdict: a.verdict, consecutiveFailures: a.consecutiveFailures, consecutiveInconclusive: a.consecutiveInconclusive,
    slis: (a.slis ?? []).map((s) => [s.name, s.verdict, s.reason, s.threshold, s.window]),
    burnRate: a.burnRate ? [a.burnRate.verdict, a.burnRate.reason, a.burnRate.threshold, a.burnRate.shortWindow, a.burnRate.longWindow] : null,
  });
}

/**
 * True when `next` differs from `persisted` (the status on the server) only by a newer Successful
 * analysis run that decided what the persisted one did, less than ANALYSIS_STATUS_REFRESH_MS after it.
 */
export function isRoutineAnalysisRefresh(persisted: Status, next: Status): boolean {
  const before = persisted.analysis;
  const after = next.analysis;
  if (!before || !after || before.verdict !== 'Successful' || after.verdict !== 'Successful') return false;
  const age = Date.parse(after.lastRunAt ?? '') - Date.parse(before.lastRunAt ?? '');
  if (!(age >= 0 && age < ANALYSIS_STATUS_REFRESH_MS)) return false;
  if (decided(before) !== decided(after)) return false;
  return stableHash({ ...persisted, analysis: null }) === stableHash({ ...next, analysis: null });
}
