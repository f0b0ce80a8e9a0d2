import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { WORK_QUEUE_BUCKETS, workQueueMetrics } from './work-queue-metrics.ts';

/** The sample lines of one metric family in the exposition text. */
async function samples(registry: Registry, family: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l.startsWith(`${family}{`) || l.startsWith(`${family} `));
}

describe('work queue metrics', () => {
  it('has client-go\'s seven series, each labelled with the queue\'s name, at zero before the queue exists', async () => {
    const registry = new Registry();
    workQueueMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual(['workqueue_adds_total', 'workqueue_depth', 'workqueue_longest_running_processor_seconds', 'workqueue_queue_duration_seconds',
      'workqueue_retries_total', 'workqueue_unfinished_work_seconds', 'workqueue_work_duration_seconds']);
    expect(await samples(registry, 'workqueue_adds_total')).toEqual(['workqueue_adds_total{name="modelvariant"} 0']);
    expect(await samples(registry, 'workqueue_queue_duration_seconds_count')).toEqual(['workqueue_queue_duration_seconds_count{name="modelvariant"} 0']);
    expect(await samples(registry, 'workqueue_longest_running_processor_seconds')).toEqual(['workqueue_longest_running_processor_seconds{name="modelvariant"} 0']);
  });

  it('uses client-go\'s buckets: powers of ten from 10 ns to 10 s', () => {
    expect(WORK_QUEUE_BUCKETS).toEqual([1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]);
  });

  it('counts adds and retries and observes waits and runs in seconds', async () => {
    const registry = new Registry();
    const { hooks } = workQueueMetrics(registry, 'q');
    hooks.added();
    hooks.added();
    hooks.retried();
    hooks.started(1500);
    hooks.finished(20);
    expect(await samples(registry, 'workqueue_adds_total')).toEqual(['workqueue_adds_total{name="q"} 2']);
    expect(await samples(registry, 'workqueue_retries_total')).toEqual(['workqueue_retries_total{name="q"} 1']);
    expect(await samples(registry, 'workqueue_queue_duration_seconds_sum')).toEqual(['workqueue_queue_duration_seconds_sum{name="q"} 1.5']);
    expect(await samples(registry, 'workqueue_work_duration_seconds_bucket')).toContain('workqueue_work_duration_seconds_bucket{le="0.1",name="q"} 1');
    expect(await samples(registry, 'workqueue_work_duration_seconds_bucket')).toContain('workqueue_work_duration_seconds_bucket{le="0.01",name="q"} 0');
  });
});
