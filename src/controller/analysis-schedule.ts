/**
 * When analysis runs, pure: only while a canary holds its step weight (not while scaling, not while
 * paused by a user, never after a rollback), and then once per `interval`, counted from the later of
 * the last run and the moment the weight was reached (so every verdict rests on data at this weight).
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
  if (s.pausedAt || !s.weightReachedAt || s.capacityHoldSince) return undefined;
  const since = Math.max(Date.parse(s.weightReachedAt), s.analysis?.lastRunAt ? Date.parse(s.analysis.lastRunAt) : 0);
  return since + d.analysis.intervalMs;
}
