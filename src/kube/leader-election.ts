/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it, so two
 * replicas never reconcile at once. A replica takes the Lease when it is free (no holder) or expired,
 * and expiry is judged on the local clock from when this process last saw the Lease change (its
 * resourceVersion), never by comparing timestamps written by another machine. Every write carries the
 * resourceVersion it read, so of two replicas racing for it one gets 409 Conflict and loses. The
 * leader renews every retryPeriod; if it cannot renew within renewDeadline (< leaseDuration) it stops
 * leading for good and its caller exits, which is what keeps a partitioned leader from overlapping with
 * the replica that takes over after a full leaseDuration of silence. `release()` clears the holder on
 * a graceful shutdown so the next replica takes over on its next retry instead of waiting it out.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from './clock.ts';
import { errorMessage } from './client.ts';

export interface LeaderElectionOptions {
  coordination: CoordinationV1Api;
  namespace: string;
  /** The Lease's name. */
  name: string;
  /** Unique per process; default hostname_pid_random. */
  identity?: string;
  clock: Clock;
  logger: Logger;
  /** How long others wait, after the Lease last changed, before taking it. Default 15 s; whole seconds. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leading. Default 10 s. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
  onStartedLeading?(): void | Promise<void>;
  /** Called once when leading ends, however it ends; the process should then exit (or stop working). */
  onStoppedLeading?(reason: StopReason): void;
  /** Called when this process sees a different holder of the Lease. */
  onNewLeader?(identity: string): void;
  /** For the acquire jitter (default Math.random). */
  random?: () => number;
}

export type StopReason = 'released' | 'stopped' | 'renewDeadlineExceeded' | 'leaseTakenOver';

export interface LeaderElector {
  readonly identity: string;
  /** Starts trying to acquire the Lease, then renewing it. */
  start(): void;
  /** True only while leading and within renewDeadline of the last successful renewal. */
  isLeader(): boolean;
  /** Stops, and if leading, clears the Lease's holder so another replica takes over at once. */
  release(): Promise<void>;
  /** Stops without touching the Lease (what a crash looks like to the other replicas). */
  stop(): void;
  /** Resolves when this elector has stopped for good, with why. */
  readonly stopped: Promise<StopReason>;
}

export const LEADER_ELECTION_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } as const;

const JITTER = 0.2;

export function defaultIdentity(): string {
  return `${hostname()}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

const httpCode = (err: unknown): number | undefined => (err as { code?: unknown })?.code as number | undefined;

/** What one attempt found: success, or who holds the Lease when that is someone else. */
interface Attempt { ok: boolean; heldBy?: string }

export function createLeaderElector(opts: LeaderElectionOptions): LeaderElector {
  const { coordination, namespace, name, clock } = opts;
  const identity = opts.identity ?? defaultIdentity();
  const leaseDurationMs = opts.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs;
  const renewDeadlineMs = opts.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
  const retryPeriodMs = opts.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
  const random = opts.random ?? Math.random;
  const log = opts.logger.child({ lease: `${namespace}/${name}`, identity });
  if (!(leaseDurationMs > renewDeadlineMs)) throw new Error(`leader election: leaseDuration (${leaseDurationMs} ms) must be longer than renewDeadline (${renewDeadlineMs} ms)`);
  if (!(renewDeadlineMs > retryPeriodMs * (1 + JITTER))) throw new Error(`leader election: renewDeadline (${renewDeadlineMs} ms) must be longer than ${1 + JITTER} × retryPeriod (${retryPeriodMs} ms)`);
  const leaseDurationSeconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));

  let state: 'idle' | 'acquiring' | 'leading' | 'releasing' | 'stopped' = 'idle';
  /** The Lease as last seen, and when (local clock) it was first seen in that version. */
  let observed: { resourceVersion: string; holder: string; durationMs: number; at: number } | undefined;
  let lastRenewAt = -Infinity;
  let retryTimer: TimerHandle | undefined;
  let deadlineTimer: TimerHandle | undefined;
  let inflight: Promise<unknown> = Promise.resolve();
  let resolveStopped: (r: StopReason) => void = () => {};
  const stopped = new Promise<StopReason>((r) => { resolveStopped = r; });

  function observe(lease: V1Lease): void {
    const resourceVersion = lease.metadata?.resourceVersion ?? '';
    if (observed?.resourceVersion === resourceVersion) return;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== (observed?.holder ?? '') && holder !== '' && holder !== identity) {
      log.info({ leader: holder }, 'Observed a new leader');
      opts.onNewLeader?.(holder);
    }
    const seconds = lease.spec?.leaseDurationSeconds;
    observed = { resourceVersion, holder, durationMs: seconds && seconds > 0 ? seconds * 1000 : leaseDurationMs, at: clock.now() };
  }

  async function tryAcquireOrRenew(): Promise<Attempt> {
    let lease: V1Lease;
    try {
      lease = await coordination.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (httpCode(err) !== 404) throw err;
      const now = new V1MicroTime(clock.now());
      const created = await coordination.createNamespacedLease({
        namespace,
        body: { metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 } },
      }).catch((e: unknown) => {
        if (httpCode(e) === 409) return undefined;
        throw e;
      });
      if (!created) return { ok: false };
      observe(created);
      return { ok: true };
    }
    observe(lease);
    const holder = lease.spec?.holderIdentity ?? '';
    const current = observed as NonNullable<typeof observed>;
    if (holder !== '' && holder !== identity && clock.now() < current.at + current.durationMs) return { ok: false, heldBy: holder };
    const now = new V1MicroTime(clock.now());
    const mine = holder === identity;
    const transitions = lease.spec?.leaseTransitions ?? 0;
    const body: V1Lease = {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: now,
        acquireTime: mine && lease.spec?.acquireTime ? lease.spec.acquireTime : now,
        leaseTransitions: mine ? transitions : transitions + 1,
      },
    };
    try {
      observe(await coordination.replaceNamespacedLease({ name, namespace, body }));
      return { ok: true };
    } catch (err) {
      if (httpCode(err) === 409) return { ok: false };
      throw err;
    }
  }

  /** One attempt that never throws; `inflight` lets release() wait for it before writing. */
  function attempt(): Promise<Attempt & { startedAt: number }> {
    const startedAt = clock.now();
    const run = tryAcquireOrRenew().then(
      (a) => ({ ...a, startedAt }),
      (err: unknown) => {
        if (state === 'leading') log.warn({ err: errorMessage(err) }, 'Failed to renew the lease');
        else if (state === 'acquiring') log.warn({ err: errorMessage(err) }, 'Failed to read or take the lease');
        return { ok: false, startedAt };
      },
    );
    inflight = run;
    return run;
  }

  function schedule(ms: number, fn: () => void): void {
    if (retryTimer) clock.clearTimeout(retryTimer);
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      fn();
    }, ms);
  }

  function armDeadline(): void {
    if (deadlineTimer) clock.clearTimeout(deadlineTimer);
    deadlineTimer = clock.setTimeout(() => end('renewDeadlineExceeded'), Math.max(0, lastRenewAt + renewDeadlineMs - clock.now()));
  }

  function clearTimers(): void {
    if (retryTimer) clock.clearTimeout(retryTimer);
    if (deadlineTimer) clock.clearTimeout(deadlineTimer);
    retryTimer = deadlineTimer = undefined;
  }

  function end(reason: StopReason): void {
    if (state === 'stopped') return;
    const wasLeading = state === 'leading' || state === 'releasing';
    state = 'stopped';
    clearTimers();
    if (wasLeading) {
      if (reason === 'released' || reason === 'stopped') log.info({ reason }, 'Stopped leading');
      else log.error({ reason }, 'Stopped leading');
      try {
        opts.onStoppedLeading?.(reason);
      } catch (err) {
        log.error({ err: String(err) }, 'onStoppedLeading threw');
      }
    }
    resolveStopped(reason);
  }

  async function acquireLoop(): Promise<void> {
    const a = await attempt();
    if (state !== 'acquiring') return;
    if (!a.ok) return schedule(retryPeriodMs * (1 + JITTER * random()), () => void acquireLoop());
    state = 'leading';
    lastRenewAt = a.startedAt;
    armDeadline();
    log.info('Became leader');
    Promise.resolve()
      .then(() => opts.onStartedLeading?.())
      .catch((err: unknown) => log.error({ err: errorMessage(err) }, 'onStartedLeading failed'));
    schedule(retryPeriodMs, () => void renewLoop());
  }

  async function renewLoop(): Promise<void> {
    const a = await attempt();
    if (state !== 'leading') return;
    if (a.ok) {
      lastRenewAt = a.startedAt;
      armDeadline();
    } else if (a.heldBy) {
      return end('leaseTakenOver');
    }
    schedule(retryPeriodMs, () => void renewLoop());
  }

  async function releaseLease(): Promise<void> {
    try {
      const lease = await coordination.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime(clock.now());
      await coordination.replaceNamespacedLease({
        name, namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, acquireTime: now, renewTime: now } },
      });
      log.info('Released the lease');
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'Failed to release the lease; the next leader waits for it to expire');
    }
  }

  return {
    identity,
    start() {
      if (state !== 'idle') return;
      state = 'acquiring';
      log.info({ leaseDurationMs, renewDeadlineMs, retryPeriodMs }, 'Trying to acquire the lease');
      void acquireLoop();
    },
    isLeader: () => state === 'leading' && clock.now() < lastRenewAt + renewDeadlineMs,
    async release() {
      if (state !== 'leading') return end('stopped');
      state = 'releasing';
      clearTimers();
      await inflight;
      // Only clear the holder while our last renewal still stands; past the deadline it may be another's.
      if (clock.now() < lastRenewAt + renewDeadlineMs) await releaseLease();
      end('released');
    },
    stop: () => end('stopped'),
    stopped,
  };
}
