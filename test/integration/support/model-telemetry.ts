/**
 * Telemetry shaped like the reference model server's (the metric names and labels the built-in SLIs
 * query, see docs/metrics.md), produced at a steady rate per (model, role) from a profile a test sets:
 * how many requests per tick and rows per request, which fraction fail or have non-finite predictions
 * (and whether those are the failing ones), their latency, how many activation units saturate or are
 * zero, how accurate labelled predictions are. Exposed through a prom-client
 * Registry that a real Prometheus scrapes; nothing here pretends to be Prometheus. By default every
 * series carries the target labels itself; with `{ targetLabels: false }` it carries none of them, as a
 * real server's series do, and Prometheus attaches them from the scrape target (one registry per pod).
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface TrafficProfile {
  requestsPerTick: number;
  /** Fraction of requests answered 500. */
  errorFraction: number;
  latencySeconds: number;
  /** Fraction of requests whose every row is non-finite. */
  nonFiniteFraction: number;
  saturatedFraction: number;
  zeroFraction: number;
  accuracy: number;
  /** Rows (predictions) per request; default 1. */
  rowsPerRequest?: number;
  /**
   * Which requests have the non-finite rows: 'ok' (default) those answered 200 first, as the reference
   * server answers a NaN row (class null); 'errors' those answered 500 first, as a server that predicts
   * and then refuses a NaN output. Either way every request's rows are counted as predictions, and only
   * a 200 with a non-finite row counts in inference_nonfinite_requests_total.
   */
  nonFiniteAmong?: 'ok' | 'errors';
}

export const HEALTHY: TrafficProfile = {
  requestsPerTick: 10, errorFraction: 0, latencySeconds: 0.08, nonFiniteFraction: 0, saturatedFraction: 0.01, zeroFraction: 0.02, accuracy: 0.95,
};

/** The target labels every series of one role of one ModelVariant carries. */
export interface RoleLabels {
  namespace: string;
  model: string;
  role: 'stable' | 'canary';
  variant: string;
  pod: string;
}

const UNITS_PER_PREDICTION = 64;
const LAYERS = ['fc1', 'fc2'];

export interface TelemetryOptions {
  /** Whether the series carry the RoleLabels themselves (default true); false leaves them to the scrape target. */
  targetLabels?: boolean;
}

export function modelTelemetry(registry: Registry, options: TelemetryOptions = {}) {
  const withTargetLabels = options.targetLabels ?? true;
  const target = withTargetLabels ? (['namespace', 'model', 'role', 'variant', 'pod'] as const) : [];
  /** The labels a series of this role carries. */
  const own = (labels: RoleLabels): Record<string, string> => (withTargetLabels ? { ...labels } : {});
  const counter = (name: string, extra: string[] = []) => new Counter({ name, help: name, labelNames: [...target, ...extra], registers: [registry] });
  const requests = counter('inference_requests_total', ['code']);
  const predictions = counter('inference_predictions_total');
  const nonFinite = counter('inference_nonfinite_predictions_total');
  const nonFiniteRequests = counter('inference_nonfinite_requests_total');
  const labelled = counter('inference_labelled_predictions_total');
  const correct = counter('inference_correct_predictions_total');
  const observed = counter('activation_units_observed_total', ['layer']);
  const saturated = counter('activation_saturated_units_total', ['layer']);
  const zero = counter('activation_zero_units_total', ['layer']);
  const duration = new Histogram({
    name: 'inference_request_duration_seconds', help: 'request latency', labelNames: [...target],
    buckets: [0.05, 0.1, 0.15, 0.25, 0.5, 1], registers: [registry],
  });
  const serving = new Map<string, { labels: RoleLabels; profile: TrafficProfile }>();

  /** Adds `n` to a counter only when n > 0, so a kind of event that never happens has no series (as with a real server). */
  const add = (c: Counter, labels: Record<string, string>, n: number) => { if (n > 0) c.inc(labels, n); };

  return {
    /** Starts (or changes) the traffic of one role. */
    serve(labels: RoleLabels, profile: TrafficProfile) {
      serving.set(JSON.stringify(labels), { labels, profile });
    },
    /** Creates the series of a role at 0 without ever increasing them (a server with no traffic). */
    idle(labels: RoleLabels) {
      const l = own(labels);
      requests.inc({ ...l, code: '200' }, 0);
      predictions.inc(l, 0);
      for (const layer of LAYERS) observed.inc({ ...l, layer }, 0);
    },
    /** One tick of traffic for every serving role. */
    tick() {
      for (const { labels, profile: p } of serving.values()) {
        const l = own(labels);
        const n = p.requestsPerTick;
        const rows = p.rowsPerRequest ?? 1;
        const failed = n * p.errorFraction;
        const ok = n - failed;
        const nonFiniteAll = n * p.nonFiniteFraction;
        const nonFiniteFailed = p.nonFiniteAmong === 'errors' ? Math.min(nonFiniteAll, failed) : Math.max(0, nonFiniteAll - ok);
        add(requests, { ...l, code: '500' }, failed);
        add(requests, { ...l, code: '200' }, ok);
        for (let i = 0; i < n; i++) duration.observe(l, p.latencySeconds);
        add(predictions, l, n * rows);
        add(nonFinite, l, nonFiniteAll * rows);
        add(nonFiniteRequests, l, nonFiniteAll - nonFiniteFailed);
        add(labelled, l, n * rows);
        add(correct, l, n * rows * p.accuracy);
        for (const layer of LAYERS) {
          const units = (n * rows * UNITS_PER_PREDICTION) / LAYERS.length;
          add(observed, { ...l, layer }, units);
          add(saturated, { ...l, layer }, units * p.saturatedFraction);
          add(zero, { ...l, layer }, units * p.zeroFraction);
        }
      }
    },
  };
}
