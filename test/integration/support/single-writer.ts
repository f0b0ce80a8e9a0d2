/**
 * "Never two leaders", observed from outside the operator: what the Lease said (polled every ~100 ms:
 * holder, acquireTime, renewTime) and what each replica wrote (the apiserver's audit log, each replica
 * under a user of its own). Two properties are checked:
 *
 * - no two replicas wrote within overlapping periods: each replica's writes span [first, last], and
 *   the spans of two replicas never intersect (this assumes a replica leads at most once in the history
 *   checked, as when a leader is killed; check a longer history window by window);
 * - a replica writes only while the Lease names it: every write falls in a tenure of that replica
 *   (from its acquireTime to the next holder's acquireTime) and within leaseDuration of its last renewal.
 *
 * acquireTime and renewTime are written by the replicas' clocks and the audit timestamps by the
 * apiserver's: all run on this machine, so they compare directly.
 */
import * as k8s from '@kubernetes/client-node';
import type { AuditEvent } from '../../harness/audit.ts';
import { WRITE_VERBS } from '../../harness/audit.ts';
import { kubeConfig } from '../../harness/env.ts';

/** The writes that only a leader may make: the audit filter to read them with. */
export const LEADER_WRITES = {
  verbs: WRITE_VERBS,
  resources: ['modelvariants', 'deployments', 'services', 'httproutes', 'virtualservices', 'events'],
} as const;

/** The Lease as one poll saw it; times in ms since the epoch. */
export interface LeaseSample {
  at: number;
  /** '' when nobody holds it (never taken, or released). */
  holder: string;
  acquireTime?: number;
  renewTime?: number;
  leaseDurationSeconds?: number;
}

/** One holder's uninterrupted hold of the Lease. */
export interface Tenure {
  holder: string;
  /** Its acquireTime (or when first seen, if the Lease had none). */
  start: number;
  /** The next tenure's start (a release is a tenure of ''), or Infinity. */
  end: number;
  /** Every renewTime seen, ascending. */
  renewals: number[];
  leaseDurationMs: number;
}

export type Write = Pick<AuditEvent, 'user' | 'verb' | 'resource' | 'subresource' | 'namespace' | 'name' | 'receivedAt' | 'completedAt'>;

export interface Replica {
  /** Its user name in the audit log. */
  user: string;
  /** Its leader-election identity (the Lease's holderIdentity). */
  identity: string;
}

export type SingleWriterViolation =
  | { kind: 'overlap'; users: [string, string]; spans: [[number, number], [number, number]] }
  | { kind: 'outsideLease'; write: Write; reason: string };

export interface SingleWriterReport {
  /** Writes per user. */
  writes: Record<string, number>;
  tenures: Tenure[];
  violations: SingleWriterViolation[];
}

const time = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).getTime());

/** Polls a Lease every `intervalMs` and records what it said; `stop()` returns every sample. */
export function startLeaseRecorder(opts: { namespace: string; name: string; intervalMs?: number; kc?: k8s.KubeConfig }) {
  const leases = (opts.kc ?? kubeConfig()).makeApiClient(k8s.CoordinationV1Api);
  const samples: LeaseSample[] = [];
  let running = true;
  let wake: () => void = () => undefined;
  const loop = (async () => {
    while (running) {
      try {
        const lease = await leases.readNamespacedLease({ namespace: opts.namespace, name: opts.name });
        const s = lease.spec;
        samples.push({
          at: Date.now(), holder: s?.holderIdentity ?? '',
          ...(s?.acquireTime ? { acquireTime: time(s.acquireTime) } : {}),
          ...(s?.renewTime ? { renewTime: time(s.renewTime) } : {}),
          ...(s?.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: s.leaseDurationSeconds } : {}),
        });
      } catch {
        // not created yet, or a transient error: the next poll tells
      }
      // unref: a test that fails before stop() must not keep the worker alive.
      if (running) await new Promise<void>((r) => { const t = setTimeout(r, opts.intervalMs ?? 100).unref(); wake = () => { clearTimeout(t); r(); }; });
    }
  })();
  return {
    samples: samples as readonly LeaseSample[],
    async stop(): Promise<LeaseSample[]> {
      running = false;
      wake();
      await loop;
      return [...samples];
    },
  };
}

/** The tenures the samples show, in order. */
export function leaseTenures(samples: readonly LeaseSample[]): Tenure[] {
  const tenures: Tenure[] = [];
  for (const s of [...samples].sort((a, b) => a.at - b.at)) {
    const start = s.acquireTime ?? s.at;
    let current = tenures.at(-1);
    if (!current || current.holder !== s.holder || (s.acquireTime !== undefined && s.acquireTime !== current.start)) {
      if (current) current.end = Math.max(current.start, start);
      current = { holder: s.holder, start, end: Infinity, renewals: [], leaseDurationMs: (s.leaseDurationSeconds ?? 0) * 1000 };
      tenures.push(current);
    }
    if (s.renewTime !== undefined && !current.renewals.includes(s.renewTime)) current.renewals.push(s.renewTime);
    if (s.leaseDurationSeconds) current.leaseDurationMs = s.leaseDurationSeconds * 1000;
  }
  for (const t of tenures) t.renewals.sort((a, b) => a - b);
  return tenures;
}

const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : '∞');
const describeWrite = (w: Write) => `${w.user} ${w.verb} ${w.resource}${w.subresource ? `/${w.subresource}` : ''} ${w.namespace ?? ''}/${w.name ?? ''} at ${iso(w.receivedAt)}`;

/** Why the Lease did not name `identity` for the whole of write `w`, or undefined when it did. */
function outsideLease(w: Write, identity: string, tenures: readonly Tenure[]): string | undefined {
  const during = tenures.find((t) => t.start <= w.receivedAt && w.receivedAt < t.end);
  const holderThen = during ? `the Lease named ${JSON.stringify(during.holder)} (since ${iso(during.start)})` : 'no tenure of the Lease had been observed yet';
  if (!during || during.holder !== identity) return `${holderThen}, not ${identity}`;
  if (w.completedAt > during.end) return `${identity}'s tenure ended at ${iso(during.end)}, before the write completed at ${iso(w.completedAt)}`;
  const lastRenewal = Math.max(during.start, ...during.renewals.filter((r) => r <= w.receivedAt));
  if (during.leaseDurationMs > 0 && w.receivedAt > lastRenewal + during.leaseDurationMs) {
    return `${identity}'s Lease had expired: last renewed at ${iso(lastRenewal)}, leaseDuration ${during.leaseDurationMs / 1000}s`;
  }
  return undefined;
}

/** Checks the two properties above over `writes` by `replicas` (other users' writes are ignored). */
export function checkSingleWriter(input: { writes: readonly Write[]; lease: readonly LeaseSample[]; replicas: readonly Replica[] }): SingleWriterReport {
  const tenures = leaseTenures(input.lease);
  const identityOf = new Map(input.replicas.map((r) => [r.user, r.identity]));
  const writes = input.writes.filter((w) => identityOf.has(w.user)).sort((a, b) => a.receivedAt - b.receivedAt);
  const violations: SingleWriterViolation[] = [];

  const spans = new Map<string, [number, number]>();
  for (const w of writes) {
    const span = spans.get(w.user);
    spans.set(w.user, span ? [Math.min(span[0], w.receivedAt), Math.max(span[1], w.completedAt)] : [w.receivedAt, w.completedAt]);
  }
  const users = [...spans.keys()];
  for (let i = 0; i < users.length; i++) {
    for (let j = i + 1; j < users.length; j++) {
      const [a, b] = [spans.get(users[i] as string) as [number, number], spans.get(users[j] as string) as [number, number]];
      if (a[0] <= b[1] && b[0] <= a[1]) violations.push({ kind: 'overlap', users: [users[i] as string, users[j] as string], spans: [a, b] });
    }
  }
  for (const w of writes) {
    const reason = outsideLease(w, identityOf.get(w.user) as string, tenures);
    if (reason) violations.push({ kind: 'outsideLease', write: w, reason });
  }
  return { writes: Object.fromEntries(users.map((u) => [u, writes.filter((w) => w.user === u).length])), tenures, violations };
}

/** A readable account of the violations, the tenures and the writes per user. */
export function describeSingleWriter(report: SingleWriterReport, limit = 15): string {
  const lines = report.violations.slice(0, limit).map((v) => (v.kind === 'overlap'
    ? `  ${v.users[0]} wrote from ${iso(v.spans[0][0])} to ${iso(v.spans[0][1])} and ${v.users[1]} from ${iso(v.spans[1][0])} to ${iso(v.spans[1][1])}: the periods overlap`
    : `  ${describeWrite(v.write)}: ${v.reason}`));
  if (report.violations.length > limit) lines.push(`  … and ${report.violations.length - limit} more`);
  const tenures = report.tenures.map((t) => `  ${JSON.stringify(t.holder)} from ${iso(t.start)} to ${iso(t.end)} (${t.renewals.length} renewals seen)`);
  return [...lines, 'Lease tenures:', ...tenures, `writes per user: ${JSON.stringify(report.writes)}`].join('\n');
}

/** Fails (throws) unless the history shows a single writer at a time, each holding the Lease. */
export function expectSingleWriter(report: SingleWriterReport): void {
  if (report.violations.length > 0) {
    throw new Error(`two replicas acted as leader (${report.violations.length} violations):\n${describeSingleWriter(report)}`);
  }
}
