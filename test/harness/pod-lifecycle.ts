/**
 * How pods live on the test cluster's fake nodes. kwok runs them with the Stages of
 * `kwok-pod-stages.yaml`: an ordinary pod is Running and Ready at once and gone at once when deleted
 * (kwok's built-in "fast" stages), while a pod annotated with `READY_DELAY_ANNOTATION` starts like a GPU
 * pod loading its model: Running with its containers started but not Ready until the delay (plus an
 * optional random jitter) has passed; once deleted it stops being Ready at once and disappears after an
 * optional termination delay. Tests put these annotations on a pod template with `withPodLifecycle`.
 */
import { join } from 'node:path';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { REPO_ROOT } from './binaries.ts';

/** A Go duration (`8s`, `1m30s`, `500ms`): how long a started pod stays unready. Opts the pod into the realistic lifecycle. */
export const READY_DELAY_ANNOTATION = 'test.activationcanary.io/ready-delay';
/** A Go duration: a uniformly random extra in [0, jitter) added to the ready delay, per pod. */
export const READY_JITTER_ANNOTATION = 'test.activationcanary.io/ready-jitter';
/** A Go duration: how long a deleted pod stays (terminating, unready) before it is gone; default 0. */
export const TERMINATION_DELAY_ANNOTATION = 'test.activationcanary.io/termination-delay';

/** The kwok configuration file (pod Stages) the harness starts kwok with. */
export const KWOK_POD_STAGES_FILE = join(REPO_ROOT, 'test', 'harness', 'kwok-pod-stages.yaml');

/** A duration as a Go duration string, or a number of milliseconds. */
export type Duration = string | number;

export interface PodLifecycle {
  /** How long a started pod stays unready. */
  readyDelay: Duration;
  /** A random extra in [0, readyJitter) per pod. */
  readyJitter?: Duration;
  /** How long a deleted pod stays, terminating and unready. */
  terminationDelay?: Duration;
}

const GO_DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;

/** `8s` stays `8s`; 1500 becomes `1500ms`; anything Go's time.ParseDuration would refuse (kwok would then not wait at all) throws. */
export function goDuration(d: Duration): string {
  const s = typeof d === 'number' ? `${Math.round(d)}ms` : d;
  if (typeof d === 'number' ? !(d >= 0) : !(s === '0' || GO_DURATION.test(s))) {
    throw new Error(`${JSON.stringify(d)} is not a duration kwok understands: use a non-negative Go duration such as "8s", "1m30s", "500ms", or a number of milliseconds`);
  }
  return s;
}

/** The annotations that give a pod this lifecycle. */
export function podLifecycleAnnotations(l: PodLifecycle): Record<string, string> {
  return {
    [READY_DELAY_ANNOTATION]: goDuration(l.readyDelay),
    ...(l.readyJitter !== undefined ? { [READY_JITTER_ANNOTATION]: goDuration(l.readyJitter) } : {}),
    ...(l.terminationDelay !== undefined ? { [TERMINATION_DELAY_ANNOTATION]: goDuration(l.terminationDelay) } : {}),
  };
}

/** A copy of a pod template (or anything with `metadata.annotations`) whose pods get this lifecycle. */
export function withPodLifecycle<T extends { metadata?: V1ObjectMeta }>(template: T, l: PodLifecycle): T {
  return { ...template, metadata: { ...template.metadata, annotations: { ...template.metadata?.annotations, ...podLifecycleAnnotations(l) } } };
}
