/**
 * Batched analysis off the reconcile path (issue 12), end to end. Two ModelVariants judged by the same
 * built-in SLI on one Prometheus cost one query per template per interval, not one each: counted from
 * that Prometheus' own query log. And a Prometheus that hangs (SIGSTOP) holds only the verdicts it
 * owes: with a single reconcile worker, another ModelVariant's rollout, which needs no analysis, runs
 * its steps on time while the hung one's runs time out and turn into Error verdicts, as before. And
 * the fan-out keeps ModelVariants of the same name in different namespaces apart: one batched query
 * for both, one saturated canary, one verdict Failed and the other Successful (the scheduler run in
 * this process on the same Prometheus, since the operator here watches one namespace).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ModelVariant } from '../../src/api/types.ts';
import { createAnalysisScheduler } from '../../src/controller/analysis-scheduler.ts';
import type { AnalysisOutcome, Status } from '../../src/controller/model.ts';
import { systemClock } from '../../src/kube/clock.ts';
import { createTestNamespace, deleteTestNamespace, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { CANARY, STABLE, ownGpuNodes, promoted, scenarios, startRollout, type MvStatus } from './support/analysis-rollouts.ts';
import { startLocalPrometheus, waitForSamples, type LocalPrometheus } from './support/local-prometheus.ts';
import { HEALTHY } from './support/model-telemetry.ts';
import { createModelVariant, gpuTemplate, setActivation, waitForStatus } from './support/model-variants.ts';
import { telemetryTargets, type TelemetryTargets } from './support/telemetry-targets.ts';

let ns: string;
let operator: RunningOperator | undefined;
let telemetry: TelemetryTargets | undefined;
let shared: LocalPrometheus | undefined;
let hung: LocalPrometheus | undefined;
let targetsDir: string | undefined;
let nodes: Awaited<ReturnType<typeof ownGpuNodes>> | undefined;
const running = scenarios<unknown>('analysis-batching');

const SATURATION = { name: 'saturation', builtin: 'activationSaturation', max: 0.05, window: '10s' } as const;

async function sharedTemplate(): Promise<void> {
  const prom = shared as LocalPrometheus;
  // Started together, their 8 s pauses overlap by several 2 s rounds even when one reaches its weight seconds later.
  const rollouts = await Promise.all(['a', 'b'].map((name) => startRollout({
    namespace: ns, name, resource: nodes?.resource ?? '', telemetry: telemetry as TelemetryTargets, prometheusUrl: prom.url,
    canary: HEALTHY, steps: [{ setWeight: 50, pause: '8s' }], analysis: { interval: '2s', slis: [SATURATION] },
  })));
  const final = await Promise.all(rollouts.map((r) => r.until('promoted', promoted, 60_000)));
  expect(final.map((s) => s.analysis?.verdict)).toEqual(['Successful', 'Successful']);

  // The ratio's numerator appears in one query per round; a round is one evaluation instant.
  // (The same-name scenario's queries, on this Prometheus too, are not these ModelVariants'.)
  const saturation = prom.queryLog().filter((q) => q.query.includes('activation_saturated_units_total') && !q.query.includes('model=~"same"'));
  const perInstant = new Map<string, string[]>();
  for (const q of saturation) perInstant.set(q.start, [...(perInstant.get(q.start) ?? []), q.query]);
  const both = saturation.filter((q) => q.query.includes('model=~"a|b"'));
  process.stdout.write(`analysis-batching: ${saturation.length} saturation queries in ${perInstant.size} rounds (${[...perInstant.keys()].join(', ')}), ${both.length} for both ModelVariants\n`);
  expect(saturation.length).toBeGreaterThan(0);
  expect([...perInstant.values()].filter((qs) => qs.length > 1)).toEqual([]);
  expect(both.length).toBeGreaterThanOrEqual(1);
  // Never the per-ModelVariant form of the built-in.
  expect(saturation.filter((q) => /model="[ab]"/.test(q.query))).toEqual([]);
}

async function hungPrometheus(): Promise<{ plainMs: number; stuck: MvStatus }> {
  const prom = hung as LocalPrometheus;
  const spec = (name: string, analysis: boolean) => createModelVariant(ns, name, {
    activation: STABLE, replicas: 1, template: gpuTemplate(1, nodes?.resource),
    strategy: {
      steps: [{ setWeight: 50, pause: '1s' }],
      ...(analysis ? { analysis: { interval: '1s', prometheus: { address: prom.url, timeout: '8s' }, slis: [SATURATION] } } : {}),
    },
  });
  await Promise.all([spec('stuck', true), spec('plain', false)]);
  await Promise.all(['stuck', 'plain'].map((n) => waitForStatus(ns, n, 'Healthy', (s) => s.phase === 'Healthy' && s.stableActivation === STABLE)));
  await prom.freeze();
  await setActivation(ns, 'stuck', CANARY);
  const atWeight = await waitForStatus(ns, 'stuck', 'at its step weight', (s) => !!s.weightReachedAt);
  // Its first run is due one interval after the weight was reached; let it start and hang.
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(atWeight.weightReachedAt ?? '') + 1_500 - Date.now())));
  const t0 = Date.now();
  await setActivation(ns, 'plain', CANARY);
  await waitForStatus(ns, 'plain', 'promoted', promoted, 60_000);
  const plainMs = Date.now() - t0;
  const stuck = await waitForStatus(ns, 'stuck', 'an Error verdict', (s) => s.analysis?.verdict === 'Error', 30_000);
  return { plainMs, stuck };
}

/** Two ModelVariants named `same` in two namespaces, same variants, measured in one round: only one canary saturates. */
async function sameNameTwoNamespaces(): Promise<Record<string, AnalysisOutcome>> {
  const prom = shared as LocalPrometheus;
  const namespaces = [`${ns}-x`, `${ns}-y`];
  const saturated = { ...HEALTHY, saturatedFraction: 0.5 };
  for (const [i, namespace] of namespaces.entries()) {
    for (const role of ['stable', 'canary'] as const) {
      await (telemetry as TelemetryTargets).pod({ namespace, model: 'same', role, variant: role === 'stable' ? STABLE : CANARY, pod: `same-${role}-0` },
        { traffic: role === 'canary' && i === 0 ? saturated : HEALTHY });
    }
  }
  for (const namespace of namespaces) await waitForSamples(prom.url, `count(up{namespace="${namespace}",model="same"} == 1) == 2`);
  // Two scrapes at least in the SLI's window.
  await new Promise((r) => setTimeout(r, 2_500));
  const scheduler = createAnalysisScheduler({ core: kubeConfig().makeApiClient(k8s.CoreV1Api), logger: pino({ level: 'silent' }), clock: systemClock(), batchWindowMs: 500 });
  const mv = (namespace: string): ModelVariant => ({
    apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', metadata: { namespace, name: 'same', uid: namespace },
    spec: { activation: CANARY, template: gpuTemplate(1), strategy: { steps: [{ setWeight: 50 }], analysis: { interval: '1s', prometheus: { address: prom.url }, slis: [SATURATION] } } },
  });
  const status: Status = { phase: 'Progressing', stableActivation: STABLE, canaryActivation: CANARY, currentStepIndex: 0 };
  const dueAt = Date.now();
  const verdicts: Record<string, AnalysisOutcome> = {};
  await new Promise<void>((resolve) => {
    scheduler.onVerdict(() => {
      for (const namespace of namespaces) {
        const v = scheduler.take(mv(namespace), status, dueAt);
        if (v) verdicts[namespace] = v;
      }
      if (Object.keys(verdicts).length === namespaces.length) resolve();
    });
    for (const namespace of namespaces) scheduler.take(mv(namespace), status, dueAt);
  });
  scheduler.stop();
  const batched = prom.queryLog().filter((q) => q.query.includes(`namespace=~"${namespaces.join('|')}"`));
  expect(batched.length).toBeGreaterThanOrEqual(1);
  return verdicts;
}

beforeAll(async () => {
  ns = await createTestNamespace('analysis-batching');
  targetsDir = mkdtempSync(join(tmpdir(), 'analysis-batching-targets-'));
  [nodes, shared, hung] = await Promise.all([
    ownGpuNodes('analysis-batching'),
    startLocalPrometheus({ targets: [], fileSdDir: targetsDir, queryLog: true }),
    startLocalPrometheus({ targets: [] }),
  ]);
  telemetry = telemetryTargets({ targetsDir });
  // One worker: a reconcile that waited for Prometheus would hold up every other ModelVariant.
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false', '--workers', '1', '--analysis-batch-window', '2s'] });
  await operator.port();
  running.start('shared', sharedTemplate);
  running.start('hung', hungPrometheus);
  running.start('same name', sameNameTwoNamespaces);
});

afterAll(async () => {
  await running.settled();
  await operator?.stop();
  await telemetry?.close();
  await Promise.all([shared?.stop(), hung?.stop()]);
  if (targetsDir) rmSync(targetsDir, { recursive: true, force: true });
  await deleteTestNamespace(ns);
  await nodes?.remove();
});

describe('batched analysis', () => {
  it('queries a template shared by two ModelVariants on one Prometheus once per interval, for both', async () => {
    await running.get('shared');
  });

  it('lets a hung Prometheus hold only its own verdicts: a rollout without analysis is not delayed', async () => {
    const { plainMs, stuck } = (await running.get('hung')) as Awaited<ReturnType<typeof hungPrometheus>>;
    process.stdout.write(`analysis-batching: the rollout without analysis promoted ${(plainMs / 1000).toFixed(1)}s after its patch\n`);
    // A reconcile waiting for the hung Prometheus would block the one worker 8 s per run: several runs per rollout.
    expect(plainMs).toBeLessThan(15_000);
    expect(stuck).toMatchObject({ phase: 'Paused', stableActivation: STABLE, analysis: { verdict: 'Error' } });
    expect(stuck.analysis?.slis?.[0]?.message).toMatch(/did not answer within 8000 ms/);
  });

  it('keeps ModelVariants of the same name in two namespaces apart in one batch', async () => {
    const verdicts = (await running.get('same name')) as Awaited<ReturnType<typeof sameNameTwoNamespaces>>;
    expect(verdicts[`${ns}-x`]).toMatchObject({ verdict: 'Failed' });
    expect(verdicts[`${ns}-y`]).toMatchObject({ verdict: 'Successful' });
  });
});
