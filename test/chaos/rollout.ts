/**
 * Drives one rollout of a chaos run and records it for the invariants (invariants.ts): stable and canary
 * "pods" exporting telemetry to the cluster's Prometheus (support/telemetry-targets.ts; the canary's
 * breaks an SLI when the plan is faulty), the ModelVariant created on relu with GPU pods that take a few
 * seconds to become Ready (kwok Stages, harness/pod-lifecycle.ts) and judged by analysis every 2 s, then
 * moved to gelu while the serving floor is sampled, the plan's signal sent at its moment, and followed
 * until it ended and its children are at rest. Every request retries through the faults (retrying.ts).
 */
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION, type ModelVariant, type ModelVariantSpec } from '../../src/api/types.ts';
import { clusterState, kubeConfig } from '../harness/env.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { HEALTHY, type TrafficProfile } from '../integration/support/model-telemetry.ts';
import { activationOf, gpuTemplate } from '../integration/support/model-variants.ts';
import { startFloorSampler } from '../integration/support/serving-floor.ts';
import { telemetryTargets } from '../integration/support/telemetry-targets.ts';
import { CANARY_ACTIVATION, checkSettled, observedOutcome, STABLE_ACTIVATION, type RecordedEvent, type RolloutRecord, type SentSignal, type Status } from './invariants.ts';
import { retrying } from './retrying.ts';
import type { Breach, RolloutPlan } from './schedule.ts';

/** The canary's telemetry for each kind of breach: far past the SLI's bound, as in analysis-rollout-slis. */
const BROKEN: Record<Breach, Partial<TrafficProfile>> = { errorRate: { errorFraction: 0.3 }, saturation: { saturatedFraction: 0.2 } };

/** How long a rollout may take from the change to its end state with the children at rest (ms). */
export const ROLLOUT_TIMEOUT_MS = 360_000;
/**
 * How long after that the status may take to agree with the children (ms): more than a leader change
 * takes (the Lease's 8 s, a new process starting on a busy machine) before anything left is stale.
 */
export const SETTLE_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The ModelVariant's spec: GPU pods Ready 2–5 s after they start, gone 1 s after deletion; analysis every 2 s. */
export function chaosSpec(plan: RolloutPlan, prometheusUrl: string): ModelVariantSpec {
  return {
    activation: STABLE_ACTIVATION, replicas: plan.replicas,
    template: withPodLifecycle(gpuTemplate(1), { readyDelay: '2s', readyJitter: '3s', terminationDelay: '1s' }),
    strategy: {
      maxUnavailable: 0, steps: plan.steps,
      analysis: {
        interval: '2s',
        // 40 inconclusive runs (80 s): longer than any Prometheus pause of the schedule, so a healthy
        // canary is still promoted after one; a faulty canary fails its first run with data.
        inconclusiveLimit: 40, prometheus: { address: prometheusUrl },
        slis: [
          { name: 'errorRate', builtin: 'errorRate', max: 0.05, window: '10s' },
          { name: 'saturation', builtin: 'activationSaturation', max: 0.05, window: '10s' },
        ],
      },
    },
  };
}

export interface RolloutContext {
  namespace: string;
  log(line: string): void;
  /** Marks the rollout in flight (child faults pick among those) or done. */
  inFlight(name: string, on: boolean): void;
}

/** Runs one rollout and returns what the invariants need (faults are filled in by the caller). */
export async function runRollout(plan: RolloutPlan, ctx: RolloutContext): Promise<Omit<RolloutRecord, 'faults'>> {
  const { namespace: ns } = ctx;
  const { name } = plan;
  const kc = kubeConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const state = clusterState();
  const ref = { group: GROUP, version: VERSION, plural: PLURAL, namespace: ns };
  const get = () => retrying(`get ${name}`, async () => (await custom.getNamespacedCustomObject({ ...ref, name })) as ModelVariant) as Promise<ModelVariant>;
  const patch = (what: string, body: object) => retrying(`${what} ${name}`, () =>
    custom.patchNamespacedCustomObject({ ...ref, name, body }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)));
  const deploymentOf = (role: string) => retrying(`get ${name}-${role}`, async () => {
    try {
      return await apps.readNamespacedDeployment({ namespace: ns, name: `${name}-${role}` });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  });
  const until = async (what: string, pred: (mv: ModelVariant) => boolean | Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mv = await get();
      if (await pred(mv)) return { mv, timedOut: undefined };
      if (Date.now() > deadline) return { mv, timedOut: `${what} not reached within ${timeoutMs / 1000} s` };
      await sleep(500);
    }
  };

  const telemetry = telemetryTargets({ targetsDir: state.prometheusTargetsDir });
  const labels = (role: 'stable' | 'canary') => ({ namespace: ns, model: name, role, variant: role === 'stable' ? STABLE_ACTIVATION : CANARY_ACTIVATION, pod: `${name}-${role}-0` });
  let sampler: ReturnType<typeof startFloorSampler> | undefined;
  try {
    await telemetry.pod(labels('stable'), { traffic: HEALTHY });
    await telemetry.pod(labels('canary'), { traffic: plan.faulty ? { ...HEALTHY, ...BROKEN[plan.breach] } : HEALTHY });
    await retrying(`create ${name}`, () => custom.createNamespacedCustomObject({ ...ref,
      body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace: ns }, spec: chaosSpec(plan, state.prometheusUrl) } }).catch((err: { code?: number }) => {
      if (err.code !== 409) throw err; // created by an attempt whose answer was lost
    }));
    const healthy = await until('Healthy on relu', (mv) => mv.status?.phase === 'Healthy' && mv.status.stableActivation === STABLE_ACTIVATION, 180_000);
    if (healthy.timedOut) throw new Error(`${name}: ${healthy.timedOut}; status ${JSON.stringify(healthy.mv.status)}`);
    // Scraped before the change (as a user's pods would be), so the first analysis run has data.
    await sleep(3000);

    sampler = startFloorSampler({ kc, namespace: ns, model: name, floor: plan.replicas, intervalMs: 250 });
    ctx.inFlight(name, true);
    const changedAt = Date.now();
    await patch('set gelu on', { spec: { activation: CANARY_ACTIVATION } });
    const generation = (await get()).metadata?.generation ?? 0;

    let signal: SentSignal | undefined;
    const sendSignal = async () => {
      const verb = plan.kind as 'abort' | 'promote';
      const value = `${verb}@chaos-${name}-${Date.now()}`;
      await patch(`signal ${verb} to`, { metadata: { annotations: { 'activationcanary.io/signal': value } } });
      signal = { verb, value, sentAt: Date.now() };
      ctx.log(`${name}: sent ${value} after ${signal.sentAt - changedAt} ms`);
    };
    const signalAt = plan.signalAfterMs === undefined ? undefined : changedAt + plan.signalAfterMs;
    const atRest = async (s: Status) => {
      const outcome = observedOutcome(s);
      if (!outcome) return false;
      const [canary, stable] = [await deploymentOf('canary'), await deploymentOf('stable')];
      const wanted = outcome.kind === 'promoted' ? CANARY_ACTIVATION : STABLE_ACTIVATION;
      return !canary && stable?.status?.readyReplicas === plan.replicas && stable.spec?.replicas === plan.replicas && activationOf(stable) === wanted;
    };
    const ended = await until('the end state with the children at rest', async (mv) => {
      const s = mv.status ?? {};
      // A signal planned after the end is sent at the end: it must then be ignored.
      if (signalAt !== undefined && !signal && (Date.now() >= signalAt || observedOutcome(s))) await sendSignal();
      if (signalAt !== undefined && (!signal || s.handledSignal !== signal.value)) return false;
      return atRest(s);
    }, ROLLOUT_TIMEOUT_MS);
    const endedAt = Date.now();
    await sleep(2000); // the floor a little longer, and the Events written after the status
    const floor = await sampler.stop();
    sampler = undefined;
    // A fault of the last seconds (a node or a child deleted) may have moved it again: read it at rest.
    if (!ended.timedOut) await until('at rest again', (mv) => atRest(mv.status ?? {}), 120_000);
    const snapshot = async (): Promise<Omit<RolloutRecord, 'faults'>> => {
      const events = await retrying(`list Events of ${name}`, () => core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name},involvedObject.kind=${KIND}` }));
      const final = await get();
      const [canary, stable] = [await deploymentOf('canary'), await deploymentOf('stable')];
      return {
        plan, changedAt, endedAt, recordedUntil: Date.now(), generation: final.metadata?.generation ?? generation, status: final.status ?? {},
        events: (events?.items ?? []).sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)))
          .map((e): RecordedEvent => ({ name: e.metadata?.name ?? '', reason: e.reason ?? '', message: e.message ?? '', count: e.count ?? 1 })),
        children: {
          canaryDeployment: !!canary,
          ...(stable ? { stable: { replicas: stable.spec?.replicas ?? 0, readyReplicas: stable.status?.readyReplicas ?? 0, activation: activationOf(stable) } } : {}),
        },
        floor: floor.samples,
        ...(signal ? { signal } : {}),
        ...(ended.timedOut ? { timedOut: ended.timedOut } : {}),
      };
    };
    // The status catches up with the children within SETTLE_TIMEOUT_MS (a leader change may be under way):
    // only what is still stale then is a breach.
    let record = await snapshot();
    const settleBy = Date.now() + SETTLE_TIMEOUT_MS;
    while (!ended.timedOut && checkSettled({ ...record, faults: [] }).length > 0 && Date.now() < settleBy) {
      await sleep(1000);
      record = await snapshot();
    }
    ctx.inFlight(name, false);
    return record;
  } finally {
    ctx.inFlight(name, false);
    await sampler?.stop();
    await telemetry.close();
    await retrying(`delete ${name}`, () => custom.deleteNamespacedCustomObject({ ...ref, name })).catch((err: unknown) => ctx.log(String(err)));
  }
}
