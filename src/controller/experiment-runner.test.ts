/**
 * The experiment runner's refusals, without Prometheus: an address the operator's allow-list excludes,
 * or an unmarked credentials Secret, asks nothing and leaves every comparison Inconclusive with the
 * reason (so the experiment ends Inconclusive at its duration, never with a winner). Measuring against
 * the real Prometheus is test/integration/experiments.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { parseAllowedAddresses } from '../analysis/address-policy.ts';
import type { ModelVariant } from '../api/types.ts';
import type { AnalysisRunnerOptions } from './analysis-runner.ts';
import { createExperimentRunner } from './experiment-runner.ts';

const logger = pino({ level: 'silent' });
const startedAt = '2026-11-28T14:00:00Z';
const modelVariant = (prometheus: Record<string, unknown>): ModelVariant => ({
  apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant', metadata: { name: 'clf', namespace: 'ml' },
  spec: {
    activation: 'relu', replicas: 2, template: { spec: { containers: [{ name: 'model', image: 'model:1' }] } },
    strategy: {
      analysis: { prometheus: { address: 'http://prometheus.monitoring:9090', ...prometheus } as never, slis: [{ name: 'accuracy', builtin: 'accuracy', min: 0.9 }] },
      experiment: { candidates: [{ activation: 'gelu', weight: 10 }, { activation: 'silu', weight: 10 }], duration: '10m',
        slis: [{ name: 'accuracy', minimumEffect: { absolute: 0.01 } }], rankBy: [{ sli: 'accuracy', prefer: 'higher' }] },
    },
  },
} as ModelVariant);
const core = (asked: string[]): AnalysisRunnerOptions['core'] => ({
  readNamespacedSecret: (async ({ name }: { name: string }) => {
    asked.push(name);
    return { metadata: { name }, data: { token: Buffer.from('t').toString('base64') } };
  }) as AnalysisRunnerOptions['core']['readNamespacedSecret'],
});
const status = { id: 'x', phase: 'Running' as const, baseActivation: 'relu', startedAt };

describe('experiment runner refusals', () => {
  it('refuses an address off the allow-list: every comparison Inconclusive with the reason, Inconclusive at the duration', async () => {
    const allowed = parseAllowedAddresses('http://prometheus.other:9090');
    if (!allowed.ok) throw new Error(allowed.error);
    const run = createExperimentRunner({ core: core([]), logger, allowedAddresses: allowed.value });
    const during = await run(modelVariant({}), status, Date.parse(startedAt) + 60_000);
    expect(during.decision).toBeUndefined();
    expect(during.candidates.map((c) => c.verdict)).toEqual(['Inconclusive', 'Inconclusive']);
    expect(during.candidates[0]?.slis[0]).toMatchObject({ reason: 'Error', message: expect.stringContaining('not measured: ') });
    expect(during.candidates[0]?.slis[0]?.message).toContain('prometheus.other');
    const end = await run(modelVariant({}), status, Date.parse(startedAt) + 600_000);
    expect(end.decision).toMatchObject({ reason: 'Inconclusive' });
    expect(end.decision?.winner).toBeUndefined();
  });

  it('refuses a credentials Secret that is not marked, naming the label to add', async () => {
    const asked: string[] = [];
    const run = createExperimentRunner({ core: core(asked), logger });
    const j = await run(modelVariant({ bearerTokenSecretRef: { name: 'prom-token', key: 'token' } }), status, Date.parse(startedAt) + 60_000);
    expect(asked).toEqual(['prom-token']);
    expect(j.candidates[1]?.slis[0]?.message).toContain('activationcanary.io/prometheus-credentials=true');
  });
});
