/**
 * Metrics under the exact names of other servers, computed from this server's own work, so the
 * operator's `triton` and `dcgm` SLI profiles can be tested against a real exporter here, where neither
 * NVIDIA Triton nor dcgm-exporter can run (no GPU; C++ and cgo). EMULATE_METRICS=triton,dcgm turns them
 * on. They are an emulation, and say so in their help text:
 *
 * - triton: Triton's per-model request metrics (docs/user_guide/metrics.md of triton-inference-server,
 *   r24.04): nv_inference_request_success, nv_inference_request_failure, nv_inference_count,
 *   nv_inference_exec_count, the cumulative nv_inference_request_duration_us,
 *   nv_inference_queue_duration_us and nv_inference_compute_infer_duration_us (microseconds, per
 *   successful request, as Triton counts them), the nv_inference_request_summary_us summary (Triton's
 *   `--metrics-config summary_latencies=true`), with Triton's labels `model` (here the activation) and
 *   `version` ("1"); and its GPU gauges nv_gpu_utilization (0–1) and nv_gpu_memory_used_bytes /
 *   nv_gpu_memory_total_bytes with `gpu_uuid`. The "queue" time is the injected FAULT_LATENCY_MS wait.
 * - dcgm: dcgm-exporter's DCGM_FI_DEV_GPU_UTIL (percent), DCGM_FI_DEV_FB_USED and DCGM_FI_DEV_FB_FREE
 *   (MiB) with its labels gpu, UUID, device, modelName, Hostname and, as its Kubernetes pod mapping adds
 *   them, namespace, pod and container (from POD_NAMESPACE and POD_NAME).
 *
 * The emulated GPU: its utilization is the share of wall time spent in forward passes since the
 * previous scrape; its memory in use is the process' resident memory (so FAULT_MEMORY_MB shows there
 * too), out of a 16 GiB device.
 */
import { hostname } from 'node:os';
import { Counter, Gauge, Summary, type Registry } from 'prom-client';
import type { Emulation } from './config.ts';
import type { PredictOutcome } from './predict.ts';

export const EMULATED_GPU = { uuid: 'GPU-00000000-0000-0000-0000-000000000000', modelName: 'Emulated GPU (activation-canary variant server)', totalBytes: 16 * 2 ** 30 };

export interface EmulatedMetricsOptions {
  registry: Registry;
  emulate: readonly Emulation[];
  /** Triton's `model` label. */
  modelName: string;
  podName: string;
  podNamespace: string;
  /** The process' resident memory in bytes, read at each scrape. */
  residentBytes?: () => number;
  /** Monotonic seconds (performance.now() / 1000 by default), for the utilization window. */
  nowSeconds?: () => number;
}

export interface EmulatedMetrics {
  /** Counts one finished predict request by its HTTP status, end-to-end seconds and what predicting it took. */
  recordRequest(status: number, seconds: number, outcome: PredictOutcome): void;
}

/** Registers the emulated metrics in the registry; a no-op recorder when nothing is emulated. */
export function createEmulatedMetrics(options: EmulatedMetricsOptions): EmulatedMetrics {
  const { registry, emulate } = options;
  if (emulate.length === 0) return { recordRequest: () => undefined };
  const registers = [registry];
  const residentBytes = options.residentBytes ?? (() => process.memoryUsage.rss());
  const nowSeconds = options.nowSeconds ?? (() => performance.now() / 1000);

  // Busy time of the forward pass, and the share of wall time it took between two reads, per reader.
  let busySeconds = 0;
  const utilization = () => {
    let last = { at: nowSeconds(), busy: busySeconds };
    return () => {
      const now = { at: nowSeconds(), busy: busySeconds };
      const share = now.at > last.at ? Math.min(1, (now.busy - last.busy) / (now.at - last.at)) : 0;
      last = now;
      return share;
    };
  };

  const emulated = '(emulated by the activation-canary variant server)';
  let triton: ((status: number, seconds: number, outcome: PredictOutcome) => void) | undefined;
  if (emulate.includes('triton')) {
    const model = { model: options.modelName, version: '1' };
    const counter = (name: string, help: string) => {
      const c = new Counter({ name, help: `${help} ${emulated}`, labelNames: ['model', 'version'], registers });
      const series = c.labels(model);
      series.inc(0);
      return series;
    };
    const success = counter('nv_inference_request_success', 'Number of successful inference requests, all batch sizes');
    const failure = counter('nv_inference_request_failure', 'Number of failed inference requests, all batch sizes');
    const inferences = counter('nv_inference_count', 'Number of inferences performed (does not include cached requests)');
    const executions = counter('nv_inference_exec_count', 'Number of model executions performed (does not include cached requests)');
    const duration = counter('nv_inference_request_duration_us', 'Cumulative inference request duration in microseconds (includes cached requests)');
    const queue = counter('nv_inference_queue_duration_us', 'Cumulative inference queuing duration in microseconds (includes cached requests)');
    const compute = counter('nv_inference_compute_infer_duration_us', 'Cumulative compute inference duration in microseconds (does not include cached requests)');
    const summary = new Summary({
      name: 'nv_inference_request_summary_us', help: `Summary of inference request duration in microseconds (includes cached requests) ${emulated}`,
      labelNames: ['model', 'version'], percentiles: [0.5, 0.9, 0.95, 0.99, 0.999], maxAgeSeconds: 60, ageBuckets: 5, registers,
    });
    const tritonUtilization = utilization();
    const gpu = { gpu_uuid: EMULATED_GPU.uuid };
    new Gauge({ name: 'nv_gpu_utilization', help: `GPU utilization rate [0.0 - 1.0) ${emulated}`, labelNames: ['gpu_uuid'], registers,
      collect() { this.set(gpu, tritonUtilization()); } });
    new Gauge({ name: 'nv_gpu_memory_used_bytes', help: `GPU used memory, in bytes ${emulated}`, labelNames: ['gpu_uuid'], registers,
      collect() { this.set(gpu, residentBytes()); } });
    new Gauge({ name: 'nv_gpu_memory_total_bytes', help: `GPU total memory, in bytes ${emulated}`, labelNames: ['gpu_uuid'], registers,
      collect() { this.set(gpu, EMULATED_GPU.totalBytes); } });
    triton = (status, seconds, outcome) => {
      if (status < 200 || status > 299) {
        failure.inc();
        return;
      }
      success.inc();
      executions.inc();
      inferences.inc(outcome.rows ?? 0);
      duration.inc(seconds * 1e6);
      queue.inc((outcome.queueSeconds ?? 0) * 1e6);
      compute.inc((outcome.computeSeconds ?? 0) * 1e6);
      summary.observe(model, seconds * 1e6);
    };
  }

  if (emulate.includes('dcgm')) {
    const labels = {
      gpu: '0', UUID: EMULATED_GPU.uuid, device: 'nvidia0', modelName: EMULATED_GPU.modelName, Hostname: hostname(),
      namespace: options.podNamespace, pod: options.podName, container: 'model',
    };
    const labelNames = Object.keys(labels);
    const dcgmUtilization = utilization();
    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    new Gauge({ name: 'DCGM_FI_DEV_GPU_UTIL', help: `GPU utilization (in %). ${emulated}`, labelNames, registers,
      collect() { this.set(labels, Math.round(100 * dcgmUtilization())); } });
    new Gauge({ name: 'DCGM_FI_DEV_FB_USED', help: `Framebuffer memory used (in MiB). ${emulated}`, labelNames, registers,
      collect() { this.set(labels, mib(residentBytes())); } });
    new Gauge({ name: 'DCGM_FI_DEV_FB_FREE', help: `Framebuffer memory free (in MiB). ${emulated}`, labelNames, registers,
      collect() { this.set(labels, Math.max(0, mib(EMULATED_GPU.totalBytes - residentBytes()))); } });
  }

  return {
    recordRequest(status, seconds, outcome) {
      busySeconds += outcome.computeSeconds ?? 0;
      triton?.(status, seconds, outcome);
    },
  };
}
