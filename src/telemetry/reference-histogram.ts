/**
 * The reference activation histogram: what each hidden layer's outputs look like on the data the model
 * was trained on, exported once next to the live `activation_value` histogram, under the same buckets,
 * as `activation_reference_value` (labels `variant`, `layer`). It never changes after start, so an SLI
 * reads its current counts, not a rate; the `activationDriftFromReference` built-in measures how far the
 * live histogram of a role has moved from it, which works whatever activation the role serves (against
 * stable, a different activation differs by design). A server computes it from its unfaulted float model
 * on its training data at start, as a model would ship it with its weights.
 */
import type { Registry } from 'prom-client';
import { VALUE_BUCKETS } from './activation-telemetry.ts';
import { BulkHistogram } from './bulk-histogram.ts';
import { tallyLayer } from './layer-stats.ts';

export const REFERENCE_METRIC = 'activation_reference_value';

export interface ReferenceHistogram {
  /** Adds a layer's finite outputs (rows × units) to its reference counts. */
  observe(layer: string, outputs: ArrayLike<number>): void;
}

/** Registers `activation_reference_value` in `registry` for `variant`; fill it with observe() before serving. */
export function createReferenceHistogram(options: { registry: Registry; variant: string; buckets?: readonly number[] }): ReferenceHistogram {
  const histogram = new BulkHistogram({
    name: REFERENCE_METRIC, help: 'Finite activation outputs of every hidden unit on the reference (training) data, counted once at start.',
    labelNames: ['variant', 'layer'], buckets: options.buckets ?? VALUE_BUCKETS, registers: [options.registry],
  });
  return {
    observe(layer, outputs) {
      tallyLayer(outputs, outputs, {}, histogram.series({ variant: options.variant, layer }));
    },
  };
}
