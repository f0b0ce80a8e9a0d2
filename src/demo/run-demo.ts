/**
 * The demo's scenarios on a running local cluster: deploy `sentiment` on relu with real variant
 * servers behind it and real clients in front, roll relu → gelu (judged from real metrics, promoted),
 * then gelu → sigmoid served with saturating inputs (judged, rolled back), then an experiment of relu
 * against gelu, silu and mish at once (experiment-scenario.ts), showing a live view and returning what
 * happened. Everything it starts it stops, also when interrupted.
 */
import * as k8s from '@kubernetes/client-node';
import type { ModelVariant, ModelVariantSpec, ModelVariantStatus } from '../api/types.ts';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../api/types.ts';
import { startDataPlane } from './data-plane.ts';
import { runExperimentScenario } from './experiment-scenario.ts';
import { routeWeights } from './gateway-stand-in.ts';
import { startTraffic, type TrafficStats } from './traffic.ts';
import { since, sleep, watch } from './watch.ts';

export interface DemoOptions {
  kc: k8s.KubeConfig;
  namespace: string;
  prometheusUrl: string;
  targetsDir: string;
  /** Redraw a live view (a terminal) or print one line per change (headless). */
  live: boolean;
  colour: boolean;
  out: (line: string) => void;
  signal: AbortSignal;
  /** Seconds each step pauses (default 20). */
  stepPauseSeconds?: number;
  /**
   * Annotations for the demo's pods: the local cluster's kwok Stages read a ready delay from them, so a
   * pod becomes Ready only once the data plane has had time to start its variant server (as a model
   * server is Ready only once its model is loaded).
   */
  podAnnotations?: Record<string, string>;
}

export interface ScenarioResult {
  from: string;
  to: string;
  expected: 'promoted' | 'rolled back';
  outcome: 'promoted' | 'rolled back' | 'stable kept' | 'timed out' | 'interrupted';
  seconds: number;
  message: string;
  failedSlis: { name: string; canaryValue?: string; threshold?: string; reason?: string }[];
  stableActivation?: string;
  /** What the demo's clients saw during this scenario: requests, errors (incl. a gateway's 503s), and per role. */
  clients?: TrafficStats;
  /** The experiment scenario's decision and ranked table (status.experiment). */
  experiment?: ModelVariantStatus['experiment'];
}

export const DEMO_MODEL = 'sentiment';
/** The variant the demo expects to fail, and the fault knob that makes it fail (demo scaffolding). */
export const FAILING_VARIANT = 'sigmoid';
export const FAILING_ENV = { FAULT_INPUT_SCALE: '6' };
/** Client requests per second (8 labelled rows each): 5 % of it must give the canary's SLIs their samples. */
export const DEMO_REQUEST_RATE = 60;
/** The Gateway the demo's HTTPRoute attaches to (no controller runs it: see gateway-stand-in.ts). */
export const DEMO_GATEWAY = 'demo-gateway';

export function demoSpec(prometheusUrl: string, pause: number, podAnnotations: Record<string, string> = {}): ModelVariantSpec {
  return {
    activation: 'relu',
    replicas: 4,
    template: {
      metadata: { labels: { app: DEMO_MODEL }, annotations: podAnnotations },
      spec: { containers: [{ name: 'server', image: 'activation-canary/variant-server:dev', ports: [{ name: 'http', containerPort: 8080 }],
        env: [{ name: 'TELEMETRY_SAMPLE_RATE', value: '0.5' }], resources: { limits: { 'nvidia.com/gpu': '1' } } }] },
    },
    // Managed mode: the operator creates the HTTPRoute `sentiment`; the demo's clients split by its weights.
    traffic: { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: DEMO_GATEWAY }], port: 8080 } },
    strategy: {
      steps: [{ setWeight: 5, pause: `${pause}s` }, { setWeight: 50, pause: `${pause}s` }],
      progressDeadline: '2m',
      analysis: {
        interval: '5s', failureLimit: 1, inconclusiveLimit: 12,
        prometheus: { address: prometheusUrl, timeout: '5s' },
        slo: { objective: 0.99, shortWindow: '10s', longWindow: '30s', burnRateThreshold: 10 },
        slis: [
          { name: 'saturation', builtin: 'activationSaturation', max: 0.3, window: '15s' },
          { name: 'nonFinite', builtin: 'nonFinite', max: 0.01, window: '15s' },
          // At the 5 % step the canary gets ~3 requests/s: request-counted SLIs look over 30 s to have their samples.
          { name: 'latencyP95', builtin: 'latencyP95', max: 0.25, window: '30s' },
          { name: 'errorRate', builtin: 'errorRate', max: 0.01, window: '30s', minSamples: 50 },
          { name: 'accuracy', builtin: 'accuracy', minRatioToStable: 0.9, minSamples: 100, window: '15s' },
        ],
      },
    },
  };
}

export async function runDemo(opts: DemoOptions): Promise<ScenarioResult[]> {
  const { kc, namespace, out, signal } = opts;
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ref = { group: GROUP, version: VERSION, plural: PLURAL, namespace };
  const read = async () => (await custom.getNamespacedCustomObject({ ...ref, name: DEMO_MODEL })) as ModelVariant;
  const setActivation = (activation: string) => custom.patchNamespacedCustomObject({ ...ref, name: DEMO_MODEL, body: { spec: { activation } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));

  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((err: { code?: number }) => { if (err.code !== 409) throw err; });
  const plane = startDataPlane({ kc, namespace, model: DEMO_MODEL, targetsDir: opts.targetsDir, log: opts.live ? undefined : out,
    extraEnv: (a) => (a === FAILING_VARIANT ? FAILING_ENV : {}) });
  const readRoute = async () => routeWeights(await custom.getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', namespace, name: DEMO_MODEL }) as object, DEMO_MODEL);
  const traffic = startTraffic(() => plane.endpoints(), DEMO_REQUEST_RATE, 8, readRoute, (role) => plane.readyPods(role));
  const results: ScenarioResult[] = [];
  try {
    const pause = opts.stepPauseSeconds ?? 20;
    await custom.createNamespacedCustomObject({ ...ref, body: { apiVersion: API_VERSION, kind: KIND, metadata: { name: DEMO_MODEL, namespace }, spec: demoSpec(opts.prometheusUrl, pause, opts.podAnnotations) } });
    out(`created modelvariant ${namespace}/${DEMO_MODEL}: relu on 4 fake GPUs behind the HTTPRoute ${DEMO_MODEL} (managed by the operator), ` +
      `steps 5% → 50% (${pause}s each), judged every 5s; the demo's clients split requests by the route's weights, standing in for a gateway`);
    const ready = await watch(read, opts, traffic.stats, (mv) => mv.status?.phase === 'Healthy' && mv.status.stableActivation === 'relu', 90_000);
    if (!ready) throw new Error('sentiment did not become Healthy on relu within 90s; see the operator log');
    await sleep(5000, signal); // let the stable variant build up a few scrapes of history

    for (const [to, expected] of [['gelu', 'promoted'], [FAILING_VARIANT, 'rolled back']] as const) {
      if (signal.aborted) break;
      const from = (await read()).status?.stableActivation ?? '?';
      out(`\n=== rolling ${from} → ${to} (expected: ${expected}${to === FAILING_VARIANT ? `; the demo serves ${to} with inputs scaled ×${FAILING_ENV.FAULT_INPUT_SCALE}, a fault knob that saturates it` : ''})`);
      const t0 = Date.now();
      const seen = structuredClone(traffic.stats());
      await setActivation(to);
      await sleep(1500, signal);
      const end = await watch(read, opts, traffic.stats, (mv) => (mv.status?.phase === 'Healthy' && mv.status.stableActivation === to) || mv.status?.phase === 'Degraded', 240_000);
      const s = end?.status;
      results.push({
        from, to, expected,
        outcome: signal.aborted ? 'interrupted' : !s ? 'timed out' : s.phase === 'Degraded' ? 'rolled back' : 'promoted',
        seconds: Math.round((Date.now() - t0) / 1000),
        message: s?.message ?? '',
        failedSlis: (s?.analysis?.slis ?? []).filter((x) => x.verdict === 'Failed').map((x) => ({ name: x.name, canaryValue: x.canaryValue, threshold: x.threshold, reason: x.reason })),
        ...(s?.stableActivation ? { stableActivation: s.stableActivation } : {}),
        clients: since(seen, traffic.stats()),
      });
      out(`=== ${to}: ${results.at(-1)?.outcome} after ${results.at(-1)?.seconds}s — ${s?.message ?? ''}`);
    }
  } finally {
    await traffic.stop();
    await plane.stop();
  }
  if (!signal.aborted && results.length === 2) {
    // The experiment runs on a ModelVariant of its own, on the replicas provider: sentiment's GPUs are freed for it first.
    await custom.deleteNamespacedCustomObject({ ...ref, name: DEMO_MODEL });
    results.push(await runExperimentScenario(opts));
  }
  return results;
}

