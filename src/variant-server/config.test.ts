import { describe, expect, it } from '@jest/globals';
import { parseConfig } from './config.ts';
import { DEFAULT_MODEL_DIR } from './weights.ts';

describe('server configuration', () => {
  it('reads the variant from ACTIVATION and defaults everything else', () => {
    expect(parseConfig({ ACTIVATION: 'gelu', POD_NAME: 'gelu-0' })).toEqual({
      ok: true,
      config: {
        variant: 'gelu', variantEnv: 'ACTIVATION', quantization: 'none', host: '0.0.0.0', port: 8080, modelDir: DEFAULT_MODEL_DIR,
        sampleRate: 0.1, maxBatch: 256, maxBodyBytes: 1048576, warmupIterations: 50, shutdownTimeoutMs: 10000,
        logLevel: 'info', emulate: [], podName: 'gelu-0', podNamespace: 'default',
        faults: {
          latencyMs: 0, errorFraction: 0, nanFraction: 0, inputScale: 1, activationShift: 0, logitScale: 1, quantScale: 1, memoryMb: 0,
        },
      },
    });
  });

  it('reads the variant from the variable VARIANT_ENV names', () => {
    const result = parseConfig({ VARIANT_ENV: 'MODEL_ACTIVATION', MODEL_ACTIVATION: 'tanh', ACTIVATION: 'relu' });
    expect(result.ok && result.config.variant).toBe('tanh');
    expect(result.ok && result.config.variantEnv).toBe('MODEL_ACTIVATION');
  });

  it('refuses an unknown variant with a message listing the known ones', () => {
    const result = parseConfig({ ACTIVATION: 'swish' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('UnknownVariant');
    expect(result.error.message).toBe('unknown variant "swish" in ACTIVATION; known variants: ' +
      'relu, leaky_relu, elu, selu, gelu, gelu_tanh, silu, mish, softplus, sigmoid, tanh');
  });

  it('says which variable to set when the variant is missing', () => {
    const result = parseConfig({ VARIANT_ENV: 'ACT' });
    expect(!result.ok && result.error).toMatchObject({ code: 'MissingVariant', message: expect.stringContaining('ACT is not set') });
  });

  it('takes the port, host, sample rate and fault knobs from the environment', () => {
    const result = parseConfig({
      ACTIVATION: 'relu', PORT: '0', HOST: '127.0.0.1', TELEMETRY_SAMPLE_RATE: '0',
      FAULT_LATENCY_MS: '250', FAULT_ERROR_FRACTION: '0.5', FAULT_NAN_FRACTION: '0.25', FAULT_INPUT_SCALE: '-20',
    });
    expect(result.ok && result.config).toMatchObject({
      port: 0, host: '127.0.0.1', sampleRate: 0,
      faults: { latencyMs: 250, errorFraction: 0.5, nanFraction: 0.25, inputScale: -20 },
    });
  });

  it('takes the int8 flavour, the model fault knobs and the metric emulations from the environment', () => {
    const result = parseConfig({
      ACTIVATION: 'relu', QUANTIZATION: 'int8', FAULT_QUANT_SCALE: '0.1', FAULT_ACTIVATION_SHIFT: '-0.5',
      FAULT_LOGIT_SCALE: '10', FAULT_MEMORY_MB: '64', EMULATE_METRICS: 'dcgm, triton,dcgm', POD_NAMESPACE: 'ml',
    });
    expect(result.ok && result.config).toMatchObject({
      quantization: 'int8', emulate: ['dcgm', 'triton'], podNamespace: 'ml',
      faults: { quantScale: 0.1, activationShift: -0.5, logitScale: 10, memoryMb: 64 },
    });
  });

  it('refuses FAULT_QUANT_SCALE on the float model, saying to set QUANTIZATION=int8', () => {
    const result = parseConfig({ ACTIVATION: 'relu', FAULT_QUANT_SCALE: '0.1' });
    expect(!result.ok && result.error).toMatchObject({
      code: 'InvalidSetting', variable: 'FAULT_QUANT_SCALE', message: expect.stringContaining('set QUANTIZATION=int8'),
    });
  });

  it.each([
    ['QUANTIZATION', 'int4'], ['FAULT_LOGIT_SCALE', '0'], ['FAULT_LOGIT_SCALE', '-1'], ['FAULT_MEMORY_MB', '1.5'],
    ['EMULATE_METRICS', 'triton,vllm'], ['FAULT_ACTIVATION_SHIFT', 'NaN'],
    ['PORT', '70000'], ['PORT', 'eighty'], ['TELEMETRY_SAMPLE_RATE', '1.5'], ['FAULT_NAN_FRACTION', '-0.1'],
    ['MAX_BATCH', '0'], ['FAULT_INPUT_SCALE', 'Infinity'], ['LOG_LEVEL', 'loud'],
  ])('names the variable in the error when %s=%s', (variable, value) => {
    const result = parseConfig({ ACTIVATION: 'relu', [variable]: value });
    expect(!result.ok && result.error).toMatchObject({ code: 'InvalidSetting', variable, message: expect.stringContaining(`${variable}=`) });
  });
});
