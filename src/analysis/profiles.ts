/**
 * SLI profiles: which server's metric names a built-in SLI reads. `reference` (the default) is the
 * reference variant server's telemetry (builtins.ts); `triton` reads NVIDIA Triton Inference Server's
 * `nv_inference_*` and `nv_gpu_*` metrics (triton-inference-server docs/user_guide/metrics.md);
 * `dcgm` reads dcgm-exporter's `DCGM_FI_DEV_*` GPU metrics. A user of those servers gets latency,
 * errors and GPU use by name (`{builtin: latencyMean, profile: triton}`) without writing PromQL.
 *
 * Neither Triton nor dcgm-exporter exports a `variant` label, so these select the role by the target
 * labels `namespace`, `model` and `role` only. Triton's own `model` label (its model repository name)
 * must lose to the target label: scrape Triton with `honor_labels: false` (the default), which renames
 * it `exported_model`. dcgm-exporter runs on each node, so its series name the GPU's pod in its own
 * `namespace` and `pod` labels (or `exported_namespace` and `exported_pod` when scraped with
 * `honor_labels: false`; the queries read either) and are joined to the role's pods through the `up`
 * series of the model pods' own scrape targets.
 */
import { BUILTIN_SLIS, type BuiltinSli } from './builtins.ts';
import type { Result, SpecError } from './errors.ts';

export const SLI_PROFILES = ['reference', 'triton', 'dcgm'] as const;
export type SliProfile = (typeof SLI_PROFILES)[number];

/** The target labels of one role of one ModelVariant, for servers that export no `variant` label. */
export const PROFILE_ROLE_SELECTOR = 'namespace="{{namespace}}",model="{{name}}",role="{{role}}"';
const R = PROFILE_ROLE_SELECTOR;

const sumRate = (metric: string, extra = ''): string => `sum(rate(${metric}{${R}${extra}}[{{window}}]))`;
const sumIncrease = (metric: string): string => `sum(increase(${metric}{${R}}[{{window}}]))`;
/** Triton's requests: successes plus failures (a failure series may appear only with the first failure). */
const tritonRequests = (agg: (m: string) => string): string =>
  `(${agg('nv_inference_request_success')} + (${agg('nv_inference_request_failure')} or vector(0)))`;
/** Mean of a cumulative Triton duration counter (µs) per successful request, in seconds. */
const tritonMeanSeconds = (counter: string): string => `${sumRate(counter)} / ${sumRate('nv_inference_request_success')} / 1e6`;

const requestSamples = { samplesQuery: tritonRequests(sumIncrease), samplesUnit: 'requests' } as const;
const gpuSamples = (metric: string) => ({ samplesQuery: `sum(count_over_time(${metric}{${R}}[{{window}}]))`, samplesUnit: 'GPU samples (scrapes × GPUs)' }) as const;

export const TRITON_SLIS = {
  latencyMean: {
    query: tritonMeanSeconds('nv_inference_request_duration_us'), ...requestSamples, minSamples: 50,
    direction: 'higherIsWorse', unit: 'seconds',
    description: 'mean end-to-end request latency in seconds (nv_inference_request_duration_us / nv_inference_request_success)',
  },
  queueLatencyMean: {
    query: tritonMeanSeconds('nv_inference_queue_duration_us'), ...requestSamples, minSamples: 50,
    direction: 'higherIsWorse', unit: 'seconds',
    description: 'mean time a request waited in the scheduling queue, in seconds (nv_inference_queue_duration_us / nv_inference_request_success)',
  },
  latencyP95: {
    // A summary's quantiles cannot be aggregated across pods: the worst pod's, over Triton's own window.
    query: `max(nv_inference_request_summary_us{${R},quantile="0.95"}) / 1e6`, ...requestSamples, minSamples: 50,
    direction: 'higherIsWorse', unit: 'seconds',
    description: "95th percentile of request latency in seconds, the worst pod's (needs tritonserver --metrics-config summary_latencies=true)",
  },
  errorRate: {
    query: `(${sumRate('nv_inference_request_failure')} or vector(0)) / ${tritonRequests(sumRate)}`, ...requestSamples, minSamples: 100,
    direction: 'higherIsWorse', unit: 'ratio',
    description: 'fraction of inference requests that failed (nv_inference_request_failure over success + failure)',
  },
  gpuUtilization: {
    query: `avg(avg_over_time(nv_gpu_utilization{${R}}[{{window}}]))`, ...gpuSamples('nv_gpu_utilization'), minSamples: 2,
    direction: 'higherIsWorse', unit: 'ratio',
    description: "mean utilization (0–1) of the role's GPUs (nv_gpu_utilization)",
  },
  gpuMemoryUsed: {
    query: `max(sum by (pod) (max_over_time(nv_gpu_memory_used_bytes{${R}}[{{window}}])))`, ...gpuSamples('nv_gpu_memory_used_bytes'), minSamples: 2,
    direction: 'higherIsWorse', unit: 'bytes',
    description: 'GPU memory in use by the busiest pod, in bytes (nv_gpu_memory_used_bytes summed over its GPUs)',
  },
} as const satisfies Record<string, BuiltinSli>;

/**
 * dcgm-exporter's series of the role's pods: `fn(metric[window])` per GPU, its pod labels read from
 * `pod`/`namespace` or, scraped with honor_labels: false, `exported_pod`/`exported_namespace`, kept
 * only for the pods the role's own scrape targets (`up`) name.
 */
const dcgmOfRole = (fn: string, metric: string): string => {
  const relabelled = `label_replace(label_replace(${fn}(${metric}[{{window}}]), "pod", "$1", "exported_pod", "(.+)"), "namespace", "$1", "exported_namespace", "(.+)")`;
  return `(${relabelled} * on (namespace, pod) group_left () group by (namespace, pod) (up{${R}}))`;
};

export const DCGM_SLIS = {
  gpuUtilization: {
    query: `avg(${dcgmOfRole('avg_over_time', 'DCGM_FI_DEV_GPU_UTIL')}) / 100`,
    samplesQuery: `sum(${dcgmOfRole('count_over_time', 'DCGM_FI_DEV_GPU_UTIL')})`, samplesUnit: 'GPU samples (scrapes × GPUs)', minSamples: 2,
    direction: 'higherIsWorse', unit: 'ratio',
    description: "mean utilization (0–1) of the role's GPUs (DCGM_FI_DEV_GPU_UTIL, a percentage, / 100)",
  },
  gpuMemoryUsed: {
    query: `max(sum by (namespace, pod) (${dcgmOfRole('max_over_time', 'DCGM_FI_DEV_FB_USED')})) * 1048576`,
    samplesQuery: `sum(${dcgmOfRole('count_over_time', 'DCGM_FI_DEV_FB_USED')})`, samplesUnit: 'GPU samples (scrapes × GPUs)', minSamples: 2,
    direction: 'higherIsWorse', unit: 'bytes',
    description: 'framebuffer memory in use by the busiest pod, in bytes (DCGM_FI_DEV_FB_USED, MiB, summed over its GPUs)',
  },
} as const satisfies Record<string, BuiltinSli>;

/** The built-ins of each profile. */
export const PROFILE_SLIS: Readonly<Record<SliProfile, Readonly<Record<string, BuiltinSli>>>> = {
  reference: BUILTIN_SLIS, triton: TRITON_SLIS, dcgm: DCGM_SLIS,
};

/** Every built-in name of any profile (the CRD's enum). */
export const ALL_BUILTIN_NAMES: readonly string[] = [...new Set(SLI_PROFILES.flatMap((p) => Object.keys(PROFILE_SLIS[p])))];

const isProfile = (name: string): name is SliProfile => (SLI_PROFILES as readonly string[]).includes(name);

/**
 * The built-in `builtin` of `profile` (default reference), or a SpecError naming what to use instead:
 * an unknown profile (InvalidSli), or a name the profile does not have (UnknownBuiltin).
 */
export function resolveBuiltin(sliName: string, builtin: string, profile = 'reference'): Result<BuiltinSli, SpecError> {
  if (!isProfile(profile)) {
    return { ok: false, error: { code: 'InvalidSli', sli: sliName,
      message: `SLI ${sliName}: unknown profile ${JSON.stringify(profile)}; use one of ${SLI_PROFILES.join(', ')}` } };
  }
  const table = PROFILE_SLIS[profile];
  if (!Object.hasOwn(table, builtin)) {
    const elsewhere = SLI_PROFILES.filter((p) => Object.hasOwn(PROFILE_SLIS[p], builtin));
    return { ok: false, error: { code: 'UnknownBuiltin', builtin,
      message: `SLI ${sliName}: unknown builtin ${JSON.stringify(builtin)} in profile ${profile}; use one of ${Object.keys(table).join(', ')}, or a query`
        + (elsewhere.length > 0 ? ` (${builtin} is in profile ${elsewhere.join(', ')})` : '') } };
  }
  return { ok: true, value: table[builtin]! };
}
