/**
 * One chaos run (bench/chaos.ts): a namespace, two operator replicas with leader election
 * (replicas.ts), `rollouts` rollouts drawn from the seed run `concurrency` at a time (rollout.ts) while
 * the seed's faults are injected (faults.ts); each rollout is checked as it ends (invariants.ts), and
 * at the end every write of every operator process is checked against the Lease it held (the
 * apiserver's audit log and the Lease polled every 200 ms, support/single-writer.ts). Returns the
 * findings and the totals that summary.ts prints.
 */
import { readAuditEvents } from '../harness/audit.ts';
import { createTestNamespace } from '../harness/env.ts';
import { checkSingleWriter, describeSingleWriter, LEADER_WRITES, startLeaseRecorder } from '../integration/support/single-writer.ts';
import { startFaults } from './faults.ts';
import { checkRollout, faultsDuring, type Finding, type FaultWindow, type RolloutRecord } from './invariants.ts';
import { operatorReplicas } from './replicas.ts';
import { runRollout } from './rollout.ts';
import { rolloutPlan, type FaultKind, type RolloutPlan } from './schedule.ts';

export interface ChaosOptions {
  seed: number;
  rollouts: number;
  concurrency: number;
  faults: readonly FaultKind[];
  /** `--lease-duration` of the operator replicas. */
  leaseDuration: string;
  log(line: string): void;
}

export interface ChaosResults {
  seed: number;
  options: Omit<ChaosOptions, 'log'>;
  plans: RolloutPlan[];
  records: RolloutRecord[];
  /** Rollouts that could not even start (the error). */
  setupFailures: { rollout: string; error: string }[];
  faults: FaultWindow[];
  skippedFaults: { kind: FaultKind; why: string }[];
  failedFaults: { kind: FaultKind; error: string }[];
  findings: Finding[];
  /** Operator processes: started in all, replaced after they exited, exited on their own (lost the Lease). */
  operators: { started: number; replaced: number; exitedOnTheirOwn: number; leaderWrites: number; tenures: number };
  durationMs: number;
}

const LEASE = 'chaos-leader';

export async function runChaos(o: ChaosOptions): Promise<ChaosResults> {
  const t0 = Date.now();
  const namespace = await createTestNamespace('chaos');
  o.log(`namespace ${namespace}; seed ${o.seed}; ${o.rollouts} rollouts, ${o.concurrency} at once; faults ${o.faults.join(', ') || 'none'}`);
  const lease = startLeaseRecorder({ namespace, name: LEASE, intervalMs: 200 });
  const replicas = operatorReplicas({ namespace, leaseName: LEASE, leaseDuration: o.leaseDuration, log: o.log });
  const inFlight = new Set<string>();
  const faultRun = startFaults({ seed: o.seed, kinds: o.faults, namespace, replicas, inFlight: () => [...inFlight], log: o.log });

  const plans = Array.from({ length: o.rollouts }, (_, i) => rolloutPlan(o.seed, i));
  const done: Omit<RolloutRecord, 'faults'>[] = [];
  const setupFailures: ChaosResults['setupFailures'] = [];
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(o.concurrency, plans.length) }, async () => {
    while (next < plans.length) {
      const plan = plans[next++] as RolloutPlan;
      try {
        const r = await runRollout(plan, { namespace, log: o.log, inFlight: (name, on) => { if (on) inFlight.add(name); else inFlight.delete(name); } });
        done.push(r);
        o.log(`${plan.name} (${plan.kind}${plan.faulty && plan.kind !== 'faulty' ? ', faulty canary' : ''}) ended ${r.status.phase} after ${((r.endedAt - r.changedAt) / 1000).toFixed(1)} s [${done.length}/${plans.length}]`);
      } catch (err) {
        setupFailures.push({ rollout: plan.name, error: err instanceof Error ? err.message : String(err) });
        o.log(`${plan.name} failed: ${String(err)}`);
      }
    }
  }));

  const faults = await faultRun.stop();
  await replicas.stop();
  const samples = await lease.stop();
  const records: RolloutRecord[] = done.map((r) => ({ ...r, faults: faultsDuring(faults.windows, r.changedAt, r.recordedUntil) }));
  const findings = records.flatMap(checkRollout);
  for (const f of setupFailures) findings.push({ invariant: 'outcome', rollout: f.rollout, detail: `did not start: ${f.error}` });

  const everyone = replicas.everyone();
  const writes = await readAuditEvents({ namespace, user: everyone.map((r) => r.user), since: t0, ...LEADER_WRITES });
  const report = checkSingleWriter({ writes, lease: samples, replicas: everyone });
  for (const v of report.violations) {
    findings.push({ invariant: 'singleWriter', detail: describeSingleWriter({ ...report, violations: [v] }, 1).split('\n')[0]?.trim() ?? v.kind });
  }
  const restarts = replicas.restarts();
  return {
    seed: o.seed, options: { seed: o.seed, rollouts: o.rollouts, concurrency: o.concurrency, faults: o.faults, leaseDuration: o.leaseDuration },
    plans, records, setupFailures, faults: faults.windows, skippedFaults: faults.skipped, failedFaults: faults.failed, findings,
    operators: { started: everyone.length, ...restarts, leaderWrites: writes.length, tenures: report.tenures.filter((t) => t.holder).length },
    durationMs: Date.now() - t0,
  };
}
