/**
 * The seed's activation signals and the Triton / dcgm profiles, end to end on real parts: reference
 * variant servers (in this process, plus two child processes where resident memory must be a pod's
 * own) serve labelled held-out traffic, a real Prometheus scrapes them through file_sd targets that
 * attach `namespace`, `model`, `role` and `pod` (with honor_labels: false, Prometheus' default, so the
 * emulated Triton `model` and dcgm-exporter `namespace`/`pod` labels are renamed `exported_*` as they
 * would be), and measureAnalysis + judge evaluate the built-ins at one instant.
 *
 * One gelu float stable serves as stable of five ModelVariants (one server, five targets): a healthy
 * canary (the int8 flavour) passes drift (against stable and against its training reference),
 * quantization delta and calibration; a canary with drifted activations (FAULT_ACTIVATION_SHIFT), a bad
 * quantization scale (FAULT_QUANT_SCALE) or over-confident probabilities (FAULT_LOGIT_SCALE) fails its
 * SLI; a healthy relu canary fails drift against stable but not against its own reference; with the value Prometheus computed equal to
 * the pure functions (wasserstein1, expectedCalibrationError) applied to the same bucket counts, and
 * the operator's batched rounds giving the same numbers as one ModelVariant at a time. Two
 * child processes emulating Triton and dcgm-exporter metric names show the profiles reading latency,
 * errors and GPU use, and memoryFootprint catching FAULT_MEMORY_MB. The real Triton and dcgm-exporter
 * cannot run here (no GPU); the emulation exposes their exact metric names and labels.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wasserstein1 } from '../../src/analysis/distribution-distance.ts';
import { judge, type AnalysisResult } from '../../src/analysis/judge.ts';
import { measureAnalysis, planMeasurements } from '../../src/analysis/measure.ts';
import { measureRound } from '../../src/analysis/measure-round.ts';
import { createPrometheusProvider, type PrometheusProvider } from '../../src/analysis/prometheus-provider.ts';
import type { AnalysisSpec, SliSpec } from '../../src/analysis/spec.ts';
import { expectedCalibrationError } from '../../src/telemetry/calibration.ts';
import { parseConfig } from '../../src/variant-server/config.ts';
import { runLoad } from '../../src/variant-server/load-generator.ts';
import { startVariantServer, type VariantServer } from '../../src/variant-server/server.ts';
import { spawnVariantServer, type SpawnedServer } from '../../src/variant-server/spawn.ts';
import { startLocalPrometheus, waitForScrapesAfter, type LocalPrometheus } from './support/local-prometheus.ts';

const namespace = 'ml';
const W = '10s';
const TRAFFIC_MS = 12_000;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const common = { HOST: '127.0.0.1', PORT: '0', TELEMETRY_SAMPLE_RATE: '1', WARMUP_ITERATIONS: '2', LOG_LEVEL: 'silent', POD_NAMESPACE: namespace };

const SIGNALS: SliSpec[] = [
  { name: 'drift', builtin: 'activationDrift', max: 0.1, window: W },
  { name: 'trainingDrift', builtin: 'activationDriftFromReference', max: 0.1, window: W },
  { name: 'quantization', builtin: 'quantizationDelta', max: 0.02, window: W },
  { name: 'calibration', builtin: 'calibrationError', max: 0.012, window: W },
];
const PROFILES: SliSpec[] = [
  { name: 'tritonLatency', builtin: 'latencyMean', profile: 'triton', max: 0.075, window: W },
  { name: 'tritonQueue', builtin: 'queueLatencyMean', profile: 'triton', max: 0.05, window: W },
  { name: 'tritonP95', builtin: 'latencyP95', profile: 'triton', max: 0.075, window: W },
  { name: 'tritonErrors', builtin: 'errorRate', profile: 'triton', max: 0.05, minSamples: 50, window: W },
  { name: 'tritonGpu', builtin: 'gpuUtilization', profile: 'triton', max: 1, window: W },
  { name: 'tritonGpuMemory', builtin: 'gpuMemoryUsed', profile: 'triton', maxRatioToStable: 1.5, window: W },
  { name: 'dcgmGpu', builtin: 'gpuUtilization', profile: 'dcgm', max: 1, window: W },
  { name: 'dcgmGpuMemory', builtin: 'gpuMemoryUsed', profile: 'dcgm', maxRatioToStable: 1.5, window: W },
  { name: 'memory', builtin: 'memoryFootprint', maxRatioToStable: 1.5, window: W },
];

/** Canaries served in this process, each judged against the shared gelu float stable. */
const CANARIES: Record<string, Record<string, string>> = {
  healthy: { QUANTIZATION: 'int8', EMULATE_METRICS: 'triton,dcgm' },
  drifted: { FAULT_ACTIVATION_SHIFT: '0.5' },
  'bad-scale': { QUANTIZATION: 'int8', FAULT_QUANT_SCALE: '0.1' },
  overconfident: { FAULT_LOGIT_SCALE: '10' },
  'other-activation': { ACTIVATION: 'relu' },
};

/** Child processes (their resident memory is their own), emulating Triton and dcgm-exporter: a healthy stable and a canary that is slow, errs and bloats. */
const GPU_PODS: Record<string, string>[] = [
  { POD_NAME: 'gpu-stable-0' },
  { POD_NAME: 'gpu-canary-0', FAULT_MEMORY_MB: '256', FAULT_LATENCY_MS: '100', FAULT_ERROR_FRACTION: '0.2' },
];

let prom: LocalPrometheus | undefined;
let provider: PrometheusProvider | undefined;
let targetsDir = '';
const inProcess: VariantServer[] = [];
const children: SpawnedServer[] = [];
const results = new Map<string, AnalysisResult>();
let measuredAt = new Date();

async function inProcessServer(env: Record<string, string>): Promise<VariantServer> {
  const parsed = parseConfig({ ACTIVATION: 'gelu', ...common, ...env });
  if (!parsed.ok) throw new Error(parsed.error.message);
  const server = await startVariantServer({ config: parsed.config, logger: quiet });
  inProcess.push(server);
  await server.ready;
  return server;
}

/** Registers a server as one role's pod of a ModelVariant (file_sd, written then renamed). */
function target(url: string, model: string, role: 'stable' | 'canary'): void {
  const pod = `${model}-${role}-0`;
  const file = join(targetsDir, `${pod}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify([{ targets: [new URL(url).host], labels: { namespace, model, role, pod } }]));
  renameSync(`${file}.tmp`, file);
}

/** Sum of `expr` by `by`, as numbers keyed by the label values, at the measurement instant. */
async function vector(expr: string, by: string[]): Promise<Map<string, number>> {
  const res = await fetch(`${prom!.url}/api/v1/query?query=${encodeURIComponent(`sum by (${by.join(', ')}) (${expr})`)}&time=${measuredAt.getTime() / 1000}`);
  const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return new Map(body.data.result.map((s) => [by.map((l) => s.metric[l]).join('|'), Number(s.value[1])]));
}

const spec = (slis: SliSpec[]): AnalysisSpec => ({ prometheus: { address: 'unused' }, failureLimit: 1, slis });
const targetOf = (model: string) => ({ namespace, name: model, canaryVariant: CANARIES[model]?.ACTIVATION ?? 'gelu', stableVariant: 'gelu' });
const fresh = { consecutiveFailures: 0, consecutiveInconclusive: 0 };
/** What is judged: each canary on the three signals, and the healthy and the gpu pairs on the profiles. */
const CASES = [
  ...Object.keys(CANARIES).map((model) => ({ key: model, model, slis: SIGNALS })),
  { key: 'healthy-profiles', model: 'healthy', slis: PROFILES }, { key: 'gpu', model: 'gpu', slis: PROFILES },
];

beforeAll(async () => {
  targetsDir = mkdtempSync(join(tmpdir(), 'activation-signals-sd-'));
  const [stable, canaries, gpuPods] = await Promise.all([
    inProcessServer({ EMULATE_METRICS: 'triton,dcgm', POD_NAME: 'healthy-stable-0' }),
    Promise.all(Object.entries(CANARIES).map(([model, env]) => inProcessServer({ ...env, POD_NAME: `${model}-canary-0` }))),
    Promise.all(GPU_PODS.map(async (env) => {
      const child = await spawnVariantServer({ env: { ACTIVATION: 'gelu', ...common, EMULATE_METRICS: 'triton,dcgm', ...env } });
      children.push(child);
      await child.waitReady();
      return child;
    })),
  ]);
  for (const [i, model] of Object.keys(CANARIES).entries()) {
    target(stable.url, model, 'stable');
    target(canaries[i]!.url, model, 'canary');
  }
  target(gpuPods[0]!.url, 'gpu', 'stable');
  target(gpuPods[1]!.url, 'gpu', 'canary');
  prom = await startLocalPrometheus({ targets: [], fileSdDir: targetsDir, honorLabels: false, scrapeIntervalSeconds: 2 });
  provider = createPrometheusProvider({ address: prom.url, timeoutMs: 10_000, logger: { warn: () => undefined, debug: () => undefined } });
  // Every target scraped once before the traffic (the baseline of each increase), and once after it.
  const TARGETS = 2 * Object.keys(CANARIES).length + GPU_PODS.length;
  await waitForScrapesAfter(prom.url, Date.now(), TARGETS);

  const load = (url: string, rate: number, batch: number) => runLoad({ urls: [url], rate, durationMs: TRAFFIC_MS, batch, concurrency: 8 });
  await Promise.all([load(stable.url, 10, 16), ...canaries.map((c) => load(c.url, 10, 16)), ...gpuPods.map((c) => load(c.url, 20, 4))]);
  await waitForScrapesAfter(prom.url, Date.now(), TARGETS);

  measuredAt = new Date();
  await Promise.all(CASES.map(async ({ key, model, slis }) => {
    results.set(key, judge(spec(slis), await measureAnalysis(provider!, spec(slis), targetOf(model), measuredAt), fresh));
  }));
}, 90_000);

afterAll(async () => {
  provider?.close();
  await prom?.stop();
  await Promise.all([...inProcess.map((s) => s.shutdown()), ...children.map((c) => c.stop())]);
  if (targetsDir) rmSync(targetsDir, { recursive: true, force: true });
});

const sli = (key: string, name: string) => {
  const found = results.get(key)?.slis.find((s) => s.name === name);
  if (!found) throw new Error(`SLI ${name} of ${key} was not judged`);
  return found;
};
const verdicts = (key: string) => Object.fromEntries(results.get(key)!.slis.map((s) => [s.name, s.verdict]));

describe('activation drift, quantization delta and calibration on real variant servers', () => {
  it('stay quiet on a healthy canary (the int8 flavour of stable\'s gelu)', () => {
    expect(verdicts('healthy')).toEqual({ drift: 'Successful', trainingDrift: 'Successful', quantization: 'Successful', calibration: 'Successful' });
    expect(sli('healthy', 'drift').canaryValue).toBeLessThan(0.05);
    expect(sli('healthy', 'trainingDrift').canaryValue).toBeLessThan(0.05);
    expect(Math.abs(sli('healthy', 'quantization').canaryValue!)).toBeLessThan(0.02);
    expect(sli('healthy', 'calibration').canaryValue).toBeLessThan(0.012);
  });

  it('activationDrift catches drifted activations and names the distance', () => {
    const drift = sli('drifted', 'drift');
    expect(drift).toMatchObject({ verdict: 'Failed', reason: 'AboveMax' });
    expect(drift.canaryValue).toBeGreaterThan(0.3);
    expect(drift.message).toMatch(/^SLI drift: canary value [0-9.]+ is above max 0\.1 over 10s, \d+ units observed \(the side with fewer\)$/);
    expect(sli('drifted', 'trainingDrift')).toMatchObject({ verdict: 'Failed', reason: 'AboveMax' });
  });

  it('activationDriftFromReference stays quiet on a healthy canary of another activation, which activationDrift cannot tell from a drift', () => {
    expect(sli('other-activation', 'trainingDrift').verdict).toBe('Successful');
    expect(sli('other-activation', 'trainingDrift').canaryValue).toBeLessThan(0.05);
    expect(sli('other-activation', 'drift')).toMatchObject({ verdict: 'Failed' });
    expect(sli('other-activation', 'drift').canaryValue).toBeGreaterThan(0.3);
  });

  it('quantizationDelta catches a bad quantization scale: the accuracy drop against the float stable', () => {
    expect(sli('bad-scale', 'quantization')).toMatchObject({ verdict: 'Failed', reason: 'AboveMax' });
    expect(sli('bad-scale', 'quantization').canaryValue).toBeGreaterThan(0.3);
  });

  it('calibrationError catches over-confident probabilities, which neither accuracy nor the activations show', () => {
    expect(verdicts('overconfident')).toEqual({ drift: 'Successful', trainingDrift: 'Successful', quantization: 'Successful', calibration: 'Failed' });
    expect(sli('overconfident', 'calibration').canaryValue).toBeGreaterThan(0.012);
    expect(sli('overconfident', 'drift').canaryValue).toBeLessThan(0.01);
  });

  it('computes in PromQL exactly what the pure functions give for the same bucket counts', async () => {
    const histogram = (side: Map<string, number>, layer: string) => {
      const entries = [...side].filter(([k]) => k.startsWith(`${layer}|`)).map(([k, v]) => [Number(k.split('|')[1]!.replace('+Inf', 'Infinity')), v] as const)
        .sort((a, b) => a[0] - b[0]);
      return { bounds: entries.map((e) => e[0]), counts: entries.map((e) => e[1]) };
    };
    /** The largest per-layer wasserstein1() of two sides' bucket counts. */
    const worstLayer = (a: Map<string, number>, b: Map<string, number>) => {
      const layers = [...new Set([...a.keys()].map((k) => k.split('|')[0]!))];
      expect(layers.sort()).toEqual(['hidden1', 'hidden2', 'hidden3']);
      return Math.max(...layers.map((layer) => {
        const d = wasserstein1(histogram(a, layer), histogram(b, layer));
        if (!d.ok) throw new Error(d.error.message);
        return d.value;
      }));
    };
    for (const model of ['drifted', 'healthy', 'other-activation']) {
      const live = (role: string) => vector(`increase(activation_value_bucket{model="${model}",role="${role}"}[${W}])`, ['layer', 'le']);
      const [canary, stable, reference] = await Promise.all([live('canary'), live('stable'),
        vector(`activation_reference_value_bucket{model="${model}",role="canary"}`, ['layer', 'le'])]);
      expect(sli(model, 'drift').canaryValue).toBeCloseTo(worstLayer(canary, stable), 9);
      expect(sli(model, 'trainingDrift').canaryValue).toBeCloseTo(worstLayer(canary, reference), 9);
    }
    for (const model of ['overconfident', 'healthy']) {
      const counter = (name: string) => vector(`increase(inference_calibration_${name}_total{model="${model}",role="canary"}[${W}])`, ['bin']);
      const [predictions, correct, confidence] = await Promise.all([counter('predictions'), counter('correct'), counter('confidence')]);
      const bins = [...predictions.keys()].map((bin) => ({ predictions: predictions.get(bin)!, correct: correct.get(bin) ?? 0, confidenceSum: confidence.get(bin) ?? 0 }));
      expect(bins).toHaveLength(15);
      expect(sli(model, 'calibration').canaryValue).toBeCloseTo(expectedCalibrationError(bins), 9);
    }
  });
});

describe('the operator\'s batched rounds', () => {
  it('give every new built-in the value it has measured one ModelVariant at a time (calibrationError and memoryFootprint batched)', async () => {
    const round = await measureRound(provider!, CASES.map((c) => planMeasurements(spec(c.slis), targetOf(c.model))), measuredAt, 8);
    expect(round.sent.batched).toBeGreaterThan(0);
    round.measurements.forEach((measurements, i) => {
      const { key, slis } = CASES[i]!;
      const batched = judge(spec(slis), measurements, fresh).slis;
      expect(batched.map((s) => [s.name, s.verdict])).toEqual(results.get(key)!.slis.map((s) => [s.name, s.verdict]));
      batched.forEach((s, j) => expect(s.canaryValue).toBeCloseTo(results.get(key)!.slis[j]!.canaryValue!, 9));
    });
  });
});

describe('SLI profiles for Triton and dcgm-exporter metric names, and the memory footprint', () => {
  it('read latency, queue time, errors, GPU use and memory of a healthy pair without any PromQL in the spec', () => {
    expect(verdicts('healthy-profiles')).toEqual(Object.fromEntries(PROFILES.map((s) => [s.name, 'Successful'])));
    const value = (name: string) => sli('healthy-profiles', name).canaryValue!;
    expect(value('tritonLatency')).toBeGreaterThan(0);
    for (const gpu of ['tritonGpu', 'dcgmGpu']) expect(value(gpu)).toBeGreaterThanOrEqual(0);
    // In one process both "pods" report the same process' resident memory (scraped at other instants).
    expect(value('memory') / sli('healthy-profiles', 'memory').stableValue!).toBeCloseTo(1, 0);
    expect(value('dcgmGpuMemory')).toBeGreaterThan(2 ** 20);
  });

  it('fail a canary that is slow, queues, errs and bloats, naming each', () => {
    expect(verdicts('gpu')).toMatchObject({
      tritonLatency: 'Failed', tritonQueue: 'Failed', tritonP95: 'Failed', tritonErrors: 'Failed',
      tritonGpuMemory: 'Failed', dcgmGpuMemory: 'Failed', memory: 'Failed', tritonGpu: 'Successful', dcgmGpu: 'Successful',
    });
    expect(sli('gpu', 'tritonQueue').canaryValue).toBeGreaterThanOrEqual(0.1);
    expect(sli('gpu', 'tritonErrors').canaryValue).toBeCloseTo(0.2, 1);
    const memory = sli('gpu', 'memory');
    expect(memory.reason).toBe('AboveMaxRatioToStable');
    expect(memory.canaryValue! - memory.stableValue!).toBeGreaterThan(200 * 2 ** 20);
    expect(memory.message).toMatch(/× stable .*, above maxRatioToStable 1\.5 over 10s/);
  });
});
