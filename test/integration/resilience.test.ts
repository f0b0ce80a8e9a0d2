/**
 * The operator survives what operators suffer: a SIGKILL in the middle of a step (it resumes from
 * status with the remaining pause, no step repeated or skipped) and the death of the leader of two
 * replicas (the standby takes over within the lease and finishes; never two leaders at once). "Never
 * two leaders" is observed from outside: the Lease polled every 100 ms and every write of each replica
 * in the apiserver's audit log, each replica under a user of its own (support/single-writer.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { readAuditEvents } from '../harness/audit.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { createModelVariant, eventReasonsIncluding, getModelVariant, gpuTemplate, setActivation, waitForStatus } from './support/model-variants.ts';
import { checkSingleWriter, expectSingleWriter, LEADER_WRITES, startLeaseRecorder } from './support/single-writer.ts';

let ns: string;
const operators: RunningOperator[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => { ns = await createTestNamespace('resilience'); });
afterAll(async () => {
  for (const o of operators) await o.kill();
  await deleteTestNamespace(ns);
});

async function leaderGauge(op: RunningOperator): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${await op.port()}/metrics`);
    const m = /^activation_canary_leader (\d+)/m.exec(await res.text());
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

describe('operator restarts and leader election', () => {
  it('resumes a step after SIGKILL with the remaining pause, repeating and skipping nothing', async () => {
    const op = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
    operators.push(op);
    await createModelVariant(ns, 'crashy', {
      activation: 'relu', replicas: 2, template: gpuTemplate(1),
      strategy: { steps: [{ setWeight: 50, pause: '12s' }, { setWeight: 100, pause: '1s' }] },
    });
    await waitForStatus(ns, 'crashy', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'crashy', 'gelu');
    const atWeight = await waitForStatus(ns, 'crashy', 'step 1 weight reached', (s) => !!s.weightReachedAt && s.currentStepIndex === 0);
    const reachedAt = Date.parse(atWeight.weightReachedAt as string);

    await sleep(3000);
    await op.kill();
    await sleep(3000);
    const restarted = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
    operators.push(restarted);
    await restarted.port();

    const afterRestart = (await getModelVariant(ns, 'crashy')).status;
    expect(afterRestart?.currentStepIndex).toBe(0);
    expect(afterRestart?.weightReachedAt).toBe(atWeight.weightReachedAt);
    const next = await waitForStatus(ns, 'crashy', 'step 2 started', (s) => (s.currentStepIndex ?? 0) >= 1 || s.phase === 'Healthy');
    const advancedAt = Date.parse((next.stepStartedAt ?? next.conditions?.find((c) => c.type === 'Progressing')?.lastTransitionTime) as string);
    // The 12 s pause counted from when the weight was reached, not from the restart (which would be ≥ 18 s).
    expect(advancedAt - reachedAt).toBeGreaterThanOrEqual(12_000);
    expect(advancedAt - reachedAt).toBeLessThan(17_000);

    await waitForStatus(ns, 'crashy', 'promoted', (s) => s.phase === 'Healthy' && s.stableActivation === 'gelu');
    const reasons = await eventReasonsIncluding(ns, 'crashy', ['Promoted']);
    expect(reasons.filter((r) => r === 'StepWeightReached')).toHaveLength(2);
    expect(reasons.filter((r) => r === 'StepCompleted')).toHaveLength(1);
    expect(reasons.filter((r) => r === 'RolloutStarted')).toHaveLength(1);
    await restarted.stop();
  });

  it('shuts down gracefully on SIGTERM while its caches still sync (exit 0, not death by signal)', async () => {
    // A client-side limit of one list per 2 s keeps the informers syncing for seconds.
    const op = startOperator({ args: ['--namespace', ns, '--leader-elect=false', '--kube-api-qps', '0.5', '--kube-api-burst', '1'] });
    operators.push(op);
    await op.port();
    await op.stop();
    expect({ exitCode: op.child.exitCode, signal: op.child.signalCode }).toEqual({ exitCode: 0, signal: null });
    expect(op.logs()).toContain('"msg":"Stopped"');
    expect(op.logs()).not.toContain('Caches synced');
  });

  it('hands over to the standby replica when the leader dies, and never has two leaders', async () => {
    const args = ['--namespace', ns, '--leader-elect', '--leader-election-namespace', ns, '--leader-election-id', 'ha-test', '--lease-duration', '4s'];
    const from = Date.now();
    const lease = startLeaseRecorder({ namespace: ns, name: 'ha-test', intervalMs: 100 });
    const a = startOperator({ args, identity: 'replica-a', user: `replica-a-${ns}` });
    const b = startOperator({ args, identity: 'replica-b', user: `replica-b-${ns}` });
    operators.push(a, b);
    const leases = kubeConfig().makeApiClient(k8s.CoordinationV1Api);
    const holder = async () => (await leases.readNamespacedLease({ namespace: ns, name: 'ha-test' })).spec?.holderIdentity;
    await eventually('a leader', async () => (await holder().catch(() => undefined)) || undefined, 30_000);

    await createModelVariant(ns, 'ha', {
      activation: 'relu', replicas: 2, template: gpuTemplate(1), strategy: { steps: [{ setWeight: 50, pause: '6s' }] },
    });
    await waitForStatus(ns, 'ha', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'ha', 'silu');
    await waitForStatus(ns, 'ha', 'canary at 50%', (s) => s.canaryWeight === 50);

    // The leader is whoever holds the Lease now: on a loaded machine a replica can miss its 4 s renewal and
    // hand over before this point (allowed, and checked by the single-writer report below).
    const [leader, standby] = (await holder()) === a.identity ? [a, b] : [b, a];
    const killedAt = Date.now();
    await leader.kill();
    await eventually('the standby holds the lease', async () => ((await holder()) === standby.identity ? true : undefined), 20_000);
    const takeover = Date.now() - killedAt;
    expect(takeover).toBeLessThan(4000 + 4000); // lease duration + a retry period's slack

    await waitForStatus(ns, 'ha', 'promoted by the standby', (s) => s.phase === 'Healthy' && s.stableActivation === 'silu', 60_000);
    const samples = await lease.stop();
    const writes = await readAuditEvents({ namespace: ns, user: [a.user, b.user], since: from, ...LEADER_WRITES });
    const report = checkSingleWriter({ writes, lease: samples, replicas: [a, b] });
    expectSingleWriter(report);
    // Both really wrote: the leader until it died, the standby once it held the Lease.
    expect(report.writes[leader.user]).toBeGreaterThan(0);
    expect(report.writes[standby.user]).toBeGreaterThan(0);
    expect(report.tenures.map((t) => t.holder).slice(-2)).toEqual([leader.identity, standby.identity]);
    const lastByLeader = Math.max(...writes.filter((w) => w.user === leader.user).map((w) => w.completedAt));
    expect(lastByLeader).toBeLessThanOrEqual(killedAt + 1000);
    expect(await leaderGauge(standby)).toBe(1);
    await standby.stop();
  });

  it('catches two replicas acting at once: without leader election both write, and the single-writer check fails', async () => {
    const from = Date.now();
    const args = ['--namespace', ns, '--leader-elect=false'];
    const x = startOperator({ args, identity: 'free-x', user: `free-x-${ns}` });
    const y = startOperator({ args, identity: 'free-y', user: `free-y-${ns}` });
    operators.push(x, y);
    await Promise.all([x.port(), y.port()]);
    await createModelVariant(ns, 'contested', {
      activation: 'relu', replicas: 1, template: gpuTemplate(1), strategy: { steps: [{ setWeight: 50, pause: '2s' }] },
    });
    await waitForStatus(ns, 'contested', 'Healthy', (s) => s.phase === 'Healthy');
    await setActivation(ns, 'contested', 'gelu');
    await waitForStatus(ns, 'contested', 'promoted', (s) => s.phase === 'Healthy' && s.stableActivation === 'gelu');
    await Promise.all([x.stop(), y.stop()]);

    const writes = await readAuditEvents({ namespace: ns, user: [x.user, y.user], since: from, ...LEADER_WRITES });
    const report = checkSingleWriter({ writes, lease: [], replicas: [x, y] });
    expect(report.writes[x.user]).toBeGreaterThan(0);
    expect(report.writes[y.user]).toBeGreaterThan(0);
    expect(report.violations.some((v) => v.kind === 'overlap')).toBe(true);
    expect(() => expectSingleWriter(report)).toThrow(/two replicas acted as leader[\s\S]*the periods overlap/);
  });
});
