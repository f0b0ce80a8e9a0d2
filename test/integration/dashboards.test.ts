/**
 * Every panel of the chart's Grafana dashboards shows data during a rollout: a real operator rolls a
 * ModelVariant from relu to gelu on the test cluster and holds it at 50 %; the demo's data plane runs
 * one reference variant server per Running pod (so stable and canary serve real activations), the
 * demo's clients send labelled requests, and a Prometheus of this test's own scrapes the servers
 * (file_sd, with the namespace, model, role, pod and variant labels) and the operator's /metrics.
 * Each panel query and variable query, its template variables substituted for this namespace, model
 * and a layer, must return a non-empty result; a few are also held to what the rollout must show.
 * The chart renders the dashboards as ConfigMaps carrying the files unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ModelVariantSpec } from '../../src/api/types.ts';
import { startDataPlane, type DataPlane } from '../../src/demo/data-plane.ts';
import { startTraffic, type Traffic } from '../../src/demo/traffic.ts';
import { helmBinary } from '../../scripts/gen-deploy.ts';
import { REPO_ROOT } from '../harness/binaries.ts';
import { createTestNamespace, deleteTestNamespace, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { DASHBOARD_DIR, loadDashboards, panelQueries, substitute, variableQueries, type Dashboard } from '../support/dashboards.ts';
import { startLocalPrometheus, waitForSamples, type LocalPrometheus } from './support/local-prometheus.ts';
import { createModelVariant, setActivation, waitForStatus } from './support/model-variants.ts';

const MODEL = 'sentiment';
const dashboards = loadDashboards();
let ns: string;
let operator: RunningOperator | undefined;
let prometheus: LocalPrometheus | undefined;
let plane: DataPlane | undefined;
let traffic: Traffic | undefined;
let targetsDir: string;
let layer = '';

interface Sample { metric: Record<string, string>; value: [number, string] }

/** An instant query: its samples, or Prometheus' error. */
async function query(promql: string): Promise<{ samples: Sample[]; error?: string }> {
  const res = await fetch(`${prometheus?.url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: promql }) });
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: Sample[] | [number, string] } };
  if (body.status !== 'success') return { samples: [], error: body.error ?? `HTTP ${res.status}` };
  return { samples: body.data?.resultType === 'vector' ? body.data.result as Sample[] : [] };
}

/** Polls a query until it returns data or `deadline` passes; why not, when it did not. */
async function dataWithin(promql: string, deadline: number): Promise<{ samples: Sample[]; why?: string }> {
  for (;;) {
    const { samples, error } = await query(promql);
    if (error) return { samples, why: `Prometheus refused it: ${error}` };
    if (samples.length > 0) return { samples };
    if (Date.now() > deadline) return { samples, why: 'no data' };
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** What Grafana puts in for one selected namespace, model and layer (`$__rate_interval` is at least 4 scrapes). */
const variableValues = (): Record<string, string> =>
  ({ namespace: ns, model: MODEL, layer, datasource: 'prometheus', __rate_interval: '30s', __interval: '15s', __range: '5m', __range_s: '300' });

beforeAll(async () => {
  ns = await createTestNamespace('dashboards');
  targetsDir = mkdtempSync(join(tmpdir(), 'activation-canary-dashboards-'));
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  // honor_labels (set for a file_sd job): the operator's per-ModelVariant series keep their namespace.
  prometheus = await startLocalPrometheus({ targets: [`127.0.0.1:${await operator.port()}`], fileSdDir: targetsDir });
  const spec: ModelVariantSpec = {
    activation: 'relu', replicas: 2,
    template: {
      metadata: { labels: { app: MODEL } },
      spec: { containers: [{ name: 'server', image: 'activation-canary/variant-server:dev', ports: [{ name: 'http', containerPort: 8080 }],
        env: [{ name: 'TELEMETRY_SAMPLE_RATE', value: '0.5' }], resources: { limits: { 'nvidia.com/gpu': '1' } } }] },
    },
    strategy: { steps: [{ setWeight: 50, pause: '10m' }] },
  };
  await createModelVariant(ns, MODEL, spec);
  await waitForStatus(ns, MODEL, 'Healthy on relu', (s) => s.phase === 'Healthy' && s.stableActivation === 'relu');
  plane = startDataPlane({ kc: kubeConfig(), namespace: ns, model: MODEL, targetsDir });
  traffic = startTraffic(() => plane?.endpoints() ?? [], 20, 8);
  await setActivation(ns, MODEL, 'gelu');
  await waitForStatus(ns, MODEL, 'canary at its first step', (s) => s.canaryActivation === 'gelu' && (s.canaryWeight ?? 0) > 0 && ['Progressing', 'Paused'].includes(s.phase ?? ''));
  // Both roles answer requests, and their activations are observed, before any panel is asked.
  await waitForSamples(prometheus.url, `count(sum by (role) (rate(activation_value_count{namespace="${ns}",model="${MODEL}"}[30s])) > 0) == 2`, 90_000);
  layer = (await query(`count by (layer) (activation_units_observed_total{namespace="${ns}"})`)).samples.map((s) => s.metric.layer ?? '').sort()[0] ?? '';
}, 240_000);

afterAll(async () => {
  await traffic?.stop();
  await plane?.stop();
  await prometheus?.stop();
  await operator?.stop();
  if (targetsDir) rmSync(targetsDir, { recursive: true, force: true });
  if (ns) await deleteTestNamespace(ns);
});

describe('the dashboards during a rollout', () => {
  it.each(dashboards.map((d) => [d.file, d] as const))('%s: every panel query returns data', async (_file, d) => {
    const deadline = Date.now() + 30_000;
    const missing: string[] = [];
    for (const q of panelQueries(d)) {
      const expr = substitute(q.expr, variableValues());
      const { why } = await dataWithin(expr, deadline);
      if (why) missing.push(`${q.panel} [${q.refId}]: ${why}\n${expr}`);
    }
    expect(missing).toEqual([]);
  }, 120_000);

  it.each(dashboards.map((d) => [d.file, d] as const))('%s: every variable lists this namespace, model and layer', async (_file, d) => {
    for (const v of variableQueries(d)) {
      const m = /^label_values\((.*),\s*(\w+)\)$/s.exec(substitute(v.query, variableValues()));
      expect(m).not.toBeNull();
      const url = `${prometheus?.url}/api/v1/label/${m?.[2]}/values?${new URLSearchParams({ 'match[]': m?.[1] ?? '' })}`;
      const values = ((await (await fetch(url)).json()) as { data: string[] }).data;
      expect({ variable: v.name, values }).toEqual({ variable: v.name, values: expect.arrayContaining([{ namespace: ns, model: MODEL, layer }[v.name]]) });
    }
  });

  it('shows what the rollout is: both roles hold GPUs and share the traffic, and the canary\'s activations differ from stable\'s', async () => {
    const onCall = dashboards.find((d) => d.uid === 'activation-canary-on-call') as Dashboard;
    const executive = dashboards.find((d) => d.uid === 'activation-canary-executive') as Dashboard;
    const run = async (d: Dashboard, title: string) => (await query(substitute(panelQueries(d).find((q) => q.panel === title)?.expr ?? 'absent', variableValues()))).samples;
    const byRole = (samples: Sample[]) => Object.fromEntries(samples.map((s) => [s.metric.role, Number(s.value[1])]));
    // A rate over the canary's series has a value only once two of its scrapes are in: poll for both roles
    // (up to 30 s) rather than read once, then judge what came back.
    const bothRoles = async (d: Dashboard, title: string) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const roles = byRole(await run(d, title));
        if ((roles.stable !== undefined && roles.canary !== undefined) || Date.now() > deadline) return roles;
        await new Promise((r) => setTimeout(r, 1000));
      }
    };

    const gpus = await bothRoles(onCall, 'GPUs held by role');
    expect(gpus.stable).toBeGreaterThan(0);
    expect(gpus.canary).toBeGreaterThan(0);
    const share = await bothRoles(executive, 'Traffic share by variant and role');
    expect(share.canary).toBeGreaterThan(0);
    expect((share.canary ?? 0) + (share.stable ?? 0)).toBeCloseTo(1, 5);
    const drift = (await run(executive, 'Activation drift: KS distance, canary vs stable, per layer')).map((s) => Number(s.value[1]));
    expect(drift.length).toBeGreaterThan(0);
    for (const ks of drift) expect(ks > 0 && ks <= 1).toBe(true);
    const accuracy = byRole(await run(executive, 'Model accuracy by model and role'));
    expect(accuracy.stable).toBeGreaterThan(0.8);
  });
});

describe('the dashboards in the chart', () => {
  const CHART = join(REPO_ROOT, 'charts', 'activation-canary');
  const render = (...set: string[]) => parseAllDocuments(execFileSync(helmBinary(), ['template', 'rel', CHART, '-n', 'ops', ...set.flatMap((s) => ['--set', s])], { encoding: 'utf8' }))
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; data?: Record<string, string> })
    .filter((d) => d?.kind === 'ConfigMap');

  it('are one ConfigMap each, carrying the file unchanged, for Grafana\'s sidecar, only when enabled', () => {
    expect(render()).toEqual([]);
    const maps = render('dashboards.enabled=true');
    expect(maps.map((m) => m.metadata?.name)).toEqual(['rel-activation-canary-dashboard-debug', 'rel-activation-canary-dashboard-executive', 'rel-activation-canary-dashboard-on-call']);
    for (const m of maps) {
      expect(m.metadata).toMatchObject({ namespace: 'ops', labels: { grafana_dashboard: '1', 'app.kubernetes.io/instance': 'rel' } });
      const [[key, json]] = Object.entries(m.data ?? {}) as [[string, string]];
      expect(json).toBe(readFileSync(join(DASHBOARD_DIR, key.replace(/^activation-canary-/, '')), 'utf8').trimEnd());
      // `kubectl apply` without --server-side stores the whole object in an annotation, and annotations
      // may hold 256 KiB in all (a ConfigMap 1 MiB): a dashboard must stay well below both.
      expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThan(256 * 1024 / 2);
    }
    const elsewhere = render('dashboards.enabled=true', 'dashboards.namespace=monitoring', 'dashboards.annotations.grafana_folder=ML', 'dashboards.labels.team=ml');
    for (const m of elsewhere) expect(m.metadata).toMatchObject({ namespace: 'monitoring', annotations: { grafana_folder: 'ML' }, labels: { team: 'ml' } });
  });

  it('passes helm lint --strict with the dashboards and the PrometheusRule enabled', () => {
    expect(execFileSync(helmBinary(), ['lint', '--strict', CHART, '--set', 'dashboards.enabled=true', '--set', 'prometheusRule.enabled=true'], { encoding: 'utf8' }))
      .toMatch(/0 chart\(s\) failed/);
  });
});
