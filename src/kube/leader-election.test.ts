// The elector's timing rules on a fake clock, against an in-memory Lease with the API server's
// optimistic concurrency (resourceVersion, 409). The real API server is in test/integration/kube-infra.
import { describe, expect, it } from '@jest/globals';
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createFakeClock, type FakeClock } from './clock.ts';
import { createLeaderElector, type LeaderElectionOptions, type StopReason } from './leader-election.ts';

const logger = pino({ level: 'silent' });
const httpError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });

/** One Lease with resourceVersions; `down` makes every call fail, `hang` makes it never answer. */
class LeaseStore {
  lease: V1Lease | undefined;
  rv = 0;
  down = false;
  hang = false;
  writes = 0;
  private call<T>(fn: () => T): Promise<T> {
    if (this.hang) return new Promise<T>(() => {});
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    return Promise.resolve().then(fn);
  }
  private store(body: V1Lease): V1Lease {
    this.writes++;
    this.lease = structuredClone({ ...body, metadata: { ...body.metadata, resourceVersion: String(++this.rv) } });
    return structuredClone(this.lease);
  }
  readonly api = {
    readNamespacedLease: () => this.call(() => {
      if (!this.lease) throw httpError(404);
      return structuredClone(this.lease);
    }),
    createNamespacedLease: ({ body }: { body: V1Lease }) => this.call(() => {
      if (this.lease) throw httpError(409);
      return this.store(body);
    }),
    replaceNamespacedLease: ({ body }: { body: V1Lease }) => this.call(() => {
      if (body.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) throw httpError(409);
      return this.store(body);
    }),
  } as unknown as CoordinationV1Api;
}

function elector(store: LeaseStore, clock: FakeClock, identity: string, extra: Partial<LeaderElectionOptions> = {}) {
  const events: string[] = [];
  const e = createLeaderElector({
    coordination: store.api, namespace: 'ns', name: 'op', identity, clock, logger, random: () => 0,
    leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
    onStartedLeading: () => void events.push(`started at ${clock.now()}`),
    onStoppedLeading: (r: StopReason) => void events.push(`stopped (${r}) at ${clock.now()}`),
    ...extra,
  });
  return Object.assign(e, { events });
}

describe('leader election', () => {
  it('creates a missing Lease and leads', async () => {
    const clock = createFakeClock(0);
    const store = new LeaseStore();
    const a = elector(store, clock, 'a');
    a.start();
    await clock.settle();
    expect(a.isLeader()).toBe(true);
    expect(a.events).toEqual(['started at 0']);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    a.stop();
  });

  it('renews every retry period, so a waiting replica never takes over', async () => {
    const clock = createFakeClock(0);
    const store = new LeaseStore();
    const a = elector(store, clock, 'a');
    const b = elector(store, clock, 'b');
    a.start();
    await clock.settle();
    b.start();
    for (let t = 0; t < 120_000; t += 500) {
      await clock.advance(500);
      expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    }
    expect(store.writes).toBeGreaterThan(55);
    a.stop();
    b.stop();
  });

  it('waits a full lease duration from when it saw the Lease change, whatever times the Lease records', async () => {
    const clock = createFakeClock(1_000_000);
    const store = new LeaseStore();
    // Written by a replica whose clock is far behind: renewTime looks ancient but the holder may be alive.
    store.lease = { metadata: { name: 'op', namespace: 'ns', resourceVersion: '7' }, spec: { holderIdentity: 'old', leaseDurationSeconds: 15, renewTime: new Date(0) } };
    store.rv = 7;
    const b = elector(store, clock, 'b');
    b.start();
    await clock.advance(14_000);
    expect(b.isLeader()).toBe(false);
    await clock.advance(2_000);
    expect(b.isLeader()).toBe(true);
    expect(b.events).toEqual(['started at 1016000']);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    b.stop();
  });

  it('stops leading when it cannot renew within the renew deadline, before anyone else may take over', async () => {
    const clock = createFakeClock(0);
    const store = new LeaseStore();
    const a = elector(store, clock, 'a');
    a.start();
    await clock.settle();
    store.down = true;
    await clock.advance(9_999);
    expect(a.isLeader()).toBe(true);
    await clock.advance(1);
    expect(a.isLeader()).toBe(false);
    expect(a.events).toEqual(['started at 0', 'stopped (renewDeadlineExceeded) at 10000']);
    await expect(a.stopped).resolves.toBe('renewDeadlineExceeded');
    store.down = false;
    await clock.advance(60_000);
    expect(a.isLeader()).toBe(false);
  });

  it('stops leading at the deadline even when a renewal hangs', async () => {
    const clock = createFakeClock(0);
    const store = new LeaseStore();
    const a = elector(store, clock, 'a');
    a.start();
    await clock.settle();
    store.hang = true;
    await clock.advance(10_000);
    expect(a.isLeader()).toBe(false);
    expect(a.events.at(-1)).toBe('stopped (renewDeadlineExceeded) at 10000');
  });

  it('stops leading at once when it finds another holder in the Lease', async () => {
    const clock = createFakeClock(0);
    const store = new LeaseStore();
    const a = elector(store, clock, 'a');
    a.start();
    await clock.settle();
    store.lease = { ...store.lease, metadata: { ...store.lease?.metadata, resourceVersion: String(++store.rv) }, spec: { ...store.lease?.spec, holderIdentity: 'intruder' } };
    await clock.advance(2_000);
    expect(a.isLeader()).toBe(false);
    expect(a.events.at(-1)).toBe('stopped (leaseTakenOver) at 2000');
  });

  it('hands over on release within one retry period, and counts the transition', async () => {
    const clock = createFakeClock(0);
    const store = new LeaseStore();
    const a = elector(store, clock, 'a');
    const b = elector(store, clock, 'b');
    a.start();
    await clock.settle();
    b.start();
    await clock.advance(5_000);
    await a.release();
    expect(a.isLeader()).toBe(false);
    expect(a.events.at(-1)).toBe('stopped (released) at 5000');
    expect(store.lease?.spec?.holderIdentity).toBeUndefined();
    await clock.advance(2_000);
    expect(b.isLeader()).toBe(true);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    b.stop();
  });

  it('lets exactly one of two replicas that start together lead', async () => {
    const clock = createFakeClock(0);
    const store = new LeaseStore();
    const a = elector(store, clock, 'a');
    const b = elector(store, clock, 'b');
    a.start();
    b.start();
    await clock.advance(30_000);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    a.stop();
    b.stop();
  });

  it('refuses timings that could let two replicas lead at once', () => {
    const store = new LeaseStore();
    const clock = createFakeClock(0);
    expect(() => elector(store, clock, 'a', { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(/must be longer than renewDeadline/);
    expect(() => elector(store, clock, 'a', { renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(/must be longer than 1.2 × retryPeriod/);
  });
});
