import { describe, expect, it } from '@jest/globals';
import { parseConfig } from './config.ts';
import { DEFAULT_MODEL_DIR } from './weights.ts';

describe('server configuration', () => {
  it('reads the variant from ACTIVATION and defaults everything else', () => {
    expect(parseConfig({ ACTIVATION: 'gelu' })).toEqual({
      ok: true,
      config: {
        variant: 'gelu', variantEnv: 'ACTIVATION', host: '0.0.0.0', port: 8080, modelDir: DEFAULT_MODEL_DIR,
        sampleRate: 0.1, maxBatch: 256, maxBodyBytes: 1048576, warmupIterations: 50, shutdownTimeoutMs: 10000,
        logLevel: 'info', faults: { latencyMs: 0, errorFraction: 0, nanFraction: 0, inputScale: 1 },
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

  it.each([
    ['PORT', '70000'], ['PORT', 'eighty'], ['TELEMETRY_SAMPLE_RATE', '1.5'], ['FAULT_NAN_FRACTION', '-0.1'],
    ['MAX_BATCH', '0'], ['FAULT_INPUT_SCALE', 'Infinity'], ['LOG_LEVEL', 'loud'],
  ])('names the variable in the error when %s=%s', (variable, value) => {
    const result = parseConfig({ ACTIVATION: 'relu', [variable]: value });
    expect(!result.ok && result.error).toMatchObject({ code: 'InvalidSetting', variable, message: expect.stringContaining(`${variable}=`) });
  });
});
