/**
 * The weights file of one variant (models/weights/<activation>.json): its format, a validating
 * parser that turns it into an Mlp, and a writer that keeps the file small and diff-friendly (six
 * significant digits, one weight row per line). The file also records how it was trained and the
 * held-out accuracy measured on exactly the rounded weights it holds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isActivationName, type ActivationName } from '../telemetry/activations.ts';
import type { Mlp } from './mlp.ts';

export const WEIGHTS_FORMAT = 'activation-canary.mlp/v1';

/** models/ of this checkout (or of the image, which keeps the same layout). */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../models', import.meta.url));

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const layerSchema = z.object({
  name: z.string(),
  inputs: z.number().int().positive(),
  outputs: z.number().int().positive(),
  bias: z.array(finite),
  weights: z.array(z.array(finite)),
});

const fileSchema = z.object({
  format: z.literal(WEIGHTS_FORMAT),
  activation: z.string().refine(isActivationName, 'unknown activation'),
  inputSize: z.number().int().positive(),
  classes: z.number().int().min(2),
  heldOutAccuracy: z.number().min(0).max(1).optional(),
  training: z.record(z.string(), z.unknown()).optional(),
  layers: z.array(layerSchema).min(2),
});

export type WeightsFile = z.infer<typeof fileSchema>;

export interface LoadedModel {
  model: Mlp;
  heldOutAccuracy?: number;
}

/** Validates a parsed weights file (shapes chain from input to classes) and builds the model. */
export function parseWeights(json: unknown): LoadedModel {
  const file = fileSchema.parse(json);
  let width = file.inputSize;
  file.layers.forEach((layer, l) => {
    const expectedName = l === file.layers.length - 1 ? 'output' : `hidden${l + 1}`;
    const where = `layers[${l}] (${layer.name})`;
    if (layer.name !== expectedName) throw new Error(`weights: ${where} should be named ${expectedName}`);
    if (layer.inputs !== width) throw new Error(`weights: ${where} takes ${layer.inputs} inputs, the layer below gives ${width}`);
    if (layer.bias.length !== layer.outputs || layer.weights.length !== layer.outputs) {
      throw new Error(`weights: ${where} needs ${layer.outputs} bias values and weight rows`);
    }
    if (layer.weights.some((row) => row.length !== layer.inputs)) throw new Error(`weights: ${where} rows need ${layer.inputs} values`);
    width = layer.outputs;
  });
  if (width !== file.classes) throw new Error(`weights: the output layer gives ${width} values for ${file.classes} classes`);
  const model: Mlp = {
    activation: file.activation as ActivationName,
    inputSize: file.inputSize,
    classes: file.classes,
    layers: file.layers.map((layer) => ({
      name: layer.name,
      inputs: layer.inputs,
      outputs: layer.outputs,
      weights: Float64Array.from(layer.weights.flat()),
      bias: Float64Array.from(layer.bias),
    })),
  };
  return file.heldOutAccuracy === undefined ? { model } : { model, heldOutAccuracy: file.heldOutAccuracy };
}

/** The path of a variant's weights under a model directory. */
export function weightsPath(modelDir: string, activation: ActivationName): string {
  return join(modelDir, 'weights', `${activation}.json`);
}

/** Reads and validates a variant's weights; errors name the file. */
export function loadWeights(modelDir: string, activation: ActivationName): LoadedModel {
  const path = weightsPath(modelDir, activation);
  try {
    return parseWeights(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new Error(`cannot load ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Rounds to six significant digits, the precision the files keep. */
export function roundWeight(value: number): number {
  return Number(value.toPrecision(6));
}

/** Rounds every weight and bias of the model in place, so what is measured is what is written. */
export function roundModel(model: Mlp): void {
  for (const layer of model.layers) {
    layer.weights.forEach((v, i) => { layer.weights[i] = roundWeight(v); });
    layer.bias.forEach((v, i) => { layer.bias[i] = roundWeight(v); });
  }
}

/** Serializes a model to the weights file format, one weight row per line. */
export function formatWeights(model: Mlp, meta: { heldOutAccuracy: number; training: Record<string, unknown> }): string {
  const numbers = (values: ArrayLike<number>) => `[${Array.from(values, roundWeight).join(',')}]`;
  const layers = model.layers.map((layer) => {
    const rows = Array.from({ length: layer.outputs }, (_, o) =>
      `        ${numbers(layer.weights.subarray(o * layer.inputs, (o + 1) * layer.inputs))}`);
    return [
      `    {"name":${JSON.stringify(layer.name)},"inputs":${layer.inputs},"outputs":${layer.outputs},`,
      `      "bias":${numbers(layer.bias)},`,
      `      "weights":[\n${rows.join(',\n')}\n      ]}`,
    ].join('\n');
  });
  return [
    '{',
    `  "format":${JSON.stringify(WEIGHTS_FORMAT)},`,
    `  "activation":${JSON.stringify(model.activation)},`,
    `  "inputSize":${model.inputSize},`,
    `  "classes":${model.classes},`,
    `  "heldOutAccuracy":${meta.heldOutAccuracy},`,
    `  "training":${JSON.stringify(meta.training)},`,
    '  "layers":[',
    layers.join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
