/**
 * The operator's requests to the apiserver under client-go's REST client names, labels and buckets
 * (k8s.io/component-base metrics/prometheus/restclient): `rest_client_requests_total{code,method,host}`,
 * `rest_client_rate_limiter_duration_seconds{verb,host}` (the wait for a token of the client-side rate
 * limit, `--kube-api-qps` / `--kube-api-burst`) and `rest_client_request_duration_seconds{verb,host}`.
 * Fed by the request gate (src/kube/request-gate.ts) that every client of the operator passes.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RequestMetrics } from '../kube/request-gate.ts';

/** client-go's buckets for the rate limiter's and the requests' latency, in seconds. */
export const REST_CLIENT_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

/** Registers the three series in `registry` and returns the gate's hooks that feed them. */
export function restClientMetrics(registry: Registry): RequestMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: 'rest_client_requests_total', help: 'Number of HTTP requests, partitioned by status code, method, and host.',
    labelNames: ['code', 'method', 'host'] as const, registers,
  });
  const rateLimiter = new Histogram({
    name: 'rest_client_rate_limiter_duration_seconds', help: 'Client side rate limiter latency in seconds. Broken down by verb, and host.',
    labelNames: ['verb', 'host'] as const, registers, buckets: REST_CLIENT_BUCKETS,
  });
  const latency = new Histogram({
    name: 'rest_client_request_duration_seconds', help: 'Request latency in seconds. Broken down by verb, and host.',
    labelNames: ['verb', 'host'] as const, registers, buckets: REST_CLIENT_BUCKETS,
  });
  return {
    waited: (verb, host, seconds) => rateLimiter.observe({ verb, host }, seconds),
    completed: (code, method, host, seconds) => {
      requests.inc({ code, method, host });
      latency.observe({ verb: method, host }, seconds);
    },
  };
}
