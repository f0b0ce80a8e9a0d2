/**
 * A Prometheus histogram whose series are updated in bulk, registered in a prom-client Registry.
 * prom-client's Histogram validates and hashes labels on every observe(), which costs about a
 * microsecond per value; activation telemetry adds thousands of unit values per sampled request, so
 * it counts them into typed arrays (layer-stats.ts) and this metric only formats them at scrape time.
 * It implements the part of prom-client's metric contract the Registry uses: name, help, type,
 * aggregator, get() and reset().
 */
import type { Metric, Registry } from 'prom-client';
import { padBounds, type BucketCounts } from './layer-stats.ts';

export interface BulkHistogramConfig {
  name: string;
  help: string;
  labelNames: readonly string[];
  buckets: readonly number[];
  registers: readonly Registry[];
}

interface Series extends BucketCounts {
  readonly labels: Readonly<Record<string, string>>;
}

export class BulkHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames: readonly string[];
  /** The real bucket bounds, ascending. */
  readonly bounds: Float64Array;
  readonly #searchBounds: Float64Array;
  readonly #series = new Map<string, Series>();

  constructor(config: BulkHistogramConfig) {
    const sorted = [...config.buckets].sort((a, b) => a - b);
    if (sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) {
      throw new Error(`${config.name}: buckets must be finite and distinct`);
    }
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.bounds = Float64Array.from(sorted);
    this.#searchBounds = padBounds(sorted);
    // The Registry only reads the members above; the cast is the price of not being one of its four classes.
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The bucket counts of one label set, created at zero on first use; update them in place. */
  series(labels: Readonly<Record<string, string>>): BucketCounts {
    const key = this.labelNames.map((name) => labels[name] ?? '').join('\u0000');
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: { ...labels }, bounds: this.#searchBounds, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    return series;
  }

  /** prom-client's metric shape: cumulative _bucket values with le, then _sum and _count, per series. */
  async get() {
    const bucketName = `${this.name}_bucket`;
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({ labels: { ...series.labels, le: bound }, value: cumulative, metricName: bucketName });
      });
      values.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: bucketName });
      values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...series.labels }, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Zeroes every series (Registry.resetMetrics). */
  reset(): void {
    for (const series of this.#series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
