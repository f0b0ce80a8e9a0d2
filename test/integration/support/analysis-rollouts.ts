/**
 * Drives one analysis-judged rollout per ModelVariant on the real cluster, for the analysis e2e tests:
 * fake GPU nodes of the test's own (a resource name of its own, so other test files' pods cannot change
 * the arithmetic), a test-controlled stable and canary "pod" exporter per ModelVariant, the ModelVariant
 * created on relu and moved to gelu, and a record of every status seen on the way to the outcome (so a
 * test can say "never promoted", "was Paused", "saw ShortWindowBurnOnly"), plus its Events.
 */
import * as k8s from '@kubernetes/client-node';
import type { Analysis, ModelVariant, ModelVariantSpec } from '../../../src/api/types.ts';
import { KIND } from '../../../src/api/types.ts';
import { fakeGpuNode } from '../../harness/cluster.ts';
import { eventually, kubeConfig } from '../../harness/env.ts';
import { waitForSamples } from './local-prometheus.ts';
import { HEALTHY, type RoleLabels } from './model-telemetry.ts';
import { createModelVariant, gpuTemplate, setActivation, waitForStatus } from './model-variants.ts';
import type { PodOptions, TelemetryPod, TelemetryTargets } from './telemetry-targets.ts';

export type MvStatus = NonNullable<ModelVariant['status']>;
export const STABLE = 'relu';
export const CANARY = 'gelu';

const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);

/** Two Ready fake nodes with `perNode` of a GPU resource nobody else asks for; remove() deletes them. */
export async function ownGpuNodes(prefix: string, perNode = 16): Promise<{ resource: string; remove(): Promise<void> }> {
  const suffix = Math.random().toString(36).slice(2, 7);
  const resource = `${prefix}-${suffix}.example.com/gpu`;
  const names = [`${prefix}-${suffix}-a`, `${prefix}-${suffix}-b`];
  for (const name of names) {
    const node = fakeGpuNode(name, 0) as k8s.V1Node;
    const resources = { ...node.status?.capacity, [resource]: String(perNode) };
    await core().createNode({ body: { ...node, status: { ...node.status, capacity: resources, allocatable: resources } } });
  }
  await eventually(`${names.join(', ')} Ready`, async () => {
    const nodes = await core().listNode({});
    return names.every((n) => nodes.items.find((x) => x.metadata?.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
  });
  return { resource, remove: async () => { for (const name of names) await core().deleteNode({ name }).catch(() => undefined); } };
}

export interface RolloutOptions {
  namespace: string;
  name: string;
  resource: string;
  telemetry: TelemetryTargets;
  /** Where the operator and the test query (the cluster's Prometheus, or one of the test's own). */
  prometheusUrl: string;
  analysis: Omit<Analysis, 'prometheus' | 'interval'> & { interval?: string };
  canary: PodOptions['traffic'];
  stable?: PodOptions['traffic'];
  /** The canary's test gauge (what a custom `score` SLI reads); stable's stays 0. */
  canaryGauge?: number;
  replicas?: number;
  steps?: NonNullable<ModelVariantSpec['strategy']>['steps'];
}

export interface Rollout {
  stable: TelemetryPod;
  canary: TelemetryPod;
  /** Every distinct status seen since the canary started, oldest first. */
  trail: MvStatus[];
  /** Polls the status (recording the trail) until `pred` holds. */
  until(what: string, pred: (s: MvStatus) => boolean, timeoutMs?: number): Promise<MvStatus>;
  /** Polls the status (recording the trail) until the clock reaches `at` (ms since the epoch); the last status. */
  followUntil(at: number): Promise<MvStatus>;
}

/** Starts the exporters, creates the ModelVariant on relu, waits until it is Healthy and scraped, then sets gelu. */
export async function startRollout(o: RolloutOptions): Promise<Rollout> {
  const labels = (role: 'stable' | 'canary'): RoleLabels =>
    ({ namespace: o.namespace, model: o.name, role, variant: role === 'stable' ? STABLE : CANARY, pod: `${o.name}-${role}-0` });
  const stable = await o.telemetry.pod(labels('stable'), { traffic: o.stable ?? HEALTHY });
  const canary = await o.telemetry.pod(labels('canary'), { traffic: o.canary, ...(o.canaryGauge !== undefined ? { gauge: o.canaryGauge } : {}) });
  await createModelVariant(o.namespace, o.name, {
    activation: STABLE, replicas: o.replicas ?? 2, template: gpuTemplate(1, o.resource),
    strategy: {
      steps: o.steps ?? [{ setWeight: 50, pause: '30s' }],
      analysis: { interval: '2s', ...o.analysis, prometheus: { address: o.prometheusUrl } },
    },
  });
  await waitForStatus(o.namespace, o.name, `Healthy on ${STABLE}`, (s) => s.phase === 'Healthy' && s.stableActivation === STABLE);
  // Both roles scraped before the canary starts: the first analysis run then has data in its window.
  for (const pod of [stable, canary]) await waitForSamples(o.prometheusUrl, `up{namespace="${o.namespace}",pod="${pod.labels.pod}"} == 1`);
  await setActivation(o.namespace, o.name, CANARY);

  const trail: MvStatus[] = [];
  const until = (what: string, pred: (s: MvStatus) => boolean, timeoutMs = 90_000) =>
    waitForStatus(o.namespace, o.name, what, (s) => {
      if (JSON.stringify(trail.at(-1)) !== JSON.stringify(s)) trail.push(s);
      return pred(s);
    }, timeoutMs);
  const followUntil = (at: number) => until(`the time ${new Date(at).toISOString()}`, () => Date.now() >= at, Math.max(0, at - Date.now()) + 30_000);
  return { stable, canary, trail, until, followUntil };
}

export const promoted = (s: MvStatus) => s.phase === 'Healthy' && s.stableActivation === CANARY;
export const rolledBack = (s: MvStatus) => s.phase === 'Degraded';
export const condition = (s: MvStatus, type: string) => s.conditions?.find((c) => c.type === type);
export const sliStatus = (s: MvStatus, name: string) => s.analysis?.slis?.find((x) => x.name === name);

export interface RecordedEvent {
  type: string;
  reason: string;
  message: string;
}

/** The ModelVariant's Events, oldest first (the operator names them by time). */
export async function eventsOf(namespace: string, name: string): Promise<RecordedEvent[]> {
  const events = await core().listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name},involvedObject.kind=${KIND}` });
  return events.items
    .sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)))
    .map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '' }));
}

/** Waits until an Event with `reason` was recorded (events are written after the status) and returns it. */
export async function eventWith(namespace: string, name: string, reason: string): Promise<RecordedEvent> {
  return eventually(`event ${reason} on ${namespace}/${name}`, async () => (await eventsOf(namespace, name)).find((e) => e.reason === reason), 15_000);
}

/**
 * Scenarios started side by side in beforeAll and awaited by their own tests: a failure is reported by
 * the test it belongs to (never as an unhandled rejection); how long each took is printed when it ends.
 */
export function scenarios<T>(file: string) {
  const running = new Map<string, Promise<T>>();
  return {
    start(name: string, body: () => Promise<T>): void {
      const t0 = Date.now();
      const p = body().then((value) => {
        process.stdout.write(`${file}: ${name} finished in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
        return value;
      });
      p.catch(() => undefined);
      running.set(name, p);
    },
    async get(name: string): Promise<T> {
      const p = running.get(name);
      if (!p) throw new Error(`no scenario ${name} was started`);
      return p;
    },
    settled: () => Promise.allSettled(running.values()),
  };
}
