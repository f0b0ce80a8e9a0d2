/**
 * Analysis drives the rollout, end to end: the operator, the real control plane, the cluster's real
 * Prometheus, and real reference variant servers started per kwok pod by the demo's data plane, with
 * fault knobs on the canary variant only. Each scenario is a ModelVariant of its own, run side by side:
 * healthy → promoted; each built-in SLI breached on the canary → rolled back naming that SLI and its
 * value; latency within the absolute bound but twice the stable's → rolled back by the ratio; no
 * traffic → held as Inconclusive, then rolled back at the limit, never promoted.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ModelVariant, SLI } from '../../src/api/types.ts';
import { startDataPlane, type DataPlane } from '../../src/demo/data-plane.ts';
import { startTraffic, type Traffic } from '../../src/demo/traffic.ts';
import { clusterState, createTestNamespace, deleteTestNamespace, kubeConfig } from '../harness/env.ts';
import { readAuditEvents } from '../harness/audit.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { createModelVariant, eventReasonsIncluding, setActivation, waitForStatus } from './support/model-variants.ts';

interface Scenario {
  name: string;
  from: string;
  to: string;
  slis: SLI[];
  /** Fault knobs per activation (the stable one usually has none). */
  env?: Record<string, Record<string, string>>;
  traffic?: boolean;
  expect: 'promoted' | { failedSli: string } | 'inconclusive';
}

const W = '12s';
const SCENARIOS: Scenario[] = [
  { name: 'healthy', from: 'relu', to: 'gelu', expect: 'promoted', slis: [
    { name: 'saturation', builtin: 'activationSaturation', max: 0.3, window: W },
    { name: 'latency', builtin: 'latencyP95', max: 0.25, window: W },
    { name: 'accuracy', builtin: 'accuracy', minRatioToStable: 0.9, window: W }] },
  { name: 'saturated', from: 'gelu', to: 'sigmoid', env: { sigmoid: { FAULT_INPUT_SCALE: '8' } }, expect: { failedSli: 'saturation' },
    slis: [{ name: 'saturation', builtin: 'activationSaturation', max: 0.3, window: W }] },
  { name: 'dead', from: 'gelu', to: 'relu', expect: { failedSli: 'dead' }, slis: [{ name: 'dead', builtin: 'deadUnits', max: 0.3, window: W }] },
  { name: 'nans', from: 'relu', to: 'silu', env: { silu: { FAULT_NAN_FRACTION: '0.2' } }, expect: { failedSli: 'nonfinite' },
    slis: [{ name: 'nonfinite', builtin: 'nonFinite', max: 0.01, window: W }] },
  { name: 'slow', from: 'relu', to: 'mish', env: { mish: { FAULT_LATENCY_MS: '400' } }, expect: { failedSli: 'latency' },
    slis: [{ name: 'latency', builtin: 'latencyP95', max: 0.25, minSamples: 20, window: W }] },
  { name: 'errors', from: 'relu', to: 'elu', env: { elu: { FAULT_ERROR_FRACTION: '0.3' } }, expect: { failedSli: 'errors' },
    slis: [{ name: 'errors', builtin: 'errorRate', max: 0.05, minSamples: 20, window: W }] },
  { name: 'inaccurate', from: 'relu', to: 'tanh', env: { tanh: { FAULT_INPUT_SCALE: '8' } }, expect: { failedSli: 'accuracy' },
    slis: [{ name: 'accuracy', builtin: 'accuracy', min: 0.9, window: W }] },
  // Judged by the ratio alone (the absolute max is far off): 20 ms against 150 ms is 7.5×, and stays
  // above 1.5× when a loaded machine adds the same ~100 ms to both (40 against 90 ms did not: CI promoted it).
  { name: 'relatively-slow', from: 'relu', to: 'softplus', env: { relu: { FAULT_LATENCY_MS: '20' }, softplus: { FAULT_LATENCY_MS: '150' } },
    expect: { failedSli: 'latency' }, slis: [{ name: 'latency', builtin: 'latencyP95', max: 2, maxRatioToStable: 1.5, minSamples: 20, window: W }] },
  { name: 'silent', from: 'relu', to: 'gelu', traffic: false, expect: 'inconclusive',
    slis: [{ name: 'accuracy', builtin: 'accuracy', min: 0.9, window: W }] },
];

let ns: string;
let operator: RunningOperator;
const planes: DataPlane[] = [];
const clients: Traffic[] = [];
const outcomes = new Map<string, Promise<NonNullable<ModelVariant['status']>>>();
/** When the healthy scenario's canary reached 50 % (ms since the epoch): its 25 s pause follows. */
let healthyWeightReachedAt = NaN;

async function run(sc: Scenario): Promise<NonNullable<ModelVariant['status']>> {
  const state = clusterState();
  planes.push(startDataPlane({ kc: kubeConfig(), namespace: ns, model: sc.name, targetsDir: state.prometheusTargetsDir,
    extraEnv: (activation) => sc.env?.[activation] ?? {} }));
  const plane = planes.at(-1) as DataPlane;
  if (sc.traffic !== false) clients.push(startTraffic(() => plane.endpoints(), 25));
  await createModelVariant(ns, sc.name, {
    activation: sc.from, replicas: 2,
    template: { spec: { containers: [{ name: 'server', image: 'activation-canary/variant-server:dev', env: [{ name: 'TELEMETRY_SAMPLE_RATE', value: '1' }] }] } },
    strategy: {
      steps: [{ setWeight: 50, pause: '25s' }],
      analysis: { interval: '3s', failureLimit: 1, inconclusiveLimit: 10, prometheus: { address: state.prometheusUrl, timeout: '3s' }, slis: sc.slis },
    },
  });
  await waitForStatus(ns, sc.name, 'Healthy', (s) => s.phase === 'Healthy' && s.stableActivation === sc.from);
  await new Promise((r) => setTimeout(r, 4000)); // stable history for ratio bounds
  await setActivation(ns, sc.name, sc.to);
  if (sc.name === 'healthy') {
    const at50 = await waitForStatus(ns, sc.name, 'the step\'s weight reached', (s) => s.phase === 'Progressing' && !!s.weightReachedAt);
    healthyWeightReachedAt = Date.parse(at50.weightReachedAt ?? '');
  }
  return waitForStatus(ns, sc.name, 'promoted or rolled back', (s) => s.phase === 'Degraded' || (s.phase === 'Healthy' && s.stableActivation === sc.to), 150_000);
}

beforeAll(async () => {
  ns = await createTestNamespace('analysis');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false', '--workers', '8'], user: `analysis-${ns}` });
  await operator.port();
  for (const sc of SCENARIOS) {
    const p = run(sc);
    p.catch(() => undefined);
    outcomes.set(sc.name, p);
  }
}, 60_000);

afterAll(async () => {
  if (process.env.ANALYSIS_DEBUG) {
    const all = await Promise.all([...outcomes.entries()].map(async ([k, p]) => [k, await p.catch((e: unknown) => String(e))]));
    (await import('node:fs')).writeFileSync(process.env.ANALYSIS_DEBUG, JSON.stringify(Object.fromEntries(all), null, 1));
  }
  await Promise.all(clients.map((c) => c.stop()));
  await Promise.all(planes.map((p) => p.stop()));
  await operator?.stop();
  await deleteTestNamespace(ns);
});

describe('analysis decides the rollout from real metrics', () => {
  it('promotes a canary whose SLIs all pass, with every SLI, value and threshold in status', async () => {
    const s = await outcomes.get('healthy');
    expect(s?.phase).toBe('Healthy');
    expect(s?.stableActivation).toBe('gelu');
    const slis = s?.analysis?.slis ?? [];
    expect(slis.map((x) => x.name).sort()).toEqual(['accuracy', 'latency', 'saturation']);
    for (const sli of slis) {
      expect(sli.verdict).toBe('Successful');
      expect(Number(sli.canaryValue)).not.toBeNaN();
      expect(sli.threshold).toBeTruthy();
    }
    expect(await eventReasonsIncluding(ns, 'healthy', ['AnalysisSuccessful', 'Promoted'])).toEqual(expect.arrayContaining(['AnalysisSuccessful', 'Promoted']));
  });

  it('writes a healthy canary\'s routine runs with the next status change, not one status write per run', async () => {
    await outcomes.get('healthy');
    // The healthy canary's 25 s pause at a 3 s interval makes ~8 runs; a Successful run that decided what
    // the last written one did is held back (counted), not written. A loaded machine can turn a run
    // Inconclusive on a scrape gap (written, as is the Successful one after it): CI once saw 5 patches in
    // the 18 s below. So this asks for some held back, not for all; without the hold-back there are none.
    const metrics = await (await fetch(`http://127.0.0.1:${await operator.port()}/metrics`)).text();
    const heldBack = Number(/^activation_canary_status_writes_held_back_total (\S+)$/m.exec(metrics)?.[1] ?? NaN);
    expect(heldBack).toBeGreaterThanOrEqual(2);
    // And from outside, for the record: the status patches in 18 s of the pause (six runs).
    const [from, to] = [healthyWeightReachedAt + 4_000, healthyWeightReachedAt + 22_000];
    const patches = (await readAuditEvents({ namespace: ns, user: operator.user, verbs: ['patch'] }))
      .filter((e) => e.name === 'healthy' && e.subresource === 'status' && e.receivedAt >= from && e.receivedAt <= to);
    console.log(`healthy: ${heldBack} status writes held back in all; ${patches.length} status patches in 18 s of the pause`);
  });

  it.each(SCENARIOS.filter((sc) => typeof sc.expect === 'object').map((sc) => [sc.name, sc] as const))(
    'rolls back %s: the canary breaches its SLI and status names the SLI and its value', async (_name, sc) => {
      const s = await outcomes.get(sc.name);
      const failed = (sc.expect as { failedSli: string }).failedSli;
      expect(s?.phase).toBe('Degraded');
      expect(s?.stableActivation).toBe(sc.from);
      const degraded = s?.conditions?.find((c) => c.type === 'Degraded');
      expect(degraded?.status).toBe('True');
      expect(degraded?.message).toContain(`SLI ${failed}`);
      const sli = s?.analysis?.slis?.find((x) => x.name === failed);
      expect(sli?.verdict).toBe('Failed');
      expect(sli?.canaryValue).toBeDefined();
      expect(degraded?.message).toMatch(new RegExp(`SLI ${failed}: canary value \\S+`));
      const reasons = await eventReasonsIncluding(ns, sc.name, ['AnalysisFailed', 'RolledBack']);
      expect(reasons).toEqual(expect.arrayContaining(['AnalysisFailed', 'RolledBack']));
      expect(reasons).not.toContain('Promoted');
    });

  it('holds a canary without traffic as Inconclusive, then rolls it back at the limit, never promoting it', async () => {
    const s = await outcomes.get('silent');
    expect(s?.phase).toBe('Degraded');
    expect(s?.analysis?.verdict).toBe('Inconclusive');
    expect(s?.conditions?.find((c) => c.type === 'Degraded')?.message).toMatch(/inconclusive|no data/i);
    const reasons = await eventReasonsIncluding(ns, 'silent', ['AnalysisInconclusive']);
    expect(reasons).toContain('AnalysisInconclusive');
    expect(reasons).not.toContain('Promoted');
  });
});
