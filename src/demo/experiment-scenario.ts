/**
 * The demo's third scenario: an activation experiment. `sentiment-lab` serves relu on four fake GPUs
 * (the `replicas` provider: clients spread evenly over the ready pods, as the `<name>` Service does),
 * and its spec asks for gelu, silu and mish at once, each on about a tenth of the traffic. The demo's
 * fault knobs give the judge something to find: relu is served with inputs scaled ×3 (it loses most of
 * its accuracy), silu answers a fifth of its requests with 500, mish waits 300 ms per request. The
 * judge excludes silu (errors) and mish (latency), names gelu the winner (accuracy), and the operator
 * rolls gelu out through the canary steps while spec.activation still says relu. The live view shows
 * the ranked table as it fills.
 */
import * as k8s from '@kubernetes/client-node';
import type { ModelVariant, ModelVariantSpec } from '../api/types.ts';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../api/types.ts';
import { LABEL_MODEL } from '../workload/names.ts';
import { startDataPlane } from './data-plane.ts';
import { DEMO_MODEL, DEMO_REQUEST_RATE, demoSpec, type DemoOptions, type ScenarioResult } from './run-demo.ts';
import { startTraffic } from './traffic.ts';
import { since, sleep, watch } from './watch.ts';

export const EXPERIMENT_MODEL = 'sentiment-lab';
export const EXPERIMENT_CANDIDATES = ['gelu', 'silu', 'mish'] as const;
/** The fault knobs per activation that give the experiment's judge a clear answer (demo scaffolding). */
export const EXPERIMENT_ENV: Record<string, Record<string, string>> = {
  relu: { FAULT_INPUT_SCALE: '3' },
  silu: { FAULT_ERROR_FRACTION: '0.2' },
  mish: { FAULT_LATENCY_MS: '300' },
};

export function experimentSpec(prometheusUrl: string, pause: number, podAnnotations: Record<string, string> = {}): ModelVariantSpec {
  const base = demoSpec(prometheusUrl, pause, podAnnotations);
  return {
    activation: 'relu', replicas: 4, template: base.template,
    traffic: { provider: 'replicas' },
    strategy: {
      steps: [{ setWeight: 50, pause: `${pause}s` }],
      progressDeadline: '2m',
      analysis: {
        interval: '3s', failureLimit: 1, inconclusiveLimit: 12,
        prometheus: { address: prometheusUrl, timeout: '5s' },
        slis: [
          { name: 'accuracy', builtin: 'accuracy', min: 0.8, window: '15s' },
          { name: 'errorRate', builtin: 'errorRate', max: 0.05, minSamples: 20, window: '15s' },
          { name: 'latencyP95', builtin: 'latencyP95', max: 0.25, window: '15s' },
        ],
      },
      experiment: {
        candidates: EXPERIMENT_CANDIDATES.map((activation) => ({ activation, weight: 10 })),
        duration: '3m', minSamples: 6,
        slis: [
          { name: 'accuracy', minimumEffect: { absolute: 0.05 } },
          { name: 'errorRate', minimumEffect: { absolute: 0.02 } },
          { name: 'latencyP95', minimumEffect: { absolute: 0.1 } },
        ],
        rankBy: [{ sli: 'accuracy', prefer: 'higher' }, { sli: 'latencyP95', prefer: 'lower' }],
      },
    },
  };
}

export async function runExperimentScenario(opts: DemoOptions): Promise<ScenarioResult> {
  const { kc, namespace, out, signal } = opts;
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ref = { group: GROUP, version: VERSION, plural: PLURAL, namespace };
  const read = async () => (await custom.getNamespacedCustomObject({ ...ref, name: EXPERIMENT_MODEL })) as ModelVariant;
  const pause = opts.stepPauseSeconds ?? 20;
  const t0 = Date.now();
  out(`\n=== experiment: relu against gelu, silu and mish at once (expected: gelu wins and is promoted; the demo serves relu with inputs ×3, ` +
    `silu with 20% errors and mish 300 ms slower, fault knobs that give the judge a clear answer)`);
  // sentiment's pods hold the GPUs the candidates need: wait until the garbage collector has removed them.
  for (let i = 0; i < 120 && !signal.aborted; i++) {
    const left = await core.listNamespacedPod({ namespace, labelSelector: `${LABEL_MODEL}=${DEMO_MODEL}` });
    if (left.items.length === 0) break;
    await sleep(500, signal);
  }
  const plane = startDataPlane({ kc, namespace, model: EXPERIMENT_MODEL, targetsDir: opts.targetsDir, log: opts.live ? undefined : out,
    extraEnv: (a) => EXPERIMENT_ENV[a] ?? {} });
  const traffic = startTraffic(() => plane.endpoints(), DEMO_REQUEST_RATE);
  try {
    await custom.createNamespacedCustomObject({ ...ref, body: { apiVersion: API_VERSION, kind: KIND, metadata: { name: EXPERIMENT_MODEL, namespace },
      spec: experimentSpec(opts.prometheusUrl, pause, opts.podAnnotations) } });
    out(`created modelvariant ${namespace}/${EXPERIMENT_MODEL}: relu on 4 fake GPUs, one pod each of gelu, silu and mish beside it ` +
      `(<name>-exp-<activation>), judged every 3s on accuracy, errors and p95 latency; the winner rolls out at 50% for ${pause}s`);
    const seen = structuredClone(traffic.stats());
    const decided = (mv: ModelVariant) => mv.status?.experiment?.phase === 'Decided';
    const end = await watch(read, opts, traffic.stats, (mv) => decided(mv) && (!mv.status?.experiment?.winner ||
      (mv.status.phase === 'Healthy' && mv.status.stableActivation === mv.status.experiment.winner) || mv.status.phase === 'Degraded'), 300_000);
    const s = end?.status;
    const winner = s?.experiment?.winner;
    return {
      from: 'relu', to: EXPERIMENT_CANDIDATES.join(', '), expected: 'promoted',
      outcome: signal.aborted ? 'interrupted' : !s ? 'timed out' : !winner ? 'stable kept' : s.stableActivation === winner ? 'promoted' : 'rolled back',
      seconds: Math.round((Date.now() - t0) / 1000),
      message: s?.experiment?.message ?? s?.message ?? '',
      failedSlis: [],
      ...(s?.stableActivation ? { stableActivation: s.stableActivation } : {}),
      clients: since(seen, traffic.stats()),
      ...(s?.experiment ? { experiment: s.experiment } : {}),
    };
  } finally {
    await traffic.stop();
    await plane.stop();
  }
}
