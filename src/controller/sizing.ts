/**
 * How the two roles change size between where they are and where a step, an exit or a promotion wants
 * them, without breaking the serving floor: pure, one move per pass.
 *
 * - The growing side gets pods first, as far as free capacity allows (a surge: nothing serving goes).
 * - The shrinking side loses its unready pods freely (they serve nothing), and ready pods only while
 *   the ready pods of both roles stay at or above `floor`, and only once the growing side is Ready at
 *   its target, or when it cannot grow for lack of room (then the freed pods make that room: pod by
 *   pod when GPUs are tight).
 * - Pods pending for a node (unscheduled) on a side that keeps or grows its size need room like new
 *   ones: they are not on their way, so a shrinking side's ready pods can make room for them too.
 * - `blocked` says that nothing can move and nothing is on its way: a capacity hold.
 */
import type { Role } from '../api/types.ts';
import type { Sizes } from './model.ts';

export interface RoleNow {
  /** spec.replicas of the role's Deployment (0 when it does not exist). */
  replicas: number;
  /** Its ready pods, which receive traffic. */
  ready: number;
  /** Its pods not bound to a node (Pending for the scheduler): they hold no GPU. */
  unscheduled?: number;
}

export interface MoveInput {
  current: { stable: RoleNow; canary: RoleNow };
  target: Sizes;
  /** More pods of the template that fit right now; undefined when the template asks for no extended resource. */
  fits: number | undefined;
  /** Ready pods (both roles together) that must keep serving: spec.replicas − maxUnavailable. */
  floor: number;
  /** The role that grows first when room is short (the receiving side of the transition). */
  first: Role;
}

export interface Move {
  sizes: Sizes;
  /** Growth is needed, nothing can move now, and no pod is on its way to Ready. */
  blocked: boolean;
}

const ROLES: Role[] = ['stable', 'canary'];

export function moveToward(m: MoveInput): Move {
  const { current: cur, target, floor } = m;
  const next: Sizes = { stable: cur.stable.replicas, canary: cur.canary.replicas };
  const growth = (role: Role) => Math.max(0, target[role] - cur[role].replicas);
  // Pods of a role that keeps its size or grows, pending for a node: they need room as much as new ones.
  const pending = (role: Role) => (target[role] >= cur[role].replicas ? cur[role].unscheduled ?? 0 : 0);
  const waiting = pending('stable') + pending('canary');
  const needed = growth('stable') + growth('canary') + waiting;
  const room = m.fits === undefined ? Infinity : Math.max(0, m.fits);
  const shortage = Math.max(0, needed - room);
  const growersReady = ROLES.every((role) => target[role] < cur[role].replicas || cur[role].ready >= target[role]);

  // Shrink: unready pods go freely; ready ones within the floor, when the growers are up or need the room.
  const spare = Math.max(0, cur.stable.ready + cur.canary.ready - floor);
  let readyBudget = growersReady ? spare : Math.min(spare, shortage);
  let freed = 0;
  for (const role of ROLES) {
    const excess = cur[role].replicas - target[role];
    if (excess <= 0) continue;
    const unreadyCut = Math.min(excess, Math.max(0, cur[role].replicas - cur[role].ready));
    const readyCut = Math.min(readyBudget, excess - unreadyCut);
    next[role] -= unreadyCut + readyCut;
    readyBudget -= readyCut;
    // The ReplicaSet removes unscheduled pods first, then unready ones, then ready ones; unready pods
    // that run (loading the model) hold a GPU and free it, unscheduled ones free nothing.
    freed += unreadyCut - Math.min(unreadyCut, cur[role].unscheduled ?? 0) + readyCut;
  }

  // Grow: the receiving side first, with the free room plus what the shrinking side gives back (the
  // pending pods take theirs first).
  let left = Math.max(0, room + freed - waiting);
  let short = room + freed < waiting;
  const order: Role[] = m.first === 'stable' ? ['stable', 'canary'] : ['canary', 'stable'];
  for (const role of order) {
    const need = growth(role);
    if (need === 0) continue;
    const add = Math.min(need, left);
    next[role] += add;
    left -= add;
    if (add < need) short = true;
  }
  // On its way to Ready: a pod loading its model (a pending pod waits for room, see `waiting`).
  const inFlight = ROLES.some((role) => cur[role].ready < cur[role].replicas - (cur[role].unscheduled ?? 0));
  const changed = ROLES.some((role) => next[role] !== cur[role].replicas);
  return { sizes: next, blocked: short && !changed && !inFlight };
}
