/**
 * The int8 grid of symmetric per-tensor quantization (see quantize.ts): q = clamp(round(x / s), −127, 127).
 * Shared by the quantizer and the forward pass.
 */

export const INT8_MAX = 127;

/** round(x / scale) clamped to [−127, 127]; NaN stays NaN (it must keep flowing to be reported). */
export function quantizeValue(x: number, scale: number): number {
  return Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.round(x / scale)));
}
