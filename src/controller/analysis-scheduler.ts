/**
 * The analysis scheduler: analysis runs here, outside the reconcile workers, so a slow or dead
 * Prometheus delays only the verdicts it owes and never another ModelVariant's reconcile. A reconcile
 * whose run is due asks `take()`: the verdict if it has landed, else undefined, and the run is requested
 * (once). When the verdict lands, the ModelVariant is woken (`onVerdict`, the controller's queue) and
 * its next reconcile takes it.
 *
 * Runs are gathered into rounds on a grid of `batchWindowMs` (epoch-aligned): a run due at t is the
 * run of the first grid instant ≥ t (its lastRunAt), so every run coming due in one window shares a
 * round, and ModelVariants with the same interval that once shared a round keep sharing (their next
 * runs come due at the same instant). A round starts a grace period (a quarter of the window, at most
 * 250 ms) after its instant, and its queries are evaluated (`time=`) at the moment it is sent (at most
 * that grace period after its instant, for a round sent late), so a sample Prometheus ingested during
 * the grace period counts in this round, not a whole window later. A run asked for later than that
 * joins a catch-up round on a grid of that grace period instead of waiting for the next window. In a
 * round each Prometheus (address, timeout and credentials) gets one query per built-in template and
 * window for all its ModelVariants (measure-round.ts); a user's own queries are sent per ModelVariant.
 * Each Prometheus has at most one round in flight and at most `concurrency` queries in it; runs coming
 * due meanwhile wait for the next round of that Prometheus, never for another's.
 *
 * A verdict is valid only for the run it was asked for: the run key (the ModelVariant's uid, the
 * variants, the step, when it started, its weight and when it was reached, the due instant, the counters and the
 * analysis spec) must still match when it is taken, so a verdict that lands after a rollback, a pause
 * (a resume moves weightReachedAt and the step's start), a capacity hold (its end moves the step's start)
 * or a spec edit is dropped, not applied.
 */
import type { ModelVariant } from '../api/types.ts';
import { runLimited } from '../analysis/concurrency.ts';
import { measureRound } from '../analysis/measure-round.ts';
import { DEFAULTS } from '../analysis/spec.ts';
import type { Clock, TimerHandle } from '../kube/clock.ts';
import { stableHash } from '../workload/hash.ts';
import { createRunPreparer, type AnalysisRunnerOptions, type PreparedRun } from './analysis-runner.ts';
import type { AnalysisVerdicts } from './context.ts';
import type { AnalysisOutcome, AnalysisStatus, Status } from './model.ts';

export interface AnalysisSchedulerOptions extends AnalysisRunnerOptions {
  clock: Clock;
  /** Queries in flight at most per Prometheus (default 8). */
  concurrency?: number;
  /** Width of the grid runs are gathered on, in ms (default 1000). */
  batchWindowMs?: number;
  /** After each round on a Prometheus: the queries it sent (batched and per ModelVariant) and how long it took (ms). */
  onRound?(sent: { batched: number; single: number }, durationMs: number): void;
}

export const DEFAULT_BATCH_WINDOW_MS = 1000;

interface Request {
  runKey: string;
  mv: ModelVariant;
  previous: AnalysisStatus | undefined;
  /** The grid instant the run is measured at (ms since the epoch). */
  slot: number;
  running: boolean;
}

type Ready = Extract<PreparedRun, { kind: 'ready' }>;
interface Member { key: string; runKey: string; run: Ready }

/** What a verdict is valid for: the run it was asked for, see the module comment. */
function runKeyOf(mv: ModelVariant, status: Status, dueAt: number): string {
  return stableHash({
    uid: mv.metadata?.uid ?? '', activation: mv.spec.activation, canary: [status.canaryActivation, status.canaryRevision],
    stable: [status.stableActivation, status.stableRevision], step: status.currentStepIndex ?? 0, dueAt,
    // The weight, when it was reached and when the step started: a resume moves weightReachedAt and
    // stepStartedAt by the pause, and the end of a capacity hold moves stepStartedAt by the hold (so a
    // verdict measured before either is dropped even when the due instant, set by the last run, stays;
    // between steps weightReachedAt is unset and the step start alone tells), and a step's weight
    // edited in place changes canaryWeight once the route carries the new one.
    weight: [status.canaryWeight ?? 0, status.weightReachedAt ?? '', status.stepStartedAt ?? ''],
    counters: [status.analysis?.consecutiveFailures ?? 0, status.analysis?.consecutiveInconclusive ?? 0],
    analysis: mv.spec.strategy?.analysis ?? null,
  });
}

export function createAnalysisScheduler(opts: AnalysisSchedulerOptions): AnalysisVerdicts {
  const { clock, logger } = opts;
  const prepare = createRunPreparer(opts);
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULTS.concurrency);
  const window = Math.max(1, opts.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS);
  // A round starts a little after its instant, so a reconcile woken right at the instant still joins it.
  const grace = Math.min(250, window / 4);
  const slotOf = (t: number) => Math.ceil(t / window) * window;
  const requests = new Map<string, Request>();
  const landed = new Map<string, { runKey: string; outcome: AnalysisOutcome }>();
  const timers = new Map<number, TimerHandle>();
  const groups = new Map<string, { busy: boolean; backlog: Member[]; backlogAt: number }>();
  const listeners: ((key: string) => void)[] = [];
  let stopped = false;

  const land = (key: string, runKey: string, outcome: AnalysisOutcome | undefined) => {
    const r = requests.get(key);
    if (!r || r.runKey !== runKey) return; // superseded or forgotten meanwhile: dropped
    requests.delete(key);
    if (outcome) landed.set(key, { runKey, outcome });
    logger.debug({ modelVariant: key, slot: new Date(r.slot).toISOString(), verdict: outcome?.verdict ?? null, lateMs: clock.now() - r.slot }, 'Analysis verdict landed');
    for (const wake of listeners) wake(key);
  };

  const arm = (slot: number) => {
    if (stopped || timers.has(slot)) return;
    timers.set(slot, clock.setTimeout(() => {
      timers.delete(slot);
      void round(slot);
    }, slot + grace - clock.now()));
  };

  /** Prepares every run due by `slot` and starts a round per Prometheus. */
  async function round(slot: number): Promise<void> {
    const due = [...requests.entries()].filter(([, r]) => !r.running && r.slot <= slot);
    for (const [, r] of due) r.running = true;
    const byPrometheus = new Map<string, Member[]>();
    try {
      const prepared = await runLimited(due.map(([, r]) => () => prepare(r.mv, r.previous, slot)), concurrency);
      prepared.forEach((p, i) => {
        const [key, r] = due[i] as [string, Request];
        if (p.kind === 'refused') return land(key, r.runKey, p.outcome);
        byPrometheus.set(p.prometheusKey, [...(byPrometheus.get(p.prometheusKey) ?? []), { key, runKey: r.runKey, run: p }]);
      });
    } catch (err) {
      // prepare never throws; should it, the runs are released and asked for again by their next reconcile.
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'Analysis round failed before querying');
      for (const [key, r] of due) land(key, r.runKey, undefined);
      return;
    }
    for (const [prometheus, members] of byPrometheus) measure(prometheus, members, slot);
  }

  /** Measures `members` on their Prometheus, after the round it has in flight if any. */
  function measure(prometheus: string, members: Member[], at: number): void {
    let group = groups.get(prometheus);
    if (!group) groups.set(prometheus, group = { busy: false, backlog: [], backlogAt: 0 });
    if (group.busy) {
      group.backlog.push(...members);
      group.backlogAt = Math.max(group.backlogAt, at);
      return;
    }
    const g = group;
    g.busy = true;
    void (async () => {
      let batch = members;
      let instant = at;
      while (batch.length > 0) {
        const t0 = performance.now();
        // Evaluated as the round is sent, not at its grid instant: a sample ingested during the grace
        // period counts now, not a whole window later. At most a grace period after the instant, so
        // consecutive runs of a ModelVariant stay about an interval apart even when a round is sent late
        // (behind the one before it): a late run judges the data of its instant, not the next run's.
        const startedAt = clock.now();
        const evaluatedAt = Math.min(Math.max(startedAt, instant), instant + grace);
        try {
          const first = batch[0] as Member;
          const { measurements, sent } = await measureRound(first.run.provider, batch.map((m) => m.run.plan), new Date(instant), concurrency, new Date(evaluatedAt));
          opts.onRound?.(sent, performance.now() - t0);
          logger.debug({ modelVariants: batch.length, ...sent, ms: Math.round(performance.now() - t0), instant: new Date(instant).toISOString(), sentLateMs: startedAt - instant, evaluatedLateMs: evaluatedAt - instant }, 'Measured an analysis round');
          batch.forEach((m, i) => land(m.key, m.runKey, m.run.judge(measurements[i] as NonNullable<(typeof measurements)[number]>)));
        } catch (err) {
          const message = `the analysis round failed unexpectedly (${err instanceof Error ? err.message : String(err)}); it is retried next run`;
          logger.error({ err: message }, 'Analysis round failed');
          for (const m of batch) land(m.key, m.runKey, m.run.refuse({ message }));
        }
        batch = g.backlog;
        instant = g.backlogAt;
        g.backlog = [];
      }
      g.busy = false;
    })();
  }

  return {
    take(mv, status, dueAt) {
      const key = `${mv.metadata?.namespace ?? ''}/${mv.metadata?.name ?? ''}`;
      const runKey = runKeyOf(mv, status, dueAt);
      const verdict = landed.get(key);
      // Kept until another run is asked for: a reconcile that failed to record it takes it again.
      if (verdict?.runKey === runKey) return verdict.outcome;
      landed.delete(key);
      if (requests.get(key)?.runKey === runKey) return undefined;
      const now = clock.now();
      let slot = slotOf(dueAt);
      // A reconcile late for its round (a busy queue) does not wait a whole window: it joins a catch-up
      // round on a finer grid, shared with the other late runs, and its next run is back on the grid.
      if (slot + grace <= now) slot = Math.ceil(now / grace) * grace;
      requests.set(key, { runKey, mv: { ...mv, status }, previous: status.analysis, slot, running: false });
      logger.debug({ modelVariant: key, dueAt: new Date(dueAt).toISOString(), slot: new Date(slot).toISOString(), askedLateMs: now - dueAt }, 'Analysis run asked for');
      arm(slot);
      return undefined;
    },
    forget(key) {
      requests.delete(key);
      landed.delete(key);
    },
    onVerdict(listener) {
      listeners.push(listener);
    },
    stop() {
      stopped = true;
      for (const t of timers.values()) clock.clearTimeout(t);
      timers.clear();
    },
  };
}
