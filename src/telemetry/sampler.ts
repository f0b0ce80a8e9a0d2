/**
 * Which requests get their activations observed. The sampler is a stride, not a coin: at rate r it
 * picks request n exactly when floor(n·r) steps up, so over any run of requests the observed fraction
 * is r to within one request, the choice is reproducible in tests, and there is no random source to
 * inject. Rate 0 observes nothing, rate 1 everything.
 */

export interface Sampler {
  readonly rate: number;
  /** Whether to observe the next request. */
  next(): boolean;
}

/** A stride sampler; throws on a rate outside [0, 1]. */
export function createSampler(rate: number): Sampler {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`sample rate must be between 0 and 1, got ${rate}`);
  let seen = 0;
  return {
    rate,
    next() {
      seen++;
      return Math.floor(seen * rate) > Math.floor((seen - 1) * rate);
    },
  };
}
