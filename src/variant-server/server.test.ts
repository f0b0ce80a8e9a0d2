import { afterEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { parseExposition, sumSamples } from '../telemetry/exposition.ts';
import { parseConfig } from './config.ts';
import { loadDataset } from './dataset.ts';
import { startVariantServer, type VariantServer } from './server.ts';
import { DEFAULT_MODEL_DIR } from './weights.ts';

const heldOut = loadDataset(`${DEFAULT_MODEL_DIR}/dataset.csv`).heldOut;
const logger = pino({ level: 'silent' });
const running: VariantServer[] = [];

async function start(env: Record<string, string>, beforeReady?: () => Promise<void>) {
  const result = parseConfig({ ACTIVATION: 'relu', HOST: '127.0.0.1', PORT: '0', WARMUP_ITERATIONS: '2', ...env });
  if (!result.ok) throw new Error(result.error.message);
  const server = await startVariantServer({ config: result.config, logger, ...(beforeReady ? { beforeReady } : {}) });
  running.push(server);
  return server;
}

const predictBody = (rows: number, offset = 0) =>
  JSON.stringify({ inputs: heldOut.inputs.slice(offset, offset + rows), labels: heldOut.labels.slice(offset, offset + rows) });
const post = (server: VariantServer, body: string) =>
  fetch(`${server.url}/v1/predict`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
const metrics = async (server: VariantServer) => parseExposition(await (await fetch(`${server.url}/metrics`)).text());

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.shutdown()));
});

describe('the variant server', () => {
  it('is live at once but ready only after the warm-up, and refuses predictions until then', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const server = await start({}, () => gate);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    expect((await post(server, predictBody(2))).status).toBe(503);
    release();
    await server.ready;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await post(server, predictBody(2))).status).toBe(200);
  });

  it('answers a labelled batch with classes and probabilities, and counts accuracy', async () => {
    const server = await start({});
    await server.ready;
    const response = await post(server, predictBody(50));
    expect(response.status).toBe(200);
    const body = await response.json() as { variant: string; classes: number[]; probabilities: number[][] };
    expect(body.variant).toBe('relu');
    expect(body.classes).toHaveLength(50);
    body.probabilities.forEach((p) => expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12));
    const correct = body.classes.filter((c, i) => c === heldOut.labels[i]).length;
    const samples = await metrics(server);
    expect(sumSamples(samples, 'inference_predictions_total', { variant: 'relu' })).toBe(50);
    expect(sumSamples(samples, 'inference_labelled_predictions_total')).toBe(50);
    expect(sumSamples(samples, 'inference_correct_predictions_total')).toBe(correct);
    expect(sumSamples(samples, 'inference_requests_total', { code: '200' })).toBe(1);
  });

  it.each([
    ['invalid JSON', '{"inputs": [', 'body is not valid JSON'],
    ['a wrong shape', JSON.stringify({ inputs: [[1, 2, 3]] }), 'inputs[0] has 3 values, expected 12'],
    ['non-numbers', JSON.stringify({ inputs: [Array(12).fill('x')] }), 'inputs[0][0] is not a finite number'],
    ['an oversized batch', JSON.stringify({ inputs: Array(9).fill(Array(12).fill(0)) }), 'batch of 9 rows exceeds the maximum of 8'],
    ['labels out of range', JSON.stringify({ inputs: [Array(12).fill(0)], labels: [7] }), 'labels[0] must be a class from 0 to 3'],
  ])('answers %s with 400 and a message, and keeps serving', async (_what, body, message) => {
    const server = await start({ MAX_BATCH: '8' });
    await server.ready;
    const response = await post(server, body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(message);
    expect((await post(server, predictBody(1))).status).toBe(200);
    expect(sumSamples(await metrics(server), 'inference_requests_total', { code: '400' })).toBe(1);
  });

  it('refuses a body over the byte limit with 413, and unknown routes and methods', async () => {
    const server = await start({ MAX_BODY_BYTES: '2048' });
    await server.ready;
    expect((await post(server, predictBody(40))).status).toBe(413);
    expect((await fetch(`${server.url}/v2/predict`)).status).toBe(404);
    expect((await fetch(`${server.url}/v1/predict`)).status).toBe(405);
    expect((await post(server, predictBody(2))).status).toBe(200);
  });

  it('describes its model on /v1/model', async () => {
    const server = await start({ ACTIVATION: 'selu' });
    const info = await (await fetch(`${server.url}/v1/model`)).json() as { variant: string; inputSize: number; layers: unknown[] };
    expect(info).toMatchObject({ variant: 'selu', inputSize: 12, classes: 4 });
    expect(info.layers).toHaveLength(4);
  });

  it('counts NaN rows from FAULT_NAN_FRACTION as non-finite predictions and NaN units', async () => {
    const server = await start({ FAULT_NAN_FRACTION: '0.25', TELEMETRY_SAMPLE_RATE: '1' });
    await server.ready;
    const body = await (await post(server, predictBody(8))).json() as { classes: (number | null)[]; probabilities: unknown[][] };
    expect(body.classes.filter((c) => c === null)).toHaveLength(2);
    expect(body.probabilities[3]).toEqual([null, null, null, null]);
    const samples = await metrics(server);
    expect(sumSamples(samples, 'inference_nonfinite_predictions_total')).toBe(2);
    expect(sumSamples(samples, 'activation_nonfinite_units_total', { layer: 'hidden1', kind: 'nan' })).toBe(2 * 32);
    expect(sumSamples(samples, 'activation_units_observed_total', { layer: 'hidden2' })).toBe(8 * 32);
  });

  it('counts a request whose 3 rows are all NaN once as a non-finite request, and its rows as 3 predictions', async () => {
    const server = await start({ FAULT_NAN_FRACTION: '1' });
    await server.ready;
    expect((await post(server, predictBody(3))).status).toBe(200);
    expect((await post(server, predictBody(3))).status).toBe(200);
    const samples = await metrics(server);
    expect(sumSamples(samples, 'inference_nonfinite_predictions_total')).toBe(6);
    expect(sumSamples(samples, 'inference_nonfinite_requests_total')).toBe(2);
    expect(sumSamples(samples, 'inference_requests_total')).toBe(2);
  });

  it('never counts an answered 5xx as a non-finite request, so bad requests never outnumber requests', async () => {
    const server = await start({ FAULT_NAN_FRACTION: '1', FAULT_ERROR_FRACTION: '0.5' });
    await server.ready;
    for (let i = 0; i < 6; i++) await post(server, predictBody(4));
    const samples = await metrics(server);
    const bad = sumSamples(samples, 'inference_requests_total', { code: '500' }) + sumSamples(samples, 'inference_nonfinite_requests_total');
    expect(sumSamples(samples, 'inference_requests_total', { code: '500' })).toBe(3);
    expect(sumSamples(samples, 'inference_nonfinite_requests_total')).toBe(3);
    expect(bad).toBe(sumSamples(samples, 'inference_requests_total'));
  });

  it('shows a sigmoid variant driven into saturation by FAULT_INPUT_SCALE', async () => {
    const saturation = async (scale: string) => {
      const server = await start({ ACTIVATION: 'sigmoid', TELEMETRY_SAMPLE_RATE: '1', FAULT_INPUT_SCALE: scale });
      await server.ready;
      await post(server, predictBody(200));
      const samples = await metrics(server);
      const rate = (layer: string) => sumSamples(samples, 'activation_saturated_units_total', { layer })
        / sumSamples(samples, 'activation_units_observed_total', { layer });
      return { hidden1: rate('hidden1'), all: sumSamples(samples, 'activation_saturated_units_total') / sumSamples(samples, 'activation_units_observed_total') };
    };
    const healthy = await saturation('1');
    const scaled = await saturation('50');
    expect(healthy.all).toBeLessThan(0.2);
    expect(scaled.all).toBeGreaterThan(0.45);
    expect(scaled.hidden1).toBeGreaterThan(0.9);
  });

  it('answers the FAULT_ERROR_FRACTION of requests with 500 and counts them by code', async () => {
    const server = await start({ FAULT_ERROR_FRACTION: '0.5' });
    await server.ready;
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await post(server, predictBody(1))).status);
    expect(codes.sort()).toEqual([200, 200, 200, 500, 500, 500]);
    expect(sumSamples(await metrics(server), 'inference_requests_total', { code: '500' })).toBe(3);
  });

  it('drains on shutdown: the request in flight completes, readiness drops, then it stops listening', async () => {
    const server = await start({ FAULT_LATENCY_MS: '400' });
    await server.ready;
    const inFlight = post(server, predictBody(4));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = server.shutdown();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { classes: unknown[] }).classes).toHaveLength(4);
    await stopped;
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    const samples = await metrics(server).catch(() => undefined);
    expect(samples).toBeUndefined();
  });

  it('refuses new work once draining, while the request in flight completes', async () => {
    const server = await start({ FAULT_LATENCY_MS: '400', SHUTDOWN_TIMEOUT_MS: '5000' });
    await server.ready;
    const first = post(server, predictBody(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = server.shutdown();
    await expect(fetch(`${server.url}/readyz`)).rejects.toThrow();
    expect((await first).status).toBe(200);
    await stopped;
  });

  it('serves the int8 flavour when QUANTIZATION=int8, with its calibrated scales in /v1/model and the float accuracy within 0.02', async () => {
    const [float, int8] = await Promise.all([start({}), start({ QUANTIZATION: 'int8' })]);
    await Promise.all([float.ready, int8.ready]);
    const info = await (await fetch(`${int8.url}/v1/model`)).json() as { quantization: string; inputScales: number[]; heldOutAccuracy?: number };
    expect(info.quantization).toBe('int8');
    expect(info.inputScales).toHaveLength(4);
    expect(info.heldOutAccuracy).toBeUndefined(); // the file's accuracy is the float model's
    const rows = 200;
    const accuracy = async (server: VariantServer) => {
      await post(server, predictBody(rows));
      const samples = await metrics(server);
      return sumSamples(samples, 'inference_correct_predictions_total') / sumSamples(samples, 'inference_labelled_predictions_total');
    };
    expect(Math.abs((await accuracy(int8)) - (await accuracy(float)))).toBeLessThanOrEqual(0.02);
  });

  it('counts labelled predictions per confidence bin, so the calibration error can be computed from /metrics', async () => {
    const server = await start({});
    await server.ready;
    const body = await (await post(server, predictBody(40))).json() as { classes: number[]; probabilities: number[][] };
    const samples = await metrics(server);
    expect(samples.filter((x) => x.name === 'inference_calibration_predictions_total')).toHaveLength(15);
    expect(sumSamples(samples, 'inference_calibration_predictions_total')).toBe(40);
    expect(sumSamples(samples, 'inference_calibration_correct_total')).toBe(body.classes.filter((c, i) => c === heldOut.labels[i]).length);
    const confidence = body.probabilities.reduce((sum, p) => sum + Math.max(...p), 0);
    expect(sumSamples(samples, 'inference_calibration_confidence_total')).toBeCloseTo(confidence, 9);
  });

  it('exports its resident memory, and holds FAULT_MEMORY_MB of it', async () => {
    const server = await start({ FAULT_MEMORY_MB: '64' });
    await server.ready;
    const rss = sumSamples(await metrics(server), 'process_resident_memory_bytes', { variant: 'relu' });
    expect(rss).toBeGreaterThan(64 * 2 ** 20);
    expect(server.listening).toMatchObject({ faults: { memoryMb: 64 } });
  });

  it('with EMULATE_METRICS=triton,dcgm also exports Triton\'s and dcgm-exporter\'s metric names from its own requests', async () => {
    const server = await start({ EMULATE_METRICS: 'triton,dcgm', POD_NAME: 'relu-0', POD_NAMESPACE: 'ml', FAULT_ERROR_FRACTION: '0.5' });
    await server.ready;
    for (let i = 0; i < 4; i++) await post(server, predictBody(8));
    const samples = await metrics(server);
    const triton = { model: 'relu', version: '1' };
    expect(sumSamples(samples, 'nv_inference_request_success', triton)).toBe(2);
    expect(sumSamples(samples, 'nv_inference_request_failure', triton)).toBe(2);
    expect(sumSamples(samples, 'nv_inference_count', triton)).toBe(16);
    expect(sumSamples(samples, 'nv_inference_exec_count', triton)).toBe(2);
    expect(sumSamples(samples, 'nv_inference_request_duration_us', triton)).toBeGreaterThan(0);
    expect(sumSamples(samples, 'nv_inference_request_summary_us_count', triton)).toBe(2);
    expect(samples.find((x) => x.name === 'nv_gpu_utilization')?.value).toBeLessThanOrEqual(1);
    const gpu = samples.find((x) => x.name === 'DCGM_FI_DEV_GPU_UTIL');
    expect(gpu?.labels).toMatchObject({ namespace: 'ml', pod: 'relu-0', gpu: '0', UUID: expect.stringMatching(/^GPU-/) });
    expect(sumSamples(samples, 'DCGM_FI_DEV_FB_USED') + sumSamples(samples, 'DCGM_FI_DEV_FB_FREE')).toBeCloseTo(16 * 1024, -1);
  });

  it('exports the reference activation histogram of its unfaulted model on the training split, whatever its faults', async () => {
    const [healthy, shifted] = await Promise.all([start({}), start({ FAULT_ACTIVATION_SHIFT: '0.5' })]);
    await Promise.all([healthy.ready, shifted.ready]);
    const reference = async (server: VariantServer) => (await metrics(server)).filter((x) => x.name.startsWith('activation_reference_value'));
    const [a, b] = await Promise.all([reference(healthy), reference(shifted)]);
    const trainRows = loadDataset(`${DEFAULT_MODEL_DIR}/dataset.csv`).train.inputs.length;
    expect(sumSamples(a, 'activation_reference_value_bucket', { layer: 'hidden1', le: '+Inf' })).toBe(trainRows * 32);
    expect(b).toEqual(a);
  });

  it('exports none of the emulated names by default', async () => {
    const server = await start({});
    await server.ready;
    expect((await metrics(server)).some((x) => x.name.startsWith('nv_') || x.name.startsWith('DCGM_'))).toBe(false);
  });
});
