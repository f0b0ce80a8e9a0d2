/**
 * The seeded schedule of a chaos run (bench/chaos.ts): what each rollout is (a healthy variant, a
 * faulty one, one aborted or promoted by a signal at a drawn moment) and which fault comes next, how
 * long after the previous one, for how long and on what. Pure: rollout `i` and fault `k` of seed `s`
 * are each drawn with fast-check from a seed of their own (`subSeed(s, i)`), so the same seed replays
 * the same rollouts and the same faults in the same order, whatever the run size; only how they
 * interleave with the operator depends on the machine's timing.
 */
import fc from 'fast-check';

/** Every fault the run can inject (`--faults` picks some). */
export const FAULT_KINDS = [
  'operator-kill', // SIGKILL of a random operator replica (the leader or the standby); it is started again
  'leader-change', // SIGTERM of the leader: the standby takes the Lease over
  'prometheus-pause', // SIGSTOP of Prometheus for `durationMs`, then SIGCONT
  'prometheus-restart', // SIGKILL of Prometheus and a start on the same port and storage
  'apiserver-restart', // SIGKILL of kube-apiserver and a start with the same flags
  'etcd-pause', // SIGSTOP of etcd for `durationMs`, then SIGCONT
  'node-cordon', // a GPU node unschedulable for `durationMs`
  'node-delete', // a GPU node deleted, created again after `durationMs`
  'child-edit', // a child Deployment's pod template edited by hand (its ACTIVATION env)
  'child-delete', // a child Deployment or Service deleted by hand
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** healthy: promoted by analysis; faulty: rolled back by analysis; abort/promote: a signal decides. */
export type RolloutKind = 'healthy' | 'faulty' | 'abort' | 'promote';

/** How a faulty canary breaks its SLIs (the metric of model-telemetry.ts it spoils). */
export type Breach = 'errorRate' | 'saturation';

export interface Step {
  setWeight: number;
  /** A Go duration (`5s`). */
  pause: string;
}

export interface RolloutPlan {
  index: number;
  /** The ModelVariant's name: `chaos-<index>`. */
  name: string;
  kind: RolloutKind;
  /** Whether the canary's telemetry breaks an SLI (true for `faulty`, drawn for `promote`, false otherwise). */
  faulty: boolean;
  breach: Breach;
  replicas: number;
  steps: Step[];
  /** For abort and promote: when the signal is sent, in ms after the change of activation. */
  signalAfterMs?: number;
}

export interface FaultPlan {
  index: number;
  kind: FaultKind;
  /** Quiet time before it, in ms after the previous fault ended. */
  gapMs: number;
  /** How long a pause, cordon or deletion lasts (ms); 0 for kills and restarts. */
  durationMs: number;
  /** A draw in [0, 1) that picks the target among those present when it is injected (node, rollout, replica, child). */
  pick: number;
}

/** Integers that fast-check takes as a seed (32-bit), mixed from a run seed and an index (splitmix-like). */
export function subSeed(seed: number, index: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) | 0;
}

const draw = <T>(arb: fc.Arbitrary<T>, seed: number): T => fc.sample(arb, { seed, numRuns: 1 })[0] as T;

const STEP_SHAPES: number[][] = [[25, 50], [50], [20, 40, 60]];

const rolloutArb = fc.record({
  kind: fc.constantFrom<RolloutKind>('healthy', 'healthy', 'healthy', 'faulty', 'faulty', 'abort', 'abort', 'promote', 'promote'),
  promoteFaulty: fc.boolean(),
  breach: fc.constantFrom<Breach>('errorRate', 'saturation'),
  replicas: fc.integer({ min: 2, max: 3 }),
  shape: fc.integer({ min: 0, max: STEP_SHAPES.length - 1 }),
  pauseSeconds: fc.integer({ min: 3, max: 8 }),
  signalAfterMs: fc.integer({ min: 0, max: 25_000 }),
});

/** Rollout `index` of the run of `seed`. */
export function rolloutPlan(seed: number, index: number): RolloutPlan {
  const r = draw(rolloutArb, subSeed(seed, index));
  const faulty = r.kind === 'faulty' || (r.kind === 'promote' && r.promoteFaulty);
  return {
    index, name: `chaos-${String(index).padStart(3, '0')}`, kind: r.kind, faulty, breach: r.breach, replicas: r.replicas,
    steps: (STEP_SHAPES[r.shape] as number[]).map((setWeight) => ({ setWeight, pause: `${r.pauseSeconds}s` })),
    ...(r.kind === 'abort' || r.kind === 'promote' ? { signalAfterMs: r.signalAfterMs } : {}),
  };
}

/**
 * How long each kind of fault lasts, in ms: Prometheus paused for less than the analysis timeout and
 * the inconclusive budget of the run's ModelVariants allow (so a healthy canary must still be promoted),
 * etcd for less than the operator's Lease (so it is not a leader change every time).
 */
export const FAULT_DURATIONS_MS: Record<FaultKind, [number, number]> = {
  'operator-kill': [0, 0], 'leader-change': [0, 0], 'prometheus-restart': [0, 0], 'apiserver-restart': [0, 0],
  'child-edit': [0, 0], 'child-delete': [0, 0],
  'prometheus-pause': [3_000, 12_000], 'etcd-pause': [1_000, 6_000], 'node-cordon': [5_000, 20_000], 'node-delete': [3_000, 15_000],
};

/** Fault `index` of the run of `seed`, drawn among `kinds` (default all); the gap is 3 to 12 s. */
export function faultPlan(seed: number, index: number, kinds: readonly FaultKind[] = FAULT_KINDS): FaultPlan {
  if (kinds.length === 0) throw new Error('no fault kinds to draw from: give --faults at least one of ' + FAULT_KINDS.join(', '));
  const f = draw(fc.record({
    kind: fc.constantFrom(...kinds),
    gapMs: fc.integer({ min: 3_000, max: 12_000 }),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    pick: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  }), subSeed(seed ^ 0x5bd1e995, index));
  const [lo, hi] = FAULT_DURATIONS_MS[f.kind];
  return { index, kind: f.kind, gapMs: f.gapMs, durationMs: Math.round(lo + (hi - lo) * f.fraction), pick: f.pick };
}

/** `--faults a,b` as fault kinds; throws naming the unknown ones and the known. */
export function parseFaultKinds(text: string | undefined): FaultKind[] {
  if (text === undefined || text.trim() === '' || text.trim() === 'all') return [...FAULT_KINDS];
  if (text.trim() === 'none') return [];
  const asked = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = asked.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`unknown fault kind(s) ${unknown.join(', ')}: use all, none, or some of ${FAULT_KINDS.join(', ')}`);
  return [...new Set(asked)] as FaultKind[];
}

/** The element of `items` a draw in [0, 1) picks (undefined when there is none). */
export function pickOne<T>(items: readonly T[], pick: number): T | undefined {
  return items[Math.min(items.length - 1, Math.floor(pick * items.length))];
}
