/**
 * Prepares one ModelVariant's analysis run for the analysis scheduler (analysis-scheduler.ts). First
 * the trust rules: the address must pass the operator's allow-list (--prometheus-allowed-addresses)
 * before anything else happens, and the CA and bearer token come only from Secrets their owner marked
 * with PROMETHEUS_CREDENTIALS_LABEL. Then it keeps one provider per address, timeout and credentials
 * (which is also what runs share a batch by), plans every query of the SLIs and the burn rate, and
 * hands back the pure `judge` of the measured numbers. It never throws: a refused address, a Secret
 * that is missing, forbidden or unmarked, or an unexpected failure is an Error run at once, which holds
 * the step and rolls back once inconclusiveLimit is reached.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { withDefaults, type ModelVariant } from '../api/types.ts';
import { checkAddressAllowed, type AllowedAddress } from '../analysis/address-policy.ts';
import { plannedRolloutMs } from '../analysis/burn-rate.ts';
import { credentialFromSecret, secretReadError } from '../analysis/credentials.ts';
import type { CredentialField, Result, TrustError } from '../analysis/errors.ts';
import { judge, judgeRunError, type AnalysisResult, type PreviousRuns } from '../analysis/judge.ts';
import { planMeasurements, type MeasurementPlan } from '../analysis/measure.ts';
import type { Measurements } from '../analysis/measurements.ts';
import { createPrometheusProvider, type PrometheusProvider } from '../analysis/prometheus-provider.ts';
import { serverText } from '../analysis/sanitize.ts';
import type { SecretKeyRef } from '../analysis/spec.ts';
import { parseDuration } from '../util/duration.ts';
import type { AnalysisOutcome, AnalysisStatus } from './model.ts';

export interface AnalysisRunnerOptions {
  /** Reads the credentials Secrets (by name, never listed). */
  core: Pick<CoreV1Api, 'readNamespacedSecret'>;
  logger: Logger;
  /** Called with each query's duration in milliseconds, for the operator's metrics. */
  onQuery?(durationMs: number): void;
  /** The operator's --prometheus-allowed-addresses; empty (the default) allows every address. */
  allowedAddresses?: readonly AllowedAddress[];
}

/** The decoded value of a credentials Secret's key, or why the operator does not use it (the experiment runner reads them alike). */
export async function readCredential(core: AnalysisRunnerOptions['core'], namespace: string, ref: SecretKeyRef, field: CredentialField): Promise<Result<string, TrustError>> {
  try {
    const secret = await core.readNamespacedSecret({ namespace, name: ref.name });
    return credentialFromSecret(secret, ref, namespace, field);
  } catch (err) {
    return { ok: false, error: secretReadError(err, ref, namespace, field) };
  }
}

function outcomeOf(result: AnalysisResult): AnalysisOutcome {
  return {
    verdict: result.verdict, action: result.decision.action, reason: result.decision.reason, message: result.decision.message,
    metricsAvailable: result.metricsAvailable, status: result.status,
  };
}

/** A run ready to measure on its Prometheus, or refused before any query (an Error run already judged). */
export type PreparedRun =
  | { kind: 'refused'; outcome: AnalysisOutcome }
  | {
    kind: 'ready';
    /** Runs with the same key share a Prometheus: the same address, timeout and credentials. */
    prometheusKey: string;
    provider: PrometheusProvider;
    plan: MeasurementPlan;
    /** The outcome of the measured run (pure). */
    judge(measurements: Measurements): AnalysisOutcome;
    /** The Error run for a failure of the round itself (it should not happen). */
    refuse(error: { message: string }): AnalysisOutcome;
  };

/** Prepares a ModelVariant's analysis run at the instant `at` (ms since the epoch); never throws. */
export type RunPreparer = (mv: ModelVariant, previous: AnalysisStatus | undefined, at: number) => Promise<PreparedRun>;

/** The trust checks and the provider of each run; one provider per address, timeout and credentials is kept. */
export function createRunPreparer(opts: AnalysisRunnerOptions): RunPreparer {
  const providers = new Map<string, PrometheusProvider>();
  const allowed = opts.allowedAddresses ?? [];
  return async (mv: ModelVariant, previous: AnalysisStatus | undefined, now: number): Promise<PreparedRun> => {
    const spec = withDefaults(mv.spec);
    const analysis = spec.strategy.analysis;
    const namespace = mv.metadata?.namespace ?? '';
    const at = new Date(now);
    const previousRuns: PreviousRuns = {
      consecutiveFailures: Number(previous?.consecutiveFailures ?? 0),
      consecutiveInconclusive: Number(previous?.consecutiveInconclusive ?? 0),
    };
    /** An Error run: counted toward inconclusiveLimit; the last measured values stay in status. */
    const refuse = (error: { message: string }): AnalysisOutcome => {
      const result = outcomeOf(judgeRunError(analysis ?? { prometheus: { address: '' } }, error, previousRuns, at));
      return { ...result, status: { ...result.status, slis: previous?.slis ?? [], ...(previous?.burnRate ? { burnRate: previous.burnRate } : {}) } };
    };
    const refused = (error: { message: string }): PreparedRun => ({ kind: 'refused', outcome: refuse(error) });
    if (!analysis) return refused({ message: 'no analysis is configured' });
    try {
      const prom = analysis.prometheus;
      const notAllowed = checkAddressAllowed(prom.address, allowed);
      if (notAllowed) return refused(notAllowed);
      const ca = prom.caSecretRef ? await readCredential(opts.core, namespace, prom.caSecretRef, 'prometheus.caSecretRef') : undefined;
      if (ca && !ca.ok) return refused(ca.error);
      const token = prom.bearerTokenSecretRef ? await readCredential(opts.core, namespace, prom.bearerTokenSecretRef, 'prometheus.bearerTokenSecretRef') : undefined;
      if (token && !token.ok) return refused(token.error);
      const caPem = ca?.value;
      const bearerToken = token?.value;
      const timeoutMs = parseDuration(prom.timeout) ?? 10_000;
      const prometheusKey = JSON.stringify([prom.address, timeoutMs, caPem, bearerToken]);
      let provider = providers.get(prometheusKey);
      if (!provider) {
        provider = createPrometheusProvider({ address: prom.address, timeoutMs, logger: opts.logger.child({ prometheus: prom.address }),
          ...(caPem ? { caPem } : {}), ...(bearerToken ? { bearerToken } : {}) });
        if (opts.onQuery) provider = timed(provider, opts.onQuery);
        providers.set(prometheusKey, provider);
      }
      // The canary's activation is status.canaryActivation: an experiment's winner rolls out while spec.activation still says stable's.
      const target = { namespace, name: mv.metadata?.name ?? '', canaryVariant: mv.status?.canaryActivation ?? spec.activation, stableVariant: mv.status?.stableActivation ?? '' };
      const rolloutMs = plannedRolloutMs(spec.strategy.steps);
      return {
        kind: 'ready', prometheusKey, provider, plan: planMeasurements(analysis, target), refuse,
        judge: (measurements) => outcomeOf(judge(analysis, measurements, previousRuns, { plannedRolloutMs: rolloutMs })),
      };
    } catch (err) {
      opts.logger.error({ err: serverText(err instanceof Error ? err.message : err) }, 'Analysis run failed unexpectedly');
      return refused({ message: `the analysis run failed unexpectedly (${serverText(err instanceof Error ? err.message : err)}); it is retried next run` });
    }
  };
}

/** The provider with each query's and batched query's duration reported to `onQuery` (ms). */
function timed(provider: PrometheusProvider, onQuery: (ms: number) => void): PrometheusProvider {
  const measure = async <T>(send: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await send();
    } finally {
      onQuery(performance.now() - t0);
    }
  };
  return {
    ...provider,
    query: (promql, at) => measure(() => provider.query(promql, at)),
    queryVector: (promql, at) => measure(() => provider.queryVector(promql, at)),
  };
}
