/**
 * When analysis runs, pure: while a canary serves traffic in a step, not while paused by a user, never
 * after a rollback, and then once per `interval`:
 * - at the step's weight: counted from the later of the last run and the moment the weight was reached,
 *   so the verdict that lets a step advance rests on data at this weight;
 * - between steps (the canary scaling toward the next weight while it still serves the last one's):
 *   counted from the last run (also while the next weight waits for GPUs: a capacity hold), so a canary
 *   that starts failing then is rolled back within an interval,
 *   not one interval after the next weight is reached (which, with GPU pods that take minutes to load,
 *   left it serving unjudged for minutes). Such a run can roll back; it never lets the next step advance
 *   (plan-canary.ts wants a run after weightReachedAt for that).
 * Before the first step's weight the canary serves nothing and no run is made.
 */
import { canaryVariant, sameVariant, type Desired, type Status } from './model.ts';

export function analysisDue(d: Desired, s: Status, now: number): boolean {
  const at = analysisDueAt(d, s);
  return at !== undefined && now >= at;
}

/** When the next run is due (ms since the epoch), or undefined while no run is to be made. */
export function analysisDueAt(d: Desired, s: Status): number | undefined {
  if (!d.analysis || !sameVariant(canaryVariant(s), d.variant)) return undefined;
  if (s.phase !== 'Progressing' && s.phase !== 'Paused') return undefined;
  if (s.pausedAt) return undefined;
  const lastRun = s.analysis?.lastRunAt ? Date.parse(s.analysis.lastRunAt) : 0;
  if (s.weightReachedAt) return Math.max(Date.parse(s.weightReachedAt), lastRun) + d.analysis.intervalMs;
  if (!((s.canaryWeight ?? 0) > 0)) return undefined;
  return Math.max(lastRun, s.stepStartedAt ? Date.parse(s.stepStartedAt) - d.analysis.intervalMs : 0) + d.analysis.intervalMs;
}
