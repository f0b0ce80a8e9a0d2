/**
 * Watches the serving floor from outside, as a user would: every `intervalMs` it lists the pods of a
 * ModelVariant (label `activationcanary.io/model=<model>`) and counts those receiving traffic, i.e.
 * Ready and not terminating, against the floor (`replicas − maxUnavailable`, or a function of time when
 * the floor changes during a test). Every sample is kept; `stop()` returns them with the minimum seen
 * and the samples below the floor, and `expectFloorKept` fails a test with a readable list of those.
 */
import * as k8s from '@kubernetes/client-node';
import { LABEL } from '../../../src/api/types.ts';
import { kubeConfig } from '../../harness/env.ts';

export interface FloorSample {
  /** When the list came back (ms since the epoch). */
  at: number;
  /** How many pods were receiving traffic. */
  ready: number;
  floor: number;
  /** Their names, sorted. */
  pods: string[];
}

export type FloorViolation = FloorSample;

export interface FloorResult {
  samples: FloorSample[];
  /** The fewest pods receiving traffic in any sample (NaN when no sample was taken). */
  min: number;
  violations: FloorViolation[];
  /** Lists that failed (not counted as samples). */
  errors: string[];
}

export interface FloorSamplerOptions {
  /** A KubeConfig (default: the test cluster's admin) or a CoreV1Api to list pods with. */
  kc?: k8s.KubeConfig;
  core?: k8s.CoreV1Api;
  namespace: string;
  /** The ModelVariant's name. */
  model: string;
  floor: number | (() => number);
  intervalMs?: number;
}

export interface FloorSampler {
  /** The samples taken so far. */
  readonly samples: readonly FloorSample[];
  /** Stops sampling (after the list in flight, if any) and returns the record. */
  stop(): Promise<FloorResult>;
}

/** True when the pod receives traffic: not terminating, and its Ready condition is True. */
export function isServing(pod: k8s.V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The names (sorted) of the pods of `model` receiving traffic. */
export function servingPods(pods: readonly k8s.V1Pod[], model: string): string[] {
  return pods
    .filter((p) => p.metadata?.labels?.[LABEL.model] === model && isServing(p))
    .map((p) => p.metadata?.name ?? '')
    .sort();
}

/** The record of a list of samples: minimum and violations. */
export function floorResult(samples: FloorSample[], errors: string[] = []): FloorResult {
  return {
    samples,
    min: samples.length === 0 ? NaN : Math.min(...samples.map((s) => s.ready)),
    violations: samples.filter((s) => s.ready < s.floor),
    errors,
  };
}

export function startFloorSampler(opts: FloorSamplerOptions): FloorSampler {
  const core = opts.core ?? (opts.kc ?? kubeConfig()).makeApiClient(k8s.CoreV1Api);
  const floorNow = typeof opts.floor === 'function' ? opts.floor : () => opts.floor as number;
  const intervalMs = opts.intervalMs ?? 200;
  const samples: FloorSample[] = [];
  const errors: string[] = [];
  let running = true;
  let wake: () => void = () => undefined;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      try {
        const list = await core.listNamespacedPod({ namespace: opts.namespace, labelSelector: `${LABEL.model}=${opts.model}` });
        const pods = servingPods(list.items, opts.model);
        samples.push({ at: Date.now(), ready: pods.length, floor: floorNow(), pods });
      } catch (err) {
        errors.push(`${new Date().toISOString()} ${err instanceof Error ? err.message : String(err)}`);
      }
      const wait = Math.max(0, intervalMs - (Date.now() - started));
      // unref: a test that fails before stop() must not keep the worker alive.
      if (running && wait > 0) await new Promise<void>((r) => { const t = setTimeout(r, wait).unref(); wake = () => { clearTimeout(t); r(); }; });
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      wake();
      await loop;
      return floorResult([...samples], [...errors]);
    },
  };
}

/** One line per violation: when, how many pods served against the floor, and which. */
export function describeFloorViolations(result: FloorResult, limit = 20): string {
  const t0 = result.samples[0]?.at ?? 0;
  const lines = result.violations.slice(0, limit).map((v) =>
    `  +${((v.at - t0) / 1000).toFixed(2)}s (${new Date(v.at).toISOString()}): ${v.ready} serving < floor ${v.floor}: [${v.pods.join(', ')}]`);
  if (result.violations.length > limit) lines.push(`  … and ${result.violations.length - limit} more`);
  return lines.join('\n');
}

/** Fails (throws) when a sample fell below the floor, or when no sample was taken at all. */
export function expectFloorKept(result: FloorResult): void {
  if (result.samples.length === 0) {
    throw new Error(`the serving floor was never sampled${result.errors.length ? `; every list failed, e.g. ${result.errors[0]}` : ''}`);
  }
  if (result.violations.length > 0) {
    throw new Error(`the serving floor was broken in ${result.violations.length} of ${result.samples.length} samples (min ${result.min}):\n${describeFloorViolations(result)}`);
  }
}
