import { describe, expect, it } from '@jest/globals';
import { register as globalRegistry } from 'prom-client';
import { createOperatorMetrics } from './operator-metrics.ts';

/** The sample lines of one metric family in the exposition text. */
async function samples(m: ReturnType<typeof createOperatorMetrics>, family: string): Promise<string[]> {
  const text = await m.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(`${family}{`) || l.startsWith(`${family} `));
}

describe('operator metrics', () => {
  it('uses a private registry with the process metrics, and leaves the global one alone', async () => {
    const before = (await globalRegistry.getMetricsAsJSON()).length;
    const m = createOperatorMetrics();
    const text = await m.registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('activation_canary_leader 0');
    expect((await globalRegistry.getMetricsAsJSON()).length).toBe(before);
    createOperatorMetrics();
  });

  it('counts reconciles by result, their durations and errors', async () => {
    const m = createOperatorMetrics({ defaultMetrics: false });
    m.observeReconcile('success', 20);
    m.observeReconcile('requeue', 40);
    m.observeReconcile('error', 3000);
    expect(await samples(m, 'activation_canary_reconcile_total')).toEqual([
      'activation_canary_reconcile_total{result="success"} 1',
      'activation_canary_reconcile_total{result="requeue"} 1',
      'activation_canary_reconcile_total{result="error"} 1',
    ]);
    expect(await samples(m, 'activation_canary_reconcile_errors_total')).toEqual(['activation_canary_reconcile_errors_total 1']);
    expect(await samples(m, 'activation_canary_reconcile_duration_seconds_count')).toEqual(['activation_canary_reconcile_duration_seconds_count 3']);
    expect(await samples(m, 'activation_canary_reconcile_duration_seconds_sum')).toEqual(['activation_canary_reconcile_duration_seconds_sum 3.06']);
  });

  it('serves the work queue under client-go\'s names, read from the queue when scraped, and reports leadership', async () => {
    const m = createOperatorMetrics({ defaultMetrics: false });
    expect(await samples(m, 'workqueue_depth')).toEqual(['workqueue_depth{name="modelvariant"} 0']);
    m.workQueue.track(() => ({ depth: () => 3, inFlight: () => ({ count: 2, totalMs: 5000, longestMs: 4000 }) }));
    expect(await samples(m, 'workqueue_depth')).toEqual(['workqueue_depth{name="modelvariant"} 3']);
    expect(await samples(m, 'workqueue_unfinished_work_seconds')).toEqual(['workqueue_unfinished_work_seconds{name="modelvariant"} 5']);
    expect(await samples(m, 'workqueue_longest_running_processor_seconds')).toEqual(['workqueue_longest_running_processor_seconds{name="modelvariant"} 4']);
    expect(await m.registry.metrics()).not.toContain('activation_canary_queue_depth');
    m.setLeader(true);
    expect(await samples(m, 'activation_canary_leader')).toEqual(['activation_canary_leader 1']);
  });

  it('sets the phase gauge to 1 for the current phase and 0 for every other, with weight and step', async () => {
    const m = createOperatorMetrics({ defaultMetrics: false });
    m.observer.modelVariantState?.('ml', 'sentiment', 'Progressing', 25, 1);
    m.observer.modelVariantState?.('ml', 'sentiment', 'Paused', 25, 1);
    const phases = await samples(m, 'activation_canary_modelvariant_phase');
    expect(phases).toHaveLength(5);
    expect(phases.filter((l) => l.endsWith(' 1'))).toEqual(['activation_canary_modelvariant_phase{namespace="ml",name="sentiment",phase="Paused"} 1']);
    expect(await samples(m, 'activation_canary_modelvariant_canary_weight')).toEqual(['activation_canary_modelvariant_canary_weight{namespace="ml",name="sentiment"} 25']);
    expect(await samples(m, 'activation_canary_modelvariant_step')).toEqual(['activation_canary_modelvariant_step{namespace="ml",name="sentiment"} 1']);
  });

  it('replaces a ModelVariant\'s analysis series on each update, so an SLI that is gone disappears', async () => {
    const m = createOperatorMetrics({ defaultMetrics: false });
    m.setAnalysis('ml', 'sentiment', { slis: [{ name: 'saturation', canaryValue: '0.02', threshold: '<= 0.01' }], burnRate: { short: '20', long: '15' } });
    expect(await samples(m, 'activation_canary_sli_value')).toEqual(['activation_canary_sli_value{namespace="ml",name="sentiment",sli="saturation",role="canary"} 0.02']);
    expect(await samples(m, 'activation_canary_sli_threshold')).toEqual(['activation_canary_sli_threshold{namespace="ml",name="sentiment",sli="saturation",bound="max"} 0.01']);
    expect(await samples(m, 'activation_canary_burn_rate')).toHaveLength(2);
    m.setAnalysis('ml', 'sentiment', { slis: [{ name: 'accuracy', canaryValue: '0.93', threshold: '>= 0.9' }] });
    expect(await samples(m, 'activation_canary_sli_value')).toEqual(['activation_canary_sli_value{namespace="ml",name="sentiment",sli="accuracy",role="canary"} 0.93']);
    expect(await samples(m, 'activation_canary_burn_rate')).toEqual([]);
  });

  it('forgets every series of a deleted ModelVariant and keeps the others', async () => {
    const m = createOperatorMetrics({ defaultMetrics: false });
    for (const name of ['gone', 'kept']) {
      m.setModelVariantState('ml', name, { phase: 'Progressing', weight: 5, step: 0 });
      m.setAnalysis('ml', name, { slis: [{ name: 's', canaryValue: '1', stableValue: '1', threshold: '<= 2' }], burnRate: { short: '1', long: '1' } });
    }
    m.setModelVariantState('ml', 'gone', { phase: 'SomethingNew', weight: 5, step: 0 });
    m.observer.forget?.('ml', 'gone');
    const text = await m.registry.metrics();
    expect(text).not.toContain('name="gone"');
    expect(text.match(/name="kept"/g)?.length).toBe(5 + 1 + 1 + 2 + 1 + 2);
  });

  it('reports the GPUs each role holds, and forgets them with the ModelVariant', async () => {
    const m = createOperatorMetrics({ defaultMetrics: false });
    m.observer.roleGpus?.('ml', 'sentiment', 'stable', 4);
    m.observer.roleGpus?.('ml', 'sentiment', 'canary', 1);
    m.observer.roleGpus?.('ml', 'other', 'stable', 2);
    m.observer.roleGpus?.('ml', 'sentiment', 'canary', 0);
    expect(await samples(m, 'activation_canary_modelvariant_gpus')).toEqual([
      'activation_canary_modelvariant_gpus{namespace="ml",name="sentiment",role="stable"} 4',
      'activation_canary_modelvariant_gpus{namespace="ml",name="sentiment",role="canary"} 0',
      'activation_canary_modelvariant_gpus{namespace="ml",name="other",role="stable"} 2',
    ]);
    m.observer.forget?.('ml', 'sentiment');
    expect(await samples(m, 'activation_canary_modelvariant_gpus')).toEqual(['activation_canary_modelvariant_gpus{namespace="ml",name="other",role="stable"} 2']);
  });
});
