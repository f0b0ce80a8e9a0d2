/**
 * Runs one serving-floor scenario on the real control plane, as a user would live through it: a
 * namespace and an operator of its own, a ModelVariant that becomes Healthy on relu, then the
 * scenario's change (a new activation, signals, a cancel) while the pods receiving traffic are sampled
 * every 200 ms and the ModelVariant's status is recorded; it ends once the expected outcome is reached
 * and the children are at rest (stable Ready at full size, no canary Deployment), sampled a little
 * longer. What it returns is what the test asserts on: the floor record, the statuses seen, the
 * moments the scenario marked, the final status, Deployments and Events.
 */
import * as k8s from '@kubernetes/client-node';
import type { ModelVariant, ModelVariantSpec } from '../../../src/api/types.ts';
import { createTestNamespace, eventually } from '../../harness/env.ts';
import { startOperator } from '../../harness/operator.ts';
import { activationOf, createModelVariant, deployment, settledEventReasons, getModelVariant, waitForStatus } from './model-variants.ts';
import { describeFloorViolations, startFloorSampler, type FloorResult } from './serving-floor.ts';

type Status = NonNullable<ModelVariant['status']>;

/** How a scenario should end. */
export type Outcome =
  | { kind: 'promoted'; activation: string }
  | { kind: 'rolledBack'; reason: string }
  | { kind: 'cancelled' };

/** One status as recorded, with when it was read. */
export interface StatusRecord {
  at: number;
  status: Status;
}

/** What a scenario's `drive` can use: where it runs, what was seen so far, and a way to mark a moment. */
export interface ScenarioRun {
  namespace: string;
  model: string;
  statuses: readonly StatusRecord[];
  mark(name: string): void;
  /** Waits for a status the recorder saw (default timeout 3 minutes). */
  until(what: string, pred: (s: Status) => boolean, timeoutMs?: number): Promise<Status>;
}

export interface Scenario {
  title: string;
  model: string;
  spec: ModelVariantSpec & { replicas: number };
  /** maxUnavailable in effect during the rollout: the floor is spec.replicas minus this. */
  maxUnavailable: number;
  /** Makes the change and sends the signals; returns once nothing more is to be done but wait. */
  drive(run: ScenarioRun): Promise<void>;
  outcome: Outcome;
}

export interface ScenarioResult {
  title: string;
  namespace: string;
  floor: number;
  floorResult: FloorResult;
  statuses: StatusRecord[];
  /** Moments the scenario marked (ms since the epoch), plus `changed` and `settled`. */
  marks: Record<string, number>;
  /**
   * The last status the recorder had seen when each mark was made: what the driver saw when it acted.
   * Exact where comparing `at` with a mark's time is not (both are whole milliseconds).
   */
  statusAtMark: Record<string, Status | undefined>;
  /** From the change to the outcome with the children at rest. */
  durationMs: number;
  final: Status;
  stable: k8s.V1Deployment | undefined;
  canaryExists: boolean;
  events: string[];
  operatorLog: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function reachedOutcome(outcome: Outcome, s: Status): boolean {
  switch (outcome.kind) {
    case 'promoted': return s.phase === 'Healthy' && s.stableActivation === outcome.activation && !s.canaryActivation;
    case 'cancelled': return s.phase === 'Healthy' && s.stableActivation === 'relu' && !s.canaryActivation;
    case 'rolledBack': return s.phase === 'Degraded' && s.conditions?.find((c) => c.type === 'Degraded')?.reason === outcome.reason;
  }
}

/** Polls the ModelVariant's status every `intervalMs`, keeping every read whose content changed. */
function startStatusRecorder(namespace: string, model: string, intervalMs = 250) {
  const records: StatusRecord[] = [];
  let last = '';
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const s = (await getModelVariant(namespace, model)).status ?? {};
        const text = JSON.stringify(s);
        if (text !== last) records.push({ at: Date.now(), status: s });
        last = text;
      } catch { /* a failed read is retried on the next tick */ }
      await sleep(intervalMs);
    }
  })();
  return { records, async stop() { running = false; await loop; return records; } };
}

/**
 * Creates the namespace and operator, brings the ModelVariant to Healthy on relu, runs the scenario and
 * waits for its outcome at rest. The operator is stopped before returning; the namespace is left for
 * the caller to delete (`onNamespace` hears of it as soon as it exists, so a failed run is cleaned up
 * too). A failure says what the floor and the status looked like when it happened.
 */
export async function runScenario(sc: Scenario, onNamespace: (ns: string) => void): Promise<ScenarioResult> {
  const namespace = await createTestNamespace(`floor-${sc.model}`);
  onNamespace(namespace);
  const operator = startOperator({ args: ['--namespace', namespace, '--leader-elect=false'] });
  try {
    await operator.port();
    await createModelVariant(namespace, sc.model, { ...sc.spec, activation: 'relu' });
    await waitForStatus(namespace, sc.model, 'Healthy on relu', (s) => s.phase === 'Healthy' && s.stableActivation === 'relu', 120_000);
    const floor = sc.spec.replicas - sc.maxUnavailable;
    const sampler = startFloorSampler({ namespace, model: sc.model, floor, intervalMs: 200 });
    const recorder = startStatusRecorder(namespace, sc.model);
    const marks: Record<string, number> = {};
    const statusAtMark: Record<string, Status | undefined> = {};
    const run: ScenarioRun = {
      namespace, model: sc.model, statuses: recorder.records,
      mark: (name) => { marks[name] = Date.now(); statusAtMark[name] = recorder.records.at(-1)?.status; },
      until: (what, pred, timeoutMs = 180_000) => eventually(`${namespace}/${sc.model}: ${what}`, async () =>
        recorder.records.find((r) => r.at >= (marks.changed ?? 0) && pred(r.status))?.status, timeoutMs, 100),
    };
    let failure: unknown;
    try {
      // A few samples of the steady state before anything changes.
      await sleep(600);
      run.mark('changed');
      await sc.drive(run);
      await run.until(`outcome ${JSON.stringify(sc.outcome)}`, (s) => reachedOutcome(sc.outcome, s), 300_000);
      const activation = sc.outcome.kind === 'promoted' ? sc.outcome.activation : 'relu';
      await eventually(`${namespace}: stable ${activation} Ready at ${sc.spec.replicas}, no canary Deployment`, async () => {
        const stable = await deployment(namespace, `${sc.model}-stable`);
        const canary = await deployment(namespace, `${sc.model}-canary`);
        const st = stable?.status;
        return !canary && activationOf(stable) === activation && stable?.spec?.replicas === sc.spec.replicas &&
          st?.readyReplicas === sc.spec.replicas && st.updatedReplicas === sc.spec.replicas && st.replicas === sc.spec.replicas ? true : undefined;
      }, 120_000, 200);
      run.mark('settled');
      // The end, sampled too: nothing dips once the children are at rest.
      await sleep(1_000);
    } catch (err) {
      failure = err;
    }
    const floorResult = await sampler.stop();
    const statuses = await recorder.stop();
    if (failure) {
      const last = statuses.at(-1)?.status;
      throw new Error(`${sc.title} (${namespace}): ${failure instanceof Error ? failure.message : String(failure)}\n` +
        `floor ${floor}: min ${floorResult.min} in ${floorResult.samples.length} samples, ${floorResult.violations.length} below\n${describeFloorViolations(floorResult, 5)}\n` +
        `last status: phase ${last?.phase}, step ${last?.currentStepIndex}, weight ${last?.canaryWeight}, message ${last?.message}\n` +
        `operator log (tail):\n${operator.logs().split('\n').slice(-15).join('\n')}`, { cause: failure });
    }
    return {
      title: sc.title, namespace, floor, floorResult, statuses, marks, statusAtMark,
      durationMs: (marks.settled ?? 0) - (marks.changed ?? 0),
      final: (await getModelVariant(namespace, sc.model)).status ?? {},
      stable: await deployment(namespace, `${sc.model}-stable`),
      canaryExists: !!(await deployment(namespace, `${sc.model}-canary`)),
      events: await settledEventReasons(namespace, sc.model),
      operatorLog: operator.logs(),
    };
  } finally {
    await operator.stop();
  }
}

/** The pods of one role among a sample's serving pods (`<model>-stable-…`, `<model>-canary-…`). */
export function servingOfRole(pods: readonly string[], model: string, role: 'stable' | 'canary'): number {
  return pods.filter((p) => p.startsWith(`${model}-${role}-`)).length;
}
