/**
 * A small simulated cluster that the pure planner drives, for property tests: two Deployments (stable,
 * canary) with spec replicas and a template variant, pods that become Ready only after a model-load
 * delay, Deployments that replace pods one at a time when their template changes (maxSurge 0,
 * maxUnavailable 1, as `buildDeployment` writes them), and a GPU pool (one GPU per pod) where a pod
 * beyond it stays unscheduled. Deleting a pod or a Deployment removes pods at once (they stop serving
 * and free their GPU). `OperatorSim` is the operator around it: observe → `plan` → apply, a pass
 * whenever the world or the status changed (watches), the earliest requeue timer, a resync every 5
 * minutes, and restarts that keep nothing but the status as the apiserver returns it.
 * Deterministic: the clock is injected and load delays come from a list the test generates.
 */
import { replicaSplit, readyWeight } from '../../traffic/replicas.ts';
import type { RouteState } from '../../traffic/router.ts';
import { weightedSplit } from '../../traffic/weighted.ts';
import { analysisDue } from '../analysis-schedule.ts';
import { sameVariant, variantLabel, type AnalysisOutcome, type Desired, type Observed, type Plan, type RoleObservation, type SplitRule, type Status, type Variant, type WorkloadIntent } from '../model.ts';
import { plan } from '../plan.ts';

export type RoleName = 'stable' | 'canary';
interface Pod { id: number; variant: Variant; scheduled: boolean; readyAt: number }
interface Deployment { variant: Variant; replicas: number; pods: Pod[] }
export interface WorldState {
  now: number;
  gpus: number;
  deployments: Partial<Record<RoleName, Deployment>>;
  nextPodId: number;
  /** Model-load times (ms), used in turn for each pod that gets a node. */
  delays: number[];
  delayIndex: number;
  /** Revisions whose pods never become Ready (a broken image). */
  broken: string[];
  /** The live route of a weighted router (gatewayAPI, istio), as the operator last wrote it; undefined: `replicas`. */
  route?: RouteState;
}
/** What a role looks like: the Deployment's template and size, and its pods. */
export interface RoleSnapshot { variant: Variant; replicas: number; pods: number; ready: number; readyOfTemplate: number; unscheduled: number; stale: number }
export type Snapshot = Partial<Record<RoleName, RoleSnapshot>> & { route?: RouteState };

export const ROLES: RoleName[] = ['stable', 'canary'];

/** JSON with sorted keys, as the apiserver returns a stored object (undefined members left out). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Equal as canonicalJson would encode them, without encoding: same members, whatever their order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x ?? null, b[i] ?? null));
  }
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x).filter((k) => x[k] !== undefined);
  return kx.length === Object.keys(y).filter((k) => y[k] !== undefined).length && kx.every((k) => sameJson(x[k], y[k]));
}

export class World {
  state: WorldState;
  constructor(state: WorldState) { this.state = state; }
  private ready = (p: Pod) => p.scheduled && p.readyAt <= this.state.now;
  private scheduled = () => ROLES.reduce((n, r) => n + (this.state.deployments[r]?.pods.filter((p) => p.scheduled).length ?? 0), 0);
  fits(): number { return Math.max(0, this.state.gpus - this.scheduled()); }

  snapshot(): Snapshot {
    const out: Snapshot = this.state.route ? { route: structuredClone(this.state.route) } : {};
    for (const role of ROLES) {
      const d = this.state.deployments[role];
      if (!d) continue;
      const ready = d.pods.filter(this.ready);
      out[role] = { variant: d.variant, replicas: d.replicas, pods: d.pods.length, ready: ready.length,
        readyOfTemplate: ready.filter((p) => sameVariant(p.variant, d.variant)).length, unscheduled: d.pods.filter((p) => !p.scheduled).length,
        stale: d.pods.filter((p) => !sameVariant(p.variant, d.variant)).length };
    }
    return out;
  }

  /** A role as `observeRole` reports it. */
  observeRole(role: RoleName): RoleObservation | undefined {
    const s = this.snapshot()[role];
    if (!s) return undefined;
    const settled = s.pods === s.replicas && s.readyOfTemplate === s.replicas && s.ready === s.replicas;
    // As observe.ts's readyAtRisk: with pods of an older template left, the rolling update keeps replicas − 1.
    const atRisk = s.stale > 0 ? Math.max(0, s.ready - Math.max(0, s.replicas - 1)) : 0;
    return { variant: s.variant, replicas: s.replicas, ready: s.ready, readyOfVariant: s.readyOfTemplate, settled, ...(atRisk > 0 ? { readyAtRisk: atRisk } : {}), ...(s.stale > 0 ? { rolling: true } : {}), ...(s.unscheduled > 0 ? {
      unscheduled: s.unscheduled, problem: `pod unschedulable: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu` } : {}) };
  }

  /** A Deployment's spec as the plan wants it; null deletes it. */
  apply(role: RoleName, intent: WorkloadIntent | null): void {
    if (intent === null) delete this.state.deployments[role];
    else {
      const d = this.state.deployments[role] ?? { variant: intent.variant, replicas: 0, pods: [] };
      this.state.deployments[role] = { ...d, variant: { ...intent.variant }, replicas: intent.replicas };
    }
    this.settle();
  }

  /** Sets the GPUs in the pool; pods beyond it are evicted, newest first (a node lost). Returns how many. */
  setGpus(gpus: number): number {
    this.state.gpus = gpus;
    let evicted = 0;
    while (this.scheduled() > gpus) {
      const all = ROLES.flatMap((r) => (this.state.deployments[r]?.pods ?? []).filter((p) => p.scheduled).map((p) => ({ r, p })));
      const newest = all.reduce((a, b) => (b.p.id > a.p.id ? b : a));
      this.remove(this.state.deployments[newest.r] as Deployment, [newest.p]);
      evicted++;
    }
    this.settle();
    return evicted;
  }

  /** The next moment a pod becomes Ready, if any. */
  nextEvent(): number | undefined {
    const times = ROLES.flatMap((r) => this.state.deployments[r]?.pods ?? []).filter((p) => p.scheduled && p.readyAt > this.state.now && Number.isFinite(p.readyAt)).map((p) => p.readyAt);
    return times.length ? Math.min(...times) : undefined;
  }

  advanceTo(now: number): void {
    this.state.now = now;
    this.settle();
  }

  signature(): string { return JSON.stringify([this.snapshot(), this.state.gpus, this.state.route]); }

  /** The Deployment and ReplicaSet controllers and the scheduler, run to a fixed point. */
  settle(): void {
    for (let i = 0, before = ''; i < 100; i++) {
      const now = JSON.stringify(this.state.deployments);
      if (now === before) return;
      before = now;
      for (const role of ROLES) {
        const d = this.state.deployments[role];
        if (d) this.syncDeployment(d);
      }
      this.schedule();
    }
    throw new Error('the simulated controllers did not settle');
  }

  private syncDeployment(d: Deployment): void {
    const current = (p: Pod) => sameVariant(p.variant, d.variant);
    // The ReplicaSet's deletion order: unscheduled, then unready, then the old template, then the newest.
    const rank = (p: Pod) => (p.scheduled ? 4 : 0) + (this.ready(p) ? 2 : 0) + (current(p) ? 1 : 0);
    const excess = d.pods.length - d.replicas;
    if (excess > 0) this.remove(d, [...d.pods].sort((a, b) => rank(a) - rank(b) || b.id - a.id).slice(0, excess));
    const old = d.pods.filter((p) => !current(p));
    if (old.length > 0) {
      // Rolling update, maxSurge 0, maxUnavailable 1 (deployment controller's reconcileOldReplicaSets).
      const minAvailable = Math.max(0, d.replicas - 1);
      const newUnavailable = d.pods.filter((p) => current(p) && !this.ready(p)).length;
      const maxScaledDown = d.pods.length - minAvailable - newUnavailable;
      if (maxScaledDown > 0) {
        this.remove(d, old.filter((p) => !this.ready(p)).sort((a, b) => rank(a) - rank(b)).slice(0, maxScaledDown));
        const cut = Math.max(0, d.pods.filter(this.ready).length - minAvailable);
        this.remove(d, d.pods.filter((p) => !current(p) && this.ready(p)).slice(0, cut));
      }
    }
    for (let i = d.pods.length; i < d.replicas; i++) d.pods.push({ id: this.state.nextPodId++, variant: { ...d.variant }, scheduled: false, readyAt: Infinity });
  }

  private remove(d: Deployment, pods: Pod[]): void {
    const gone = new Set(pods.map((p) => p.id));
    d.pods = d.pods.filter((p) => !gone.has(p.id));
  }

  private schedule(): void {
    const pending = ROLES.flatMap((r) => this.state.deployments[r]?.pods ?? []).filter((p) => !p.scheduled).sort((a, b) => a.id - b.id);
    for (const p of pending.slice(0, this.fits())) {
      p.scheduled = true;
      const delay = this.state.delays[this.state.delayIndex++ % this.state.delays.length] ?? 1000;
      p.readyAt = this.state.broken.includes(p.variant.revision) ? Infinity : this.state.now + delay;
    }
  }
}

/** The ModelVariant as a user edits it (spec and the signal annotation): `Desired` without what is derived. */
export type Spec = Omit<Desired, 'namespace' | 'name' | 'change' | 'problems'>;
/** What the analysis of the canary says whenever it runs. */
export interface Answer { verdict: AnalysisOutcome['verdict']; action: AnalysisOutcome['action'] }

export interface PassRecord {
  kind: 'pass'; now: number; desired: Desired; observed: Observed; previous: Status; plan: Plan;
  answer: Answer; world: Snapshot; worldChanged: boolean; statusChanged: boolean; timer: boolean;
}
export interface TickRecord { kind: 'tick'; now: number; desired: Desired; world: Snapshot; status: Status }
/** What happened, in order: passes, world updates between passes, restarts, and the test's notes. */
export type TraceRecord = PassRecord | TickRecord | { kind: 'restart' | 'note'; now: number; what?: string };

export const RESYNC_MS = 300_000;
export const MAX_PASSES_PER_WAKE = 20;

export function desiredOf(spec: Spec): Desired {
  return { namespace: 'ml', name: 'sentiment', change: `to ${variantLabel(spec.variant)}`, problems: [], ...spec };
}

export function outcomeOf(answer: Answer, now: number): AnalysisOutcome {
  return { ...answer, reason: `Analysis${answer.verdict}`, message: `the canary's SLIs are ${answer.verdict}`, metricsAvailable: answer.verdict !== 'Error',
    status: { verdict: answer.verdict, lastRunAt: new Date(now).toISOString() } };
}

export class OperatorSim {
  status: Status = {};
  timerAt: number | undefined;
  lastResync: number;
  answer: Answer = { verdict: 'Successful', action: 'continue' };
  trace: TraceRecord[] = [];
  world: World;
  spec: Spec;
  constructor(world: World, spec: Spec) {
    this.world = world;
    this.spec = spec;
    this.lastResync = world.state.now;
  }

  get now(): number { return this.world.state.now; }
  desired(): Desired { return desiredOf(this.spec); }

  /** The router's sizing rule: weightedSplit when the spec is weighted, else the replicas provider's. */
  get split(): SplitRule { return this.spec.weighted ? (n, w) => weightedSplit(n, w) : replicaSplit; }

  /** The observation the reconciler builds from the world, with an analysis run when one is due. */
  observe(status: Status, now: number): Observed {
    const stable = this.world.observeRole('stable');
    const canary = this.world.observeRole('canary');
    const route = this.spec.weighted ? this.world.state.route ?? { weight: 0 } : undefined;
    const o: Observed = { ...(stable ? { stable } : {}), ...(canary ? { canary } : {}),
      routedWeight: route ? route.weight : readyWeight({ stable: stable?.ready ?? 0, canary: canary?.ready ?? 0 }),
      ...(route ? { route: structuredClone(route) } : {}),
      capacity: { resource: 'nvidia.com/gpu', perPod: 1, fits: this.world.fits(), detail: `${this.world.fits()}/${this.world.state.gpus} GPUs free` } };
    if (analysisDue(this.desired(), status, now)) o.analysis = outcomeOf(this.answer, now);
    return o;
  }

  /** One reconcile; true when it changed the world or the status (which wakes the operator again). */
  pass(timer = false): boolean {
    const desired = this.desired();
    const observed = this.observe(this.status, this.now);
    const before = this.world.signature();
    const p = plan(desired, observed, this.status, this.now, this.split);
    // As reconcile.ts: the route first, then the Deployments.
    if (this.spec.weighted) this.world.state.route = structuredClone(p.route);
    if (p.stable) this.world.apply('stable', p.stable);
    if (p.canary !== undefined) this.world.apply('canary', p.canary);
    const worldChanged = this.world.signature() !== before;
    const statusChanged = !sameJson(p.status, this.status);
    this.trace.push({ kind: 'pass', now: this.now, desired, observed, previous: this.status, plan: p, answer: this.answer, world: this.world.snapshot(), worldChanged, statusChanged, timer });
    this.status = p.status;
    if (p.requeueAfterMs !== undefined) this.timerAt = Math.min(this.timerAt ?? Infinity, this.now + p.requeueAfterMs);
    return worldChanged || statusChanged;
  }

  /** Passes until one changes nothing (watches wake the operator on every change). */
  quiesce(timer = false): void {
    for (let i = 0; i < MAX_PASSES_PER_WAKE; i++) if (!this.pass(timer && i === 0)) return;
    throw new Error(`the operator did not settle within ${MAX_PASSES_PER_WAKE} passes at ${new Date(this.now).toISOString()}; last passes:\n${formatTrace(this.trace.slice(-12), this.now)}`);
  }

  /** Lets `ms` pass: pods become Ready, timers and resyncs fire, and the operator reacts to each. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (let wakes = 0; ; wakes++) {
      if (wakes > 2000) throw new Error(`the operator woke more than 2000 times in one wait: a requeue loop; last passes:\n${formatTrace(this.trace.slice(-12), this.now)}`);
      const next = Math.min(end, this.world.nextEvent() ?? Infinity, this.timerAt ?? Infinity, this.lastResync + RESYNC_MS);
      const before = this.world.signature();
      this.world.advanceTo(next);
      this.trace.push({ kind: 'tick', now: next, desired: this.desired(), world: this.world.snapshot(), status: this.status });
      const timer = this.timerAt !== undefined && this.timerAt <= next;
      const resync = this.lastResync + RESYNC_MS <= next;
      if (timer) this.timerAt = undefined;
      if (resync) this.lastResync = next;
      if (timer || resync || this.world.signature() !== before) this.quiesce(timer);
      if (next >= end) return;
    }
  }

  note(what: string): void { this.trace.push({ kind: 'note', now: this.now, what }); }

  /** A new operator process: the status as the apiserver returns it, no timers, and a first pass (the informers' list). */
  restart(): void {
    this.status = JSON.parse(canonicalJson(this.status)) as Status;
    this.timerAt = undefined;
    this.lastResync = this.now;
    this.trace.push({ kind: 'restart', now: this.now });
    this.quiesce();
  }

  /** An independent copy (no trace), to look at one possible future. */
  fork(): OperatorSim {
    const copy = new OperatorSim(new World(structuredClone(this.world.state)), structuredClone(this.spec));
    Object.assign(copy, { status: structuredClone(this.status), timerAt: this.timerAt, lastResync: this.lastResync, answer: { ...this.answer } });
    return copy;
  }
}

/** The trace in lines, for reading a counterexample (PLAN_PROPERTY_TRACE=1). */
export function formatTrace(trace: TraceRecord[], t0: number): string {
  const at = (now: number) => `+${(now - t0) / 1000}s`;
  const role = (r?: RoleSnapshot) => (r ? `${variantLabel(r.variant)} ${r.ready}/${r.pods}/${r.replicas}${r.unscheduled ? ` (${r.unscheduled} pending)` : ''}` : '-');
  const world = (w: Snapshot) => `stable ${role(w.stable)} canary ${role(w.canary)}${w.route ? ` route ${JSON.stringify(w.route)}` : ''}`;
  return trace.map((r) => r.kind === 'pass'
    ? `${at(r.now)} pass${r.timer ? ' (timer)' : ''} [${r.plan.events.map((e) => e.reason)}] ${r.plan.status.phase} step ${r.plan.status.currentStepIndex ?? '-'} ` +
      `requeue ${r.plan.requeueAfterMs ?? '-'} fits ${r.observed.capacity?.fits} → ${world(r.world)} | ${r.plan.status.message}`
    : r.kind === 'tick' ? `${at(r.now)} world ${world(r.world)}` : `${at(r.now)} ${r.kind} ${r.what ?? ''}`).join('\n');
}
