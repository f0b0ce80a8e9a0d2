/**
 * Realistic ModelVariants for the plugin's unit tests, shaped like what the operator writes: a canary
 * Progressing at step 2 of 3 with SLI values, one rolled back (Degraded) by a failed accuracy SLI, and
 * one Healthy after a promotion. Times are fixed relative to `NOW` so rendered ages are exact.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import type { ModelVariant } from '../../api/types.ts';

export const NOW = Date.parse('2026-11-28T14:00:00Z');
export const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

const spec: ModelVariant['spec'] = {
  activation: 'gelu',
  replicas: 4,
  template: { spec: { containers: [{ name: 'server', image: 'example.com/model-server:1.0' }] } },
  strategy: {
    steps: [{ setWeight: 5, pause: '2m' }, { setWeight: 25, pause: '5m' }, { setWeight: 50 }],
    analysis: { prometheus: { address: 'http://prometheus.monitoring:9090' }, slo: {} },
  },
};

const metadata = (generation = 3) => ({ name: 'sentiment', namespace: 'ml', generation, creationTimestamp: ago(3 * 3600) as unknown as Date, resourceVersion: '812' });

export function progressing(): ModelVariant {
  return {
    apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', metadata: metadata(), spec,
    status: {
      phase: 'Progressing', stableActivation: 'relu', canaryActivation: 'gelu', currentStepIndex: 1, canaryWeight: 25,
      rolloutStartedAt: ago(250), stepStartedAt: ago(100), weightReachedAt: ago(70), observedGeneration: 3,
      message: 'step 2/3 at 25%: analysis Successful, 3m50s of the 5m pause left',
      analysis: {
        lastRunAt: ago(12), verdict: 'Successful', consecutiveFailures: 0, consecutiveInconclusive: 0,
        slis: [
          { name: 'saturation', canaryValue: '0.0041234567', stableValue: '0.0038', threshold: '<= 0.01', verdict: 'Successful', reason: 'WithinBounds', window: '1m', measuredAt: ago(12), samples: 1200 },
          { name: 'latencyP95', canaryValue: '0.182', stableValue: '0.171', threshold: '<= 0.25, <= 1.2 × stable', verdict: 'Successful', reason: 'WithinBounds', window: '1m', measuredAt: ago(12), samples: 1200 },
          { name: 'accuracy', canaryValue: '0.934', stableValue: '0.931', threshold: '>= 0.9', verdict: 'Successful', reason: 'WithinBounds', window: '5m', measuredAt: ago(12), samples: 640 },
        ],
        burnRate: { shortWindow: '1m', longWindow: '5m', short: '0.4', long: '0.21', threshold: 14.4, budgetRemaining: '0.93', verdict: 'Successful', reason: 'WithinBudget' },
      },
      conditions: [
        { type: 'Available', status: 'True', reason: 'StableAvailable', message: 'stable relu has 3/3 replicas ready', lastTransitionTime: ago(3 * 3600) },
        { type: 'Progressing', status: 'True', reason: 'StepPaused', message: 'step 2/3 at 25%', lastTransitionTime: ago(70) },
        { type: 'Degraded', status: 'False', reason: 'NotDegraded', message: 'no rollback in effect', lastTransitionTime: ago(250) },
      ],
    },
  };
}

export function degraded(): ModelVariant {
  const mv = progressing();
  const message = 'rolled back to relu: SLI accuracy failed: canary 0.82 is below the minimum 0.9 over 5m (640 samples)';
  mv.status = {
    ...mv.status,
    phase: 'Degraded', canaryWeight: 0, message,
    analysis: {
      lastRunAt: ago(30), verdict: 'Failed', consecutiveFailures: 1, consecutiveInconclusive: 0,
      slis: [
        { name: 'saturation', canaryValue: '0.004', stableValue: '0.0038', threshold: '<= 0.01', verdict: 'Successful', reason: 'WithinBounds', window: '1m', measuredAt: ago(30), samples: 1200 },
        { name: 'accuracy', canaryValue: '0.82', stableValue: '0.931', threshold: '>= 0.9', verdict: 'Failed', reason: 'BelowMin',
          message: 'canary 0.82 is below the minimum 0.9 over 5m (640 samples)', window: '5m', measuredAt: ago(30), samples: 640 },
        { name: 'nans', threshold: '<= 0', verdict: 'Inconclusive', reason: 'NoData', message: 'no data for the canary over 1m', window: '1m', measuredAt: ago(30) },
      ],
    },
    conditions: [
      { type: 'Progressing', status: 'False', reason: 'AnalysisFailed', message, lastTransitionTime: ago(30) },
      { type: 'Degraded', status: 'True', reason: 'AnalysisFailed', message, lastTransitionTime: ago(30) },
    ],
  };
  delete mv.status.stepStartedAt;
  delete mv.status.weightReachedAt;
  return mv;
}

export function healthy(): ModelVariant {
  const mv = progressing();
  mv.status = {
    phase: 'Healthy', stableActivation: 'gelu', canaryWeight: 0, observedGeneration: 3,
    message: 'stable gelu serving',
    conditions: [
      { type: 'Available', status: 'True', reason: 'StableAvailable', message: 'stable gelu has 4/4 replicas ready', lastTransitionTime: ago(600) },
      { type: 'Progressing', status: 'True', reason: 'RolloutComplete', message: 'stable gelu is serving', lastTransitionTime: ago(600) },
      { type: 'Degraded', status: 'False', reason: 'NotDegraded', message: 'no rollback in effect', lastTransitionTime: ago(900) },
    ],
  };
  return mv;
}

export function event(name: string, reason: string, message: string, secondsAgo: number, type = 'Normal', count = 1): CoreV1Event {
  const at = new Date(NOW - secondsAgo * 1000);
  return { metadata: { name, namespace: 'ml' }, involvedObject: { kind: 'ModelVariant', name: 'sentiment', namespace: 'ml' },
    type, reason, message, count, firstTimestamp: at, lastTimestamp: at };
}
