/**
 * Kubernetes Events for a ModelVariant (core/v1, so `kubectl describe mv` and `kubectl get events`
 * show them), with distinct CamelCase reasons per transition. Events explain, status decides, so they
 * are sent as client-go's event broadcaster sends them: off the reconcile path. `record` queues and
 * returns at once; one sender writes the queue in order (the operator gives it a client-side rate
 * limit of its own, as controller-runtime's recorder has its own client, so Events never delay a
 * rollout's writes); a full queue drops the new Event, and a failed write (or one without an answer
 * within writeTimeoutMs, so a hung connection cannot stall the queue) is logged and dropped.
 * Neither is fatal. Before each write the sender asks `mayWrite` (the leader election's isLeader), so
 * a replica that lost the Lease sends nothing more.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, KIND } from '../api/types.ts';

export interface EventTarget {
  namespace: string;
  name: string;
  uid: string;
}

/** Why an Event was not written: the queue was full, the replica no longer leads, or the write failed. */
export type EventDropReason = 'QueueFull' | 'NotLeader' | 'WriteFailed';

export interface EventRecorder {
  /** Queues one Event and returns at once; it is written in the order recorded. */
  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Events queued and not yet written (or being written). */
  pending(): number;
  /** Resolves once every queued Event is written or dropped, or after `timeoutMs`, whichever is first. */
  flush(timeoutMs: number): Promise<void>;
}

export interface EventRecorderOptions {
  core: Pick<CoreV1Api, 'createNamespacedEvent'>;
  logger: Logger;
  component?: string;
  now?: () => Date;
  /** The most Events waiting to be written; the next one is dropped (client-go's broadcaster holds 1,000). */
  maxQueued?: number;
  /** Asked before each write; false drops the Event (a replica that lost the Lease writes nothing). */
  mayWrite?: () => boolean;
  /** Told of each Event not written, for the operator's metrics. */
  onDropped?(reason: EventDropReason): void;
  /** How long one write may take before it is given up as WriteFailed, so a hung request cannot stall the queue (ms; default 10 s). */
  writeTimeoutMs?: number;
}

/** Longest message written (the apiserver takes more; a rollout's messages are far shorter). */
const MAX_MESSAGE = 1024;

export function createEventRecorder(opts: EventRecorderOptions): EventRecorder {
  const { core, logger } = opts;
  const component = opts.component ?? 'activation-canary';
  const now = opts.now ?? (() => new Date());
  const maxQueued = opts.maxQueued ?? 1000;
  const writeTimeoutMs = opts.writeTimeoutMs ?? 10_000;
  const queue: { target: EventTarget; body: Parameters<CoreV1Api['createNamespacedEvent']>[0]['body'] }[] = [];
  let sending = false;
  let seq = 0;
  const idle: (() => void)[] = [];

  const drop = (reason: EventDropReason) => opts.onDropped?.(reason);

  /** One Event's write, given up after writeTimeoutMs (the request may still land: at most once either way). */
  async function write(next: (typeof queue)[number]): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${writeTimeoutMs} ms`)), writeTimeoutMs);
    });
    try {
      await Promise.race([core.createNamespacedEvent({ namespace: next.target.namespace, body: next.body }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function send(): Promise<void> {
    sending = true;
    try {
      for (let next = queue[0]; next; next = queue[0]) {
        try {
          if (opts.mayWrite && !opts.mayWrite()) drop('NotLeader');
          else await write(next);
        } catch (err) {
          try {
            drop('WriteFailed');
            logger.warn({ err: String(err), reason: next.body.reason, modelVariant: `${next.target.namespace}/${next.target.name}` }, 'Failed to record event');
          } catch { /* a hook that throws must not stop the sender */ }
        }
        queue.shift();
      }
    } finally {
      sending = false;
      for (const resolve of idle.splice(0)) resolve();
    }
  }

  return {
    record(target, type, reason, message) {
      if (queue.length >= maxQueued) {
        drop('QueueFull');
        logger.warn({ reason, modelVariant: `${target.namespace}/${target.name}`, maxQueued }, 'Event queue full: dropped an event');
        return;
      }
      const at = now();
      const name = `${target.name}.${at.getTime().toString(16)}${(seq++ % 4096).toString(16).padStart(3, '0')}`;
      queue.push({
        target,
        body: {
          metadata: { name, namespace: target.namespace },
          involvedObject: { apiVersion: API_VERSION, kind: KIND, name: target.name, namespace: target.namespace, uid: target.uid },
          type, reason, message: message.slice(0, MAX_MESSAGE),
          source: { component }, reportingComponent: component, reportingInstance: component,
          firstTimestamp: at, lastTimestamp: at, count: 1,
        },
      });
      if (!sending) void send();
    },
    pending: () => queue.length,
    flush(timeoutMs) {
      if (queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        idle.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
