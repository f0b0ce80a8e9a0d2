/**
 * The POST /v1/predict handler: read and validate the batch, apply the fault knobs, run the model
 * (letting telemetry watch the hidden layers when the request is sampled), score labelled rows, count
 * the predictions and their calibration tallies per confidence bin (and report the request's
 * non-finite rows, rows and timings in `outcome`, so the server counts the request by how it was
 * answered), and answer with classes and probabilities. Every client mistake is a 4xx with a
 * message; an exception is a 500, never a crash.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActivationTelemetry } from '../telemetry/activation-telemetry.ts';
import { emptyCalibrationBins, tallyCalibration } from '../telemetry/calibration.ts';
import type { FaultInjector } from './faults.ts';
import { readBody, sendJson } from './http-util.ts';
import { predict, type Mlp } from './mlp.ts';
import { parsePredictRequest } from './request.ts';

export interface PredictContext {
  model: Mlp;
  telemetry: ActivationTelemetry;
  faults: FaultInjector;
  maxBatch: number;
  maxBodyBytes: number;
  /** True once the server drains; responses then close their connection. */
  closing(): boolean;
}

/** The response body of a successful prediction. */
export interface PredictResponse {
  variant: string;
  /** Predicted class per row; null where the row's probabilities were not finite. */
  classes: (number | null)[];
  /** One probability per class, per row (null in JSON where NaN). */
  probabilities: (number | null)[][];
}

/** What one request's prediction produced, for counting the request once it is answered. */
export interface PredictOutcome {
  /** Rows of this request whose output probabilities had a NaN or Inf. */
  nonfinitePredictions: number;
  /** Rows predicted (0 when the request was refused before predicting). */
  rows?: number;
  /** Seconds spent in the forward pass. */
  computeSeconds?: number;
  /** Seconds the request waited before the forward pass (the injected latency; Triton's "queue" time). */
  queueSeconds?: number;
}

export async function handlePredict(ctx: PredictContext, req: IncomingMessage, res: ServerResponse,
  outcome: PredictOutcome = { nonfinitePredictions: 0 }): Promise<void> {
  const { model, telemetry } = ctx;
  const reply = (status: number, value: unknown) => sendJson(res, status, value, ctx.closing());
  const body = await readBody(req, ctx.maxBodyBytes);
  if (!body.ok) {
    res.setHeader('Connection', 'close');
    return reply(body.status, { error: body.message });
  }
  let json: unknown;
  try {
    json = JSON.parse(body.text);
  } catch (error) {
    return reply(400, { error: `body is not valid JSON: ${(error as Error).message}` });
  }
  const parsed = parsePredictRequest(json, { inputSize: model.inputSize, classes: model.classes, maxBatch: ctx.maxBatch });
  if (!parsed.ok) return reply(400, { error: parsed.message });
  if (ctx.faults.failRequest()) return reply(500, { error: 'injected fault (FAULT_ERROR_FRACTION)' });
  const delayStarted = performance.now();
  await ctx.faults.delay();
  outcome.queueSeconds = (performance.now() - delayStarted) / 1000;

  const { rows, inputs, labels } = parsed.request;
  ctx.faults.corrupt(inputs, rows, model.inputSize);
  const observe = telemetry.sampleRequest()
    ? (layer: string, pre: Float64Array, post: Float64Array) => { telemetry.observeLayer(layer, pre, post); }
    : undefined;
  const computeStarted = performance.now();
  const prediction = predict(model, inputs, rows, observe);
  const computeSeconds = (performance.now() - computeStarted) / 1000;

  let labelled = 0;
  let correct = 0;
  if (labels) {
    for (let r = 0; r < rows; r++) {
      const label = labels[r];
      if (label === null || label === undefined) continue;
      labelled++;
      if (prediction.classes[r] === label) correct++;
    }
  }
  telemetry.recordPredictions({ rows, labelled, correct, nonfinite: prediction.nonfinite });
  if (labels && labelled > 0) {
    const bins = emptyCalibrationBins();
    tallyCalibration(bins, prediction.probabilities, prediction.classes, labels, model.classes);
    telemetry.recordCalibration(bins);
  }
  outcome.nonfinitePredictions = prediction.nonfinite;
  outcome.rows = rows;
  outcome.computeSeconds = computeSeconds;

  const k = model.classes;
  const probabilities: (number | null)[][] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    probabilities[r] = Array.from(prediction.probabilities.subarray(r * k, (r + 1) * k), (p) => (Number.isFinite(p) ? p : null));
  }
  const response: PredictResponse = { variant: model.activation, classes: prediction.classes, probabilities };
  reply(200, response);
}
