/**
 * The experiment's I/O shell the reconciler calls when a measurement is due (experimentDue): the same
 * trust rules as an analysis run (the address on the operator's allow-list, credentials only from
 * marked Secrets), one provider per address and credentials, then every judged SLI of stable and each
 * candidate measured over the experiment so far (src/analysis/experiment/measure-experiment.ts) and
 * judged (judge-experiment.ts). Final once `duration` has passed since the candidates were all ready.
 * A refused run or an unexpected failure is a judgement whose every comparison is Inconclusive with the
 * reason, so the experiment waits and, at its duration, ends Inconclusive. It throws only when called
 * for a spec without strategy.analysis or strategy.experiment, which the reconciler never does (such a
 * spec is refused by desired-experiment.ts).
 */
import type { Logger } from 'pino';
import { withDefaults, type ModelVariant } from '../api/types.ts';
import { checkAddressAllowed, type AllowedAddress } from '../analysis/address-policy.ts';
import { judgeExperiment } from '../analysis/experiment/judge-experiment.ts';
import { experimentJudgeSpec, measureExperiment, planExperimentQueries, unmeasured } from '../analysis/experiment/measure-experiment.ts';
import { createPrometheusProvider, type PrometheusProvider } from '../analysis/prometheus-provider.ts';
import { serverText } from '../analysis/sanitize.ts';
import { parseDuration } from '../util/duration.ts';
import { readCredential, type AnalysisRunnerOptions } from './analysis-runner.ts';
import type { ExperimentRunner } from './context.ts';
import type { ExperimentStatus } from './model.ts';

export function createExperimentRunner(opts: Pick<AnalysisRunnerOptions, 'core' | 'logger'> & { allowedAddresses?: readonly AllowedAddress[] }): ExperimentRunner {
  const providers = new Map<string, PrometheusProvider>();
  const allowed = opts.allowedAddresses ?? [];
  const log: Logger = opts.logger;

  /** The provider for the spec's Prometheus, or why the run is refused. */
  const providerFor = async (mv: ModelVariant): Promise<PrometheusProvider | { refused: string }> => {
    const prom = withDefaults(mv.spec).strategy.analysis?.prometheus;
    if (!prom) return { refused: 'strategy.analysis is missing: the experiment is measured with its Prometheus' };
    const notAllowed = checkAddressAllowed(prom.address, allowed);
    if (notAllowed) return { refused: notAllowed.message };
    const namespace = mv.metadata?.namespace ?? '';
    const ca = prom.caSecretRef ? await readCredential(opts.core, namespace, prom.caSecretRef, 'prometheus.caSecretRef') : undefined;
    if (ca && !ca.ok) return { refused: ca.error.message };
    const token = prom.bearerTokenSecretRef ? await readCredential(opts.core, namespace, prom.bearerTokenSecretRef, 'prometheus.bearerTokenSecretRef') : undefined;
    if (token && !token.ok) return { refused: token.error.message };
    const timeoutMs = parseDuration(prom.timeout) ?? 10_000;
    const key = JSON.stringify([prom.address, timeoutMs, ca?.value, token?.value]);
    let provider = providers.get(key);
    if (!provider) {
      provider = createPrometheusProvider({ address: prom.address, timeoutMs, logger: log.child({ prometheus: prom.address }),
        ...(ca?.value ? { caPem: ca.value } : {}), ...(token?.value ? { bearerToken: token.value } : {}) });
      providers.set(key, provider);
    }
    return provider;
  };

  return async (mv: ModelVariant, status: ExperimentStatus, now: number) => {
    const spec = withDefaults(mv.spec);
    const analysis = spec.strategy.analysis;
    const experiment = spec.strategy.experiment;
    if (!analysis || !experiment) throw new Error('the experiment runner needs strategy.analysis and strategy.experiment (desired-experiment.ts refuses the spec otherwise)');
    const startedAt = Date.parse(status.startedAt ?? '') || now;
    const elapsedMs = Math.max(1000, now - startedAt);
    const intervalMs = parseDuration(analysis.interval) ?? 30_000;
    const final = now - startedAt >= (parseDuration(experiment.duration) ?? Infinity);
    const target = { namespace: mv.metadata?.namespace ?? '', name: mv.metadata?.name ?? '', stableVariant: status.baseActivation ?? mv.status?.stableActivation ?? '' };
    const plan = planExperimentQueries(analysis, experiment, target, elapsedMs, intervalMs);
    let data;
    try {
      const provider = await providerFor(mv);
      data = 'refused' in provider ? unmeasured(plan, `not measured: ${provider.refused}`) : await measureExperiment(provider, plan, new Date(now), elapsedMs, intervalMs);
    } catch (err) {
      const message = serverText(err instanceof Error ? err.message : err);
      log.error({ err: message }, 'Experiment measurement failed unexpectedly');
      data = unmeasured(plan, `the measurement failed unexpectedly (${message}); it is retried next interval`);
    }
    return judgeExperiment(experimentJudgeSpec(analysis, experiment), data, final);
  };
}
