/**
 * Holding for capacity, pure: when a move needs pods that do not fit (nodes' free GPUs, the namespace's
 * quota) and nothing is on its way, the rollout holds with `CapacityAvailable=False`. The hold has its
 * own clock (`status.capacityHoldSince`, timed out by `strategy.capacityTimeout`) and does not count
 * toward the progress deadline: when it ends, the step's start moves forward by the time held.
 */
import { formatDuration } from '../util/duration.ts';
import { CONDITION } from './conditions.ts';
import { REQUEUE_CAPACITY_MS, cond, event, type Draft } from './plan.ts';

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

/**
 * Starts or continues a hold; returns the milliseconds until the hold times out (≤ 0: timed out) and
 * the message to show. `what` names the move that waits, e.g. "step 2/3 (50%)".
 */
export function holdForCapacity(draft: Draft, what: string, growth: string): { timeoutInMs: number; message: string; requeueMs: number } {
  const { d, o, s } = draft;
  const cap = o.capacity;
  const message = `${what} needs ${growth} more pod(s)${cap ? ` × ${cap.perPod} ${cap.resource}` : ''} but ${cap?.fits ?? 0} fit` +
    `${cap ? ` (${cap.detail})` : ''}; holding until capacity frees up (at most ${formatDuration(d.capacityTimeoutMs)}, ` +
    'strategy.capacityTimeout), or set strategy.maxUnavailable to let a serving pod make room';
  if (!s.capacityHoldSince) {
    s.capacityHoldSince = draft.nowIso;
    event(draft, 'Warning', 'InsufficientCapacity', message);
  }
  cond(draft, CONDITION.CapacityAvailable, 'False', 'InsufficientCapacity', message);
  const timeoutInMs = ms(s.capacityHoldSince) + d.capacityTimeoutMs - draft.now;
  // The hold has timed out at 0 (not past it, as a deadline is): come back exactly then.
  return { timeoutInMs, message, requeueMs: Math.min(REQUEUE_CAPACITY_MS, Math.max(0, timeoutInMs)) };
}

/** Ends a hold, if any: moves the step's start forward by the time held, so the hold never counts toward a deadline. */
export function endCapacityHold(draft: Draft): void {
  const { o, s } = draft;
  if (s.capacityHoldSince) {
    const held = Math.max(0, draft.now - ms(s.capacityHoldSince));
    if (s.stepStartedAt) s.stepStartedAt = new Date(ms(s.stepStartedAt) + held).toISOString();
    delete s.capacityHoldSince;
  }
  // No per-node numbers while it fits: they change with every pod in the cluster and would rewrite status.
  cond(draft, CONDITION.CapacityAvailable, 'True', 'CapacityAvailable',
    o.capacity ? `the rollout fits the free ${o.capacity.resource}` : 'the template asks for no extended resource');
}
