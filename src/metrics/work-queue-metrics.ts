/**
 * The work queue's metrics under client-go's names, labels and buckets (k8s.io/component-base
 * metrics/prometheus/workqueue), so dashboards and alerts written for any Kubernetes controller read
 * this operator's queue too: `workqueue_depth`, `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
 * `workqueue_work_duration_seconds`, `workqueue_retries_total`, `workqueue_unfinished_work_seconds` and
 * `workqueue_longest_running_processor_seconds`, each with the queue's `name`. The counters and
 * histograms are fed by the queue's hooks; the gauges are read from the queue when /metrics is scraped
 * (client-go refreshes them every 500 ms instead).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { InFlight, WorkQueueMetrics } from '../kube/work-queue.ts';

/** The queue's name in the `name` label: the controller's, as controller-runtime names it after the kind. */
export const WORK_QUEUE_NAME = 'modelvariant';

/** client-go's buckets for both durations: ExponentialBuckets(10e-9, 10, 10), 10 ns to 10 s. */
export const WORK_QUEUE_BUCKETS = Array.from({ length: 10 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

/** What the gauges read from a running queue (none while this replica does not lead). */
export interface WorkQueueSource {
  depth(): number;
  inFlight(): InFlight;
}

export interface WorkQueueSeries {
  /** The hooks to give the queue (createWorkQueue's `metrics`). */
  hooks: WorkQueueMetrics;
  /** Where the gauges read from when scraped; undefined reads as an empty queue. */
  track(source: () => WorkQueueSource | undefined): void;
}

/** Registers the seven workqueue series for the queue `name` in `registry`. */
export function workQueueMetrics(registry: Registry, name: string = WORK_QUEUE_NAME): WorkQueueSeries {
  const registers = [registry];
  const labelNames = ['name'] as const;
  const labels = { name };
  let source: () => WorkQueueSource | undefined = () => undefined;
  const inFlight = (): InFlight => source()?.inFlight() ?? { count: 0, totalMs: 0, longestMs: 0 };

  const adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames, registers });
  const retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames, registers });
  const queueDuration = new Histogram({
    name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested.',
    labelNames, registers, buckets: WORK_QUEUE_BUCKETS,
  });
  const workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.',
    labelNames, registers, buckets: WORK_QUEUE_BUCKETS,
  });
  new Gauge({
    name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames, registers,
    collect() { this.set(labels, source()?.depth() ?? 0); },
  });
  new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help: 'How many seconds of work has done that is in progress and hasn\'t been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.',
    labelNames, registers,
    collect() { this.set(labels, inFlight().totalMs / 1000); },
  });
  new Gauge({
    name: 'workqueue_longest_running_processor_seconds', help: 'How many seconds has the longest running processor for workqueue been running.',
    labelNames, registers,
    collect() { this.set(labels, inFlight().longestMs / 1000); },
  });
  // Present from the start at zero, as client-go's are once the queue exists.
  adds.inc(labels, 0);
  retries.inc(labels, 0);
  queueDuration.zero(labels);
  workDuration.zero(labels);

  return {
    hooks: {
      added: () => adds.inc(labels),
      started: (waitedMs) => queueDuration.observe(labels, waitedMs / 1000),
      finished: (workedMs) => workDuration.observe(labels, workedMs / 1000),
      retried: () => retries.inc(labels),
    },
    track(fn) {
      source = fn;
    },
  };
}
