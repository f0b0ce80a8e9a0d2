/**
 * How the two roles change size between where they are and where a step, an exit or a promotion wants
 * them, without breaking the serving floor: pure, one move per pass.
 *
 * - The growing side gets pods first, as far as free capacity allows (a surge: nothing serving goes).
 * - The shrinking side loses its unready pods freely (they serve nothing), and ready pods only while
 *   the ready pods of both roles stay at or above `floor`, and only once the growing side is Ready at
 *   its target, or when it cannot grow for lack of room (then the freed pods make that room: pod by
 *   pod when GPUs are tight).
 * - Ready pods a role's own Deployment may still take down (`readyAtRisk`: stable replacing its pods
 *   in place during promotion, a status that predates the spec) count for neither the floor nor
 *   "Ready at its target": the other side keeps its pods until that Deployment is done.
 * - Pods of the growing side that wait for room (Pending for the scheduler, or wanted by the Deployment
 *   but not created yet) take the free room first and count toward the shortage the shrinking side
 *   may make room for; else a pod grown on a free GPU that another pod took would wait forever.
 * - A Deployment replacing pods with a new template (`rolling`) that serves only loses pods waiting for
 *   a node until its update is done, and only while the floor holds: its update keeps one pod fewer
 *   than its new size, so a smaller size lets it take a ready pod down.
 * - `blocked` says that nothing can move and nothing is on its way: a capacity hold.
 */
import type { Role } from '../api/types.ts';
import type { Sizes } from './model.ts';

export interface RoleNow {
  /** spec.replicas of the role's Deployment (0 when it does not exist). */
  replicas: number;
  /** Its ready pods, which receive traffic. */
  ready: number;
  /** Its pods not bound to a node (Pending for the scheduler, or not created yet): they hold no GPU. */
  unscheduled?: number;
  /** Of its ready pods, those its own Deployment may still take down (a rolling update in progress). */
  readyAtRisk?: number;
  /** Its Deployment is replacing pods with a new template: its size is left alone unless it grows. */
  rolling?: boolean;
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
  // Pods of a receiving side that hold no GPU yet (Pending, or not even created): they take free room
  // before any new pod, and, when there is none, need the leaving side's room as much as new pods do.
  const waiting = ROLES.reduce((n, role) => n + (target[role] >= cur[role].replicas ? cur[role].unscheduled ?? 0 : 0), 0);
  const needed = growth('stable') + growth('canary') + waiting;
  const room = m.fits === undefined ? Infinity : Math.max(0, m.fits);
  const shortage = Math.max(0, needed - room);
  // Ready pods that stay: not those the role's own Deployment may still take down.
  const dependable = (role: Role) => Math.max(0, cur[role].ready - (cur[role].readyAtRisk ?? 0));
  const growersReady = ROLES.every((role) => target[role] < cur[role].replicas || dependable(role) >= target[role]);

  // Shrink: unready pods go freely; ready ones within the floor, when the growers are up or need the room.
  const spare = Math.max(0, dependable('stable') + dependable('canary') - floor);
  let readyBudget = growersReady ? spare : Math.min(spare, shortage);
  let freed = 0;
  for (const role of ROLES) {
    const excess = cur[role].replicas - target[role];
    if (excess <= 0) continue;
    // A Deployment in the middle of its own rolling update may scale either template down, and keeps
    // one pod fewer than its new size: while any of its pods serves, it only loses pods waiting for a
    // node (they hold nothing and serve nothing; dropping them may be what unblocks its update). Each
    // one it loses lowers what it keeps by one, so ready pods beyond that go too: they count against
    // the floor as a ready cut does.
    const guarded = !!cur[role].rolling && cur[role].ready > 0;
    if (guarded) {
      const kept = (replicas: number) => Math.min(cur[role].ready, Math.max(0, replicas - 1));
      const mustKeep = kept(cur[role].replicas) - readyBudget;
      next[role] -= Math.min(excess, cur[role].unscheduled ?? 0, mustKeep > 0 ? cur[role].replicas - 1 - mustKeep : Infinity);
      readyBudget -= kept(cur[role].replicas) - kept(next[role]);
      continue;
    }
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
