/**
 * The int8 grid of symmetric per-tensor quantization (see quantize.ts): q = clamp(round(x / s), −127, 127).
 * Shared by the quantizer (weights) and the forward pass (layer inputs).
 */

export const INT8_MAX = 127;

/** round(x / scale) clamped to [−127, 127]; NaN stays NaN (it must keep flowing to be reported). */
export function quantizeValue(x: number, scale: number): number {
  return Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.round(x / scale)));
}

/** Replaces every value by its dequantized int8 approximation scale · q, in place. */
export function fakeQuantize(values: Float64Array, scale: number): void {
  for (let i = 0; i < values.length; i++) values[i] = quantizeValue(values[i]!, scale) * scale;
}
