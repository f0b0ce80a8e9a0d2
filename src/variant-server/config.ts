/**
 * The variant server's configuration, all from environment variables (what a Deployment sets): which
 * variant to serve (from the variable VARIANT_ENV names, ACTIVATION by default) and whether its float
 * or int8 flavour, where to listen, telemetry sampling, request limits, which other servers' metric
 * names to emulate, and the fault knobs. Validated with zod; a bad value, or an
 * unknown variant, is reported as one typed error whose message names the variable and what it accepts.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { ACTIVATION_NAMES, isActivationName, type ActivationName } from '../telemetry/activations.ts';
import { DEFAULT_SAMPLE_RATE } from '../telemetry/activation-telemetry.ts';
import { DEFAULT_MODEL_DIR } from './weights.ts';

export interface Faults {
  /** Added to every predict request before it is answered. */
  latencyMs: number;
  /** Fraction of predict requests answered 500 without predicting. */
  errorFraction: number;
  /** Fraction of rows whose inputs become NaN after validation, so NaN flows through every layer. */
  nanFraction: number;
  /** Multiplies every input value; large values drive units into saturation. */
  inputScale: number;
  /** Added to every hidden pre-activation (a drifted bias): the activation histograms move. */
  activationShift: number;
  /** Multiplies the logits before the softmax: above 1 over-confident, below 1 under-confident. */
  logitScale: number;
  /** Multiplies the int8 flavour's calibrated activation scales (only with QUANTIZATION=int8). */
  quantScale: number;
  /** MiB allocated, written and held at start, so the process' resident memory grows by about that much. */
  memoryMb: number;
}

/** The model's numeric flavour: the float64 weights as trained, or their int8 quantization (quantize.ts). */
export type Quantization = 'none' | 'int8';

/** Other servers' metric names the server can also export, computed from its own work (emulated-metrics.ts). */
export const EMULATIONS = ['triton', 'dcgm'] as const;
export type Emulation = (typeof EMULATIONS)[number];

export interface ServerConfig {
  variant: ActivationName;
  /** The environment variable the variant was read from. */
  variantEnv: string;
  quantization: Quantization;
  host: string;
  port: number;
  modelDir: string;
  sampleRate: number;
  maxBatch: number;
  maxBodyBytes: number;
  warmupIterations: number;
  shutdownTimeoutMs: number;
  logLevel: string;
  /** Metric names of other servers to emulate (EMULATE_METRICS), none by default. */
  emulate: Emulation[];
  /** The pod's name and namespace (POD_NAME, POD_NAMESPACE: the downward API), for the emulated dcgm-exporter labels. */
  podName: string;
  podNamespace: string;
  faults: Faults;
}

export type ConfigError =
  | { code: 'MissingVariant'; message: string }
  | { code: 'UnknownVariant'; message: string; variant: string; known: readonly string[] }
  | { code: 'InvalidSetting'; message: string; variable: string };

export type ConfigResult = { ok: true; config: ServerConfig } | { ok: false; error: ConfigError };

const fraction = z.coerce.number().min(0).max(1);
const finiteNumber = z.coerce.number().refine(Number.isFinite, 'must be a finite number');
const positive = z.coerce.number().refine((v) => Number.isFinite(v) && v > 0, 'must be a finite number above 0');
const emulations = z.string().transform((text, ctx) => {
  const names = text.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const unknown = names.filter((n) => !(EMULATIONS as readonly string[]).includes(n));
  if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown ${unknown.join(', ')}; a comma-separated list of ${EMULATIONS.join(', ')}` });
  return [...new Set(names)] as Emulation[];
});
const schema = z.object({
  QUANTIZATION: z.enum(['none', 'int8']).default('none'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  MODEL_DIR: z.string().min(1).default(DEFAULT_MODEL_DIR),
  TELEMETRY_SAMPLE_RATE: fraction.default(DEFAULT_SAMPLE_RATE),
  MAX_BATCH: z.coerce.number().int().min(1).max(100_000).default(256),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  WARMUP_ITERATIONS: z.coerce.number().int().min(0).default(50),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  FAULT_LATENCY_MS: z.coerce.number().min(0).max(600_000).default(0),
  FAULT_ERROR_FRACTION: fraction.default(0),
  FAULT_NAN_FRACTION: fraction.default(0),
  FAULT_INPUT_SCALE: finiteNumber.default(1),
  FAULT_ACTIVATION_SHIFT: finiteNumber.default(0),
  FAULT_LOGIT_SCALE: positive.default(1),
  FAULT_QUANT_SCALE: positive.default(1),
  FAULT_MEMORY_MB: z.coerce.number().int().min(0).max(65_536).default(0),
  EMULATE_METRICS: emulations.default([]),
  POD_NAME: z.string().min(1).optional(),
  POD_NAMESPACE: z.string().min(1).default('default'),
});

/** Reads the configuration from an environment (process.env in main, a plain object in tests). */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const variantEnv = env.VARIANT_ENV || 'ACTIVATION';
  const known = ACTIVATION_NAMES.join(', ');
  const variant = env[variantEnv];
  if (variant === undefined || variant === '') {
    return { ok: false, error: { code: 'MissingVariant', message: `${variantEnv} is not set; set it to one of: ${known}` } };
  }
  if (!isActivationName(variant)) {
    return {
      ok: false,
      error: {
        code: 'UnknownVariant', variant, known: ACTIVATION_NAMES,
        message: `unknown variant ${JSON.stringify(variant)} in ${variantEnv}; known variants: ${known}`,
      },
    };
  }
  const present = Object.fromEntries(Object.keys(schema.shape).flatMap((key) => (env[key] ? [[key, env[key]]] : [])));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    return {
      ok: false,
      error: { code: 'InvalidSetting', variable, message: `${variable}=${JSON.stringify(env[variable])}: ${issue.message}` },
    };
  }
  const e = parsed.data;
  if (e.FAULT_QUANT_SCALE !== 1 && e.QUANTIZATION !== 'int8') {
    return { ok: false, error: { code: 'InvalidSetting', variable: 'FAULT_QUANT_SCALE',
      message: `FAULT_QUANT_SCALE=${JSON.stringify(env.FAULT_QUANT_SCALE)}: only applies to the int8 flavour; set QUANTIZATION=int8 too, or unset it` } };
  }
  return {
    ok: true,
    config: {
      variant, variantEnv, quantization: e.QUANTIZATION, host: e.HOST, port: e.PORT, modelDir: e.MODEL_DIR, sampleRate: e.TELEMETRY_SAMPLE_RATE,
      maxBatch: e.MAX_BATCH, maxBodyBytes: e.MAX_BODY_BYTES, warmupIterations: e.WARMUP_ITERATIONS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS, logLevel: e.LOG_LEVEL,
      emulate: e.EMULATE_METRICS, podName: e.POD_NAME ?? hostname(), podNamespace: e.POD_NAMESPACE,
      faults: {
        latencyMs: e.FAULT_LATENCY_MS, errorFraction: e.FAULT_ERROR_FRACTION,
        nanFraction: e.FAULT_NAN_FRACTION, inputScale: e.FAULT_INPUT_SCALE,
        activationShift: e.FAULT_ACTIVATION_SHIFT, logitScale: e.FAULT_LOGIT_SCALE,
        quantScale: e.FAULT_QUANT_SCALE, memoryMb: e.FAULT_MEMORY_MB,
      },
    },
  };
}
