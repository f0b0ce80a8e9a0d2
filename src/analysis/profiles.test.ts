import { describe, expect, it } from '@jest/globals';
import { BUILTIN_SLIS } from './builtins.ts';
import { ALL_BUILTIN_NAMES, DCGM_SLIS, PROFILE_SLIS, SLI_PROFILES, TRITON_SLIS, resolveBuiltin } from './profiles.ts';
import { renderQuery } from './render-query.ts';

// That Prometheus evaluates these against exporters with the real metric names is checked in
// test/integration/activation-signals.test.ts.
const render = (template: string): string => {
  const r = renderQuery(template, { namespace: 'ml', name: 'sentiment', role: 'canary', variant: 'gelu', window: '2m' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const metricNames = (query: string) => [...new Set([...query.matchAll(/\b((?:nv|DCGM)_[A-Za-z_]+)/g)].map((m) => m[1]))];

describe('SLI profiles', () => {
  it('offers the reference server, Triton and dcgm-exporter', () => {
    expect(SLI_PROFILES).toEqual(['reference', 'triton', 'dcgm']);
    expect(PROFILE_SLIS.reference).toBe(BUILTIN_SLIS);
  });

  it('reads only metric names Triton documents', () => {
    const documented = ['nv_inference_request_success', 'nv_inference_request_failure', 'nv_inference_request_duration_us',
      'nv_inference_queue_duration_us', 'nv_inference_request_summary_us', 'nv_gpu_utilization', 'nv_gpu_memory_used_bytes'];
    for (const sli of Object.values(TRITON_SLIS)) {
      for (const name of metricNames(sli.query + sli.samplesQuery)) expect(documented).toContain(name);
    }
  });

  it('reads only metric names dcgm-exporter exports, joined to the role\'s pods through their scrape targets', () => {
    for (const sli of Object.values(DCGM_SLIS)) {
      for (const name of metricNames(sli.query + sli.samplesQuery)) expect(['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_FB_USED']).toContain(name);
      expect(render(sli.query)).toContain('group by (namespace, pod) (up{namespace="ml",model="sentiment",role="canary"})');
      expect(sli.query).toContain('"pod", "$1", "exported_pod", "(.+)"');
    }
  });

  it.each(Object.entries({ ...TRITON_SLIS }))('triton %s selects the role by its target labels, with no variant label', (_name, sli) => {
    for (const query of [render(sli.query), render(sli.samplesQuery)]) {
      for (const s of query.match(/\{[^}]*\}/g) ?? []) expect(s).toMatch(/^\{namespace="ml",model="sentiment",role="canary"[,}]/);
    }
  });

  it('turns Triton\'s microseconds and dcgm\'s percent and MiB into seconds, ratios and bytes', () => {
    expect(TRITON_SLIS.latencyMean.query).toMatch(/ \/ 1e6$/);
    expect(TRITON_SLIS.latencyP95.query).toMatch(/quantile="0\.95"\}\) \/ 1e6$/);
    expect(DCGM_SLIS.gpuUtilization.query).toMatch(/ \/ 100$/);
    expect(DCGM_SLIS.gpuMemoryUsed.query).toMatch(/ \* 1048576$/);
  });

  it('lists every built-in name once, for the CRD enum', () =>
    expect(ALL_BUILTIN_NAMES).toEqual([...Object.keys(BUILTIN_SLIS), 'latencyMean', 'queueLatencyMean', 'gpuUtilization', 'gpuMemoryUsed']));

  it('resolves a built-in in its profile, reference by default', () => {
    expect(resolveBuiltin('p95', 'latencyP95')).toEqual({ ok: true, value: BUILTIN_SLIS.latencyP95 });
    expect(resolveBuiltin('p95', 'latencyP95', 'triton')).toEqual({ ok: true, value: TRITON_SLIS.latencyP95 });
  });

  it('says which profile has a built-in the chosen profile lacks', () => {
    expect(resolveBuiltin('gpu', 'gpuUtilization')).toEqual({ ok: false, error: {
      code: 'UnknownBuiltin', builtin: 'gpuUtilization',
      message: expect.stringMatching(/^SLI gpu: unknown builtin "gpuUtilization" in profile reference; use one of activationSaturation, .*, or a query \(gpuUtilization is in profile triton, dcgm\)$/),
    } });
    expect(resolveBuiltin('x', 'p99', 'dcgm')).toMatchObject({ ok: false, error: { message: 'SLI x: unknown builtin "p99" in profile dcgm; use one of gpuUtilization, gpuMemoryUsed, or a query' } });
    expect(resolveBuiltin('x', 'latencyP95', 'vllm')).toMatchObject({ ok: false, error: { code: 'InvalidSli', message: 'SLI x: unknown profile "vllm"; use one of reference, triton, dcgm' } });
  });
});
