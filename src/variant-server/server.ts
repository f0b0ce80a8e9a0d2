/**
 * The reference variant server: loads one variant's weights (float, or their int8 flavour calibrated
 * on the data set's training split; the model fault knobs applied), counts the reference activation
 * histogram of the loaded model on that split, listens, warms the model up, then
 * reports ready; serves POST /v1/predict, GET /v1/model, /healthz, /readyz and /metrics (a private
 * prom-client Registry). shutdown() drains: /readyz turns 503, no new connections are accepted,
 * in-flight requests finish (up to the shutdown timeout) and then the server closes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { createActivationTelemetry } from '../telemetry/activation-telemetry.ts';
import { createReferenceHistogram } from '../telemetry/reference-histogram.ts';
import type { ServerConfig } from './config.ts';
import { loadDataset, type Split } from './dataset.ts';
import { createEmulatedMetrics } from './emulated-metrics.ts';
import { createFaultInjector } from './faults.ts';
import { send, sendJson } from './http-util.ts';
import { predict, toMatrix, type Mlp } from './mlp.ts';
import { scaleLogits, shiftHiddenActivations } from './model-faults.ts';
import { handlePredict, type PredictContext, type PredictOutcome } from './predict.ts';
import { calibrateInputScales, quantizeModel } from './quantize.ts';
import { createRandom } from './random.ts';
import { loadWeights } from './weights.ts';

/** The standard name (prom-client's and Go's process collectors use it too) of the process' resident memory. */
export const RESIDENT_MEMORY_METRIC = 'process_resident_memory_bytes';

export interface VariantServerOptions {
  config: ServerConfig;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Awaited after the warm-up and before the server reports ready (tests hold readiness with it). */
  beforeReady?: () => Promise<void>;
}

export interface VariantServer {
  readonly url: string;
  /** What main.ts prints in its "listening" line: where, which variant, sampling, active faults. */
  readonly listening: Record<string, unknown>;
  readonly host: string;
  readonly port: number;
  readonly model: Mlp;
  readonly registry: Registry;
  /** Resolves once /readyz answers 200. */
  readonly ready: Promise<void>;
  /** Drains and closes; safe to call more than once. */
  shutdown(): Promise<void>;
}

/** Loads the weights (throwing if they cannot be loaded), listens, and starts the warm-up. */
export async function startVariantServer(options: VariantServerOptions): Promise<VariantServer> {
  const { config, logger } = options;
  const loaded = loadWeights(config.modelDir, config.variant);
  const train = trainingSplit(config.modelDir);
  const model = servedModel(loaded.model, config, train);
  const heldOutAccuracy = config.quantization === 'none' ? loaded.heldOutAccuracy : undefined;
  // FAULT_MEMORY_MB: written, so the pages are resident, and held for the process' lifetime.
  const ballast = config.faults.memoryMb > 0 ? Buffer.allocUnsafe(config.faults.memoryMb * 2 ** 20).fill(1) : undefined;
  const registry = new Registry();
  new Gauge({
    name: RESIDENT_MEMORY_METRIC, help: 'Resident memory size of the server process in bytes.', labelNames: ['variant'], registers: [registry],
    collect() { this.set({ variant: config.variant }, process.memoryUsage.rss()); },
  });
  const emulated = createEmulatedMetrics({
    registry, emulate: config.emulate, modelName: config.variant, podName: config.podName, podNamespace: config.podNamespace,
  });
  // The reference histogram: the loaded (unfaulted, float) model on its training data, as shipped with it.
  const reference = createReferenceHistogram({ registry, variant: config.variant });
  predict(loaded.model, toMatrix(train.inputs, loaded.model.inputSize), train.inputs.length, (layer, _pre, post) => reference.observe(layer, post));
  const hiddenLayers = model.layers.slice(0, -1).map((l) => l.name);
  const telemetry = createActivationTelemetry({
    registry, variant: config.variant, activation: config.variant, sampleRate: config.sampleRate, layers: hiddenLayers,
  });
  const faults = createFaultInjector(config.faults);
  let isReady = false;
  let closing = false;
  let inFlight = 0;
  let onIdle: (() => void) | undefined;

  const context: PredictContext = {
    model, telemetry, faults, maxBatch: config.maxBatch, maxBodyBytes: config.maxBodyBytes, closing: () => closing,
  };
  const modelInfo = {
    variant: config.variant, quantization: config.quantization, ...(model.inputScales ? { inputScales: model.inputScales } : {}),
    inputSize: model.inputSize, classes: model.classes,
    layers: model.layers.map((l) => ({ name: l.name, inputs: l.inputs, outputs: l.outputs })),
    heldOutAccuracy, maxBatch: config.maxBatch, telemetrySampleRate: config.sampleRate,
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const text = (status: number, body: string) => send(res, status, body, 'text/plain; charset=utf-8', closing);
    if (path === '/v1/predict') {
      if (method !== 'POST') return methodNotAllowed(res, 'POST', closing);
      const started = process.hrtime.bigint();
      // What the handler predicted, read when the answer is sent: its status decides how the request counts.
      const outcome: PredictOutcome = { nonfinitePredictions: 0 };
      res.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        telemetry.recordRequest(res.statusCode, seconds, outcome.nonfinitePredictions);
        emulated.recordRequest(res.statusCode, seconds, outcome);
      });
      if (!isReady) return sendJson(res, 503, { error: closing ? 'shutting down' : 'not ready: warming up' }, closing);
      return handlePredict(context, req, res, outcome);
    }
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET', closing);
    if (path === '/healthz') return text(200, 'ok\n');
    if (path === '/readyz') return isReady ? text(200, 'ready\n') : text(503, closing ? 'shutting down\n' : 'warming up\n');
    if (path === '/metrics') return send(res, 200, await registry.metrics(), registry.contentType, closing);
    if (path === '/v1/model') return sendJson(res, 200, modelInfo, closing);
    return sendJson(res, 404, { error: `no route ${method} ${path}` }, closing);
  };

  const server = createServer((req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) onIdle?.();
    });
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'request failed');
      sendJson(res, 500, { error: 'internal error' }, closing);
    });
  });
  server.keepAliveTimeout = 65_000; // longer than common proxies' idle timeouts, so they close first

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => { server.off('error', reject); resolve(); });
  });
  const address = server.address() as AddressInfo;
  // An unspecified bind address is reachable on loopback, which is what a local parent process needs.
  const reachable = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const urlHost = address.family === 'IPv6' ? `[${reachable}]` : reachable;
  const url = `http://${urlHost}:${address.port}`;
  const listening = {
    port: address.port, host: address.address, url, variant: config.variant, variantEnv: config.variantEnv,
    quantization: config.quantization, telemetrySampleRate: config.sampleRate,
    ...(config.emulate.length > 0 ? { emulate: config.emulate } : {}), ...(faults.active ? { faults: config.faults } : {}),
  };
  const ready = (async () => {
    const started = performance.now();
    await warmUp(model, config.warmupIterations);
    await options.beforeReady?.();
    if (closing) return;
    isReady = true;
    logger.info({ warmupMs: Math.round(performance.now() - started), iterations: config.warmupIterations }, 'ready');
  })();

  /** Resolves true once no request is in flight, false if the timeout comes first. */
  const waitForIdle = (timeoutMs: number) => new Promise<boolean>((resolve) => {
    if (inFlight === 0) return resolve(true);
    const timer = setTimeout(() => { onIdle = undefined; resolve(false); }, timeoutMs);
    onIdle = () => { clearTimeout(timer); onIdle = undefined; resolve(true); };
  });

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = () => {
    shutdownPromise ??= (async () => {
      closing = true;
      isReady = false;
      logger.info({ inFlight }, 'draining');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (!(await waitForIdle(config.shutdownTimeoutMs))) {
        logger.warn({ inFlight }, 'shutdown timeout: closing connections with requests in flight');
      }
      server.closeAllConnections();
      await closed;
      ballast?.fill(0); // keeps the ballast referenced until the server is gone
      logger.info({}, 'stopped');
    })();
    return shutdownPromise;
  };

  return { url, listening, host: address.address, port: address.port, model, registry, ready, shutdown };
}

/** The training split of <modelDir>/dataset.csv; throws, naming the file, when it cannot be read. */
function trainingSplit(modelDir: string): Split {
  const path = join(modelDir, 'dataset.csv');
  try {
    return loadDataset(path).train;
  } catch (error) {
    throw new Error(`cannot read the training data for the reference histogram and the int8 calibration from ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The model as served: the loaded float model with FAULT_ACTIVATION_SHIFT and FAULT_LOGIT_SCALE
 * applied, then, for QUANTIZATION=int8, quantized with activation scales calibrated on `train` (the
 * training split of <MODEL_DIR>/dataset.csv), times FAULT_QUANT_SCALE.
 */
export function servedModel(loaded: Mlp, config: Pick<ServerConfig, 'quantization' | 'faults'>, train: Split): Mlp {
  const float = scaleLogits(shiftHiddenActivations(loaded, config.faults.activationShift), config.faults.logitScale);
  if (config.quantization === 'none') return float;
  const scales = calibrateInputScales(float, toMatrix(train.inputs, float.inputSize), train.inputs.length);
  return quantizeModel(float, scales.map((s) => s * config.faults.quantScale));
}

function methodNotAllowed(res: ServerResponse, allow: string, closing: boolean): void {
  res.setHeader('Allow', allow);
  sendJson(res, 405, { error: `method not allowed; use ${allow}` }, closing);
}

/** Runs predictions on seeded synthetic batches so V8 has optimized the hot path before traffic. */
async function warmUp(model: Mlp, iterations: number): Promise<void> {
  const random = createRandom(42);
  const rows = 16;
  const input = new Float64Array(rows * model.inputSize).map(() => random.gaussian());
  for (let i = 0; i < iterations; i++) {
    predict(model, input, rows, () => undefined);
    predict(model, input, rows);
    await yieldToEventLoop();
  }
}
