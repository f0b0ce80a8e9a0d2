import { describe, expect, it } from '@jest/globals';
import { checkSingleWriter, expectSingleWriter, leaseTenures, type LeaseSample, type Write } from '../../integration/support/single-writer.ts';

const T = Date.parse('2026-01-01T00:00:00Z');
const s = (sec: number) => T + sec * 1000;
const replicas = [{ user: 'user-a', identity: 'replica-a' }, { user: 'user-b', identity: 'replica-b' }];

/** The Lease polled every 100 ms over [from, to), held as `holder` since `acquired`, renewed every 2 s. */
function polls(from: number, to: number, holder: string, acquired: number, lastRenewal = Infinity): LeaseSample[] {
  const out: LeaseSample[] = [];
  for (let i = 0, t = from; t < to - 1e-9; t = from + ++i * 0.1) {
    const renew = Math.min(acquired + Math.floor((t - acquired) / 2) * 2, lastRenewal);
    out.push({ at: s(t), holder, acquireTime: s(acquired), renewTime: s(renew), leaseDurationSeconds: 4 });
  }
  return out;
}

/** One write by `user` every `every` seconds over [from, to]. */
function writes(user: string, from: number, to: number, every = 0.5): Write[] {
  const out: Write[] = [];
  for (let i = 0, t = from; t <= to + 1e-9; t = from + ++i * every) out.push({ user, verb: 'patch', resource: 'deployments', namespace: 'ns', name: 'ha-stable', receivedAt: s(t), completedAt: s(t) + 5 });
  return out;
}

// a leads from 0 s and dies at 10 s (last renewal at 10 s); b takes over at 14.2 s, when the Lease expired.
const handover = [...polls(0, 14.2, 'replica-a', 0, 10), ...polls(14.2, 30, 'replica-b', 14.2)];

describe('the single-writer check', () => {
  it('reads the Lease\'s tenures from the polls', () => {
    expect(leaseTenures(handover).map((t) => ({ holder: t.holder, start: t.start - T, end: t.end - T }))).toEqual([
      { holder: 'replica-a', start: 0, end: 14_200 },
      { holder: 'replica-b', start: 14_200, end: Infinity },
    ]);
  });

  it('passes a handover: the leader wrote while it held the Lease, then the standby after it took the Lease over', () => {
    const report = checkSingleWriter({ writes: [...writes('user-a', 0.5, 9.9), ...writes('user-b', 14.3, 29)], lease: handover, replicas });
    expect(report.violations).toEqual([]);
    expect(report.writes).toEqual({ 'user-a': 19, 'user-b': 30 });
    expect(() => expectSingleWriter(report)).not.toThrow();
  });

  it('fails when two replicas wrote concurrently, however the Lease looked', () => {
    const report = checkSingleWriter({ writes: [...writes('user-a', 0.5, 20), ...writes('user-b', 5, 29)], lease: handover, replicas });
    const kinds = report.violations.map((v) => v.kind);
    expect(kinds).toContain('overlap');
    // a wrote after its Lease expired and after b took it; b wrote before it held the Lease.
    expect(report.violations.filter((v) => v.kind === 'outsideLease' && v.write.user === 'user-a').length).toBeGreaterThan(0);
    expect(report.violations.filter((v) => v.kind === 'outsideLease' && v.write.user === 'user-b').length).toBeGreaterThan(0);
    expect(() => expectSingleWriter(report)).toThrow(/two replicas acted as leader[\s\S]*user-a wrote from 2026-01-01T00:00:00.500Z to 2026-01-01T00:00:20.005Z and user-b from 2026-01-01T00:00:05.000Z/);
  });

  it('fails when a replica wrote while the Lease named another, even without overlapping periods', () => {
    const lease = [...polls(0, 10, 'replica-b', 0), ...polls(10, 20, 'replica-a', 10)];
    const report = checkSingleWriter({ writes: [...writes('user-a', 1, 3), ...writes('user-b', 12, 15)], lease, replicas });
    expect(report.violations.every((v) => v.kind === 'outsideLease')).toBe(true);
    expect(report.violations).toHaveLength(5 + 7);
    expect(report.violations[0]).toEqual(expect.objectContaining({ reason: 'the Lease named "replica-b" (since 2026-01-01T00:00:00.000Z), not replica-a' }));
  });

  it('fails when the leader wrote after its Lease expired, though nobody had taken it yet', () => {
    const lease = polls(0, 30, 'replica-a', 0, 10); // never renewed after 10 s
    const report = checkSingleWriter({ writes: writes('user-a', 9.5, 15.5, 1), lease, replicas });
    expect(report.violations.map((v) => (v.kind === 'outsideLease' ? Math.round(v.write.receivedAt - T) : -1))).toEqual([14_500, 15_500]);
    expect(report.violations[0]).toEqual(expect.objectContaining({ reason: 'replica-a\'s Lease had expired: last renewed at 2026-01-01T00:00:10.000Z, leaseDuration 4s' }));
  });

  it('accepts a graceful release: the Lease names nobody, then the standby', () => {
    const lease = [...polls(0, 8, 'replica-a', 0), ...polls(8, 9, '', 8.05), ...polls(9, 20, 'replica-b', 9.01)];
    const report = checkSingleWriter({ writes: [...writes('user-a', 1, 8), ...writes('user-b', 9.1, 19)], lease, replicas });
    expect(report.violations).toEqual([]);
  });
});
