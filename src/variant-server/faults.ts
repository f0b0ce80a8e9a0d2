/**
 * The per-request fault knobs for tests and demos (FAULT_* variables, all off by default): added
 * latency, a fraction of requests answered 500, a fraction of rows turned to NaN, and an input scale
 * that drives units into saturation. (The knobs that change the model are applied once at load, in
 * model-faults.ts; FAULT_MEMORY_MB in server.ts.) Fractions are applied as an even stride rather than a coin, so a test that
 * sends 100 rows at FAULT_NAN_FRACTION=0.1 gets exactly 10 NaN rows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createSampler } from '../telemetry/sampler.ts';
import type { Faults } from './config.ts';

export interface FaultInjector {
  /** True when any knob is set (logged at start so a faulty pod is never a surprise). */
  readonly active: boolean;
  /** Whether to answer this request with an injected 500. */
  failRequest(): boolean;
  /** Waits the injected latency, if any. */
  delay(): Promise<void>;
  /** Scales the batch's inputs and turns the chosen rows to NaN, in place. */
  corrupt(inputs: Float64Array, rows: number, width: number): void;
}

export function createFaultInjector(faults: Faults): FaultInjector {
  const errors = createSampler(faults.errorFraction);
  const nanRows = createSampler(faults.nanFraction);
  const active = faults.latencyMs > 0 || faults.errorFraction > 0 || faults.nanFraction > 0 || faults.inputScale !== 1
    || faults.activationShift !== 0 || faults.logitScale !== 1 || faults.quantScale !== 1 || faults.memoryMb > 0;
  return {
    active,
    failRequest: () => faults.errorFraction > 0 && errors.next(),
    delay: async () => { if (faults.latencyMs > 0) await sleep(faults.latencyMs); },
    corrupt(inputs, rows, width) {
      if (faults.inputScale !== 1) for (let i = 0; i < inputs.length; i++) inputs[i] = inputs[i]! * faults.inputScale;
      if (faults.nanFraction > 0) {
        for (let r = 0; r < rows; r++) if (nanRows.next()) inputs.fill(Number.NaN, r * width, (r + 1) * width);
      }
    },
  };
}
