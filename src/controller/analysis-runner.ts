/**
 * The analysis I/O shell the reconciler calls when a run is due: resolves the Prometheus CA and
 * bearer token from Secrets, keeps one provider per address and credentials, measures every SLI and
 * the burn rate, and hands the numbers to the pure `judge`. It never throws: a missing Secret or an
 * unreachable Prometheus becomes an Error verdict the planner holds on (and rolls back past the limit).
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { withDefaults, type ModelVariant } from '../api/types.ts';
import { plannedRolloutMs } from '../analysis/burn-rate.ts';
import { judge } from '../analysis/judge.ts';
import { measureAnalysis } from '../analysis/measure.ts';
import { createPrometheusProvider, type PrometheusProvider } from '../analysis/prometheus-provider.ts';
import type { SecretKeyRef } from '../analysis/spec.ts';
import { parseDuration } from '../util/duration.ts';
import type { AnalysisRunner } from './context.ts';
import type { AnalysisOutcome, AnalysisStatus } from './model.ts';

export interface AnalysisRunnerOptions {
  core: CoreV1Api;
  logger: Logger;
  /** Called with each query's duration, for the operator's metrics. */
  onQuery?(durationMs: number): void;
}

async function readSecretKey(core: CoreV1Api, namespace: string, ref: SecretKeyRef, field: string): Promise<string> {
  let data: Record<string, string> | undefined;
  try {
    data = (await core.readNamespacedSecret({ namespace, name: ref.name })).data;
  } catch (err) {
    const code = (err as { code?: number }).code;
    throw new Error(code === 404
      ? `${field}: Secret ${namespace}/${ref.name} not found; create it or fix the reference`
      : `${field}: cannot read Secret ${namespace}/${ref.name} (${code === 403 ? 'forbidden: grant the operator get on secrets' : String(err)})`, { cause: err });
  }
  const value = data?.[ref.key];
  if (value === undefined) throw new Error(`${field}: Secret ${namespace}/${ref.name} has no key "${ref.key}" (keys: ${Object.keys(data ?? {}).join(', ') || 'none'})`);
  return Buffer.from(value, 'base64').toString('utf8');
}

function errorOutcome(previous: AnalysisStatus | undefined, now: number, message: string): AnalysisOutcome {
  const inconclusive = Number(previous?.consecutiveInconclusive ?? 0) + 1;
  return {
    verdict: 'Error', action: 'hold', reason: 'AnalysisError', message, metricsAvailable: false,
    status: { ...(previous ?? {}), lastRunAt: new Date(now).toISOString(), verdict: 'Error', consecutiveInconclusive: inconclusive },
  };
}

export function createAnalysisRunner(opts: AnalysisRunnerOptions): AnalysisRunner {
  const providers = new Map<string, PrometheusProvider>();
  return async (mv: ModelVariant, previous: AnalysisStatus | undefined, now: number): Promise<AnalysisOutcome> => {
    const spec = withDefaults(mv.spec);
    const analysis = spec.strategy.analysis;
    const namespace = mv.metadata?.namespace ?? '';
    if (!analysis) return errorOutcome(previous, now, 'no analysis is configured');
    try {
      const prom = analysis.prometheus;
      const caPem = prom.caSecretRef ? await readSecretKey(opts.core, namespace, prom.caSecretRef, 'prometheus.caSecretRef') : undefined;
      const bearerToken = prom.bearerTokenSecretRef ? await readSecretKey(opts.core, namespace, prom.bearerTokenSecretRef, 'prometheus.bearerTokenSecretRef') : undefined;
      const timeoutMs = parseDuration(prom.timeout) ?? 10_000;
      const cacheKey = JSON.stringify([prom.address, timeoutMs, caPem, bearerToken]);
      let provider = providers.get(cacheKey);
      if (!provider) {
        provider = createPrometheusProvider({ address: prom.address, timeoutMs, logger: opts.logger.child({ prometheus: prom.address }),
          ...(caPem ? { caPem } : {}), ...(bearerToken ? { bearerToken } : {}) });
        providers.set(cacheKey, provider);
      }
      const querier = opts.onQuery ? timed(provider, opts.onQuery) : provider;
      const target = { namespace, name: mv.metadata?.name ?? '', canaryVariant: spec.activation, stableVariant: mv.status?.stableActivation ?? '' };
      const measurements = await measureAnalysis(querier, analysis, target, new Date(now));
      const result = judge(analysis, measurements, {
        consecutiveFailures: Number(previous?.consecutiveFailures ?? 0),
        consecutiveInconclusive: Number(previous?.consecutiveInconclusive ?? 0),
      }, { plannedRolloutMs: plannedRolloutMs(spec.strategy.steps) });
      return {
        verdict: result.verdict, action: result.decision.action, reason: result.decision.reason, message: result.decision.message,
        metricsAvailable: result.metricsAvailable, status: result.status,
      };
    } catch (err) {
      return errorOutcome(previous, now, err instanceof Error ? err.message : String(err));
    }
  };
}

function timed(provider: PrometheusProvider, onQuery: (ms: number) => void): PrometheusProvider {
  return {
    ...provider,
    async query(...args: Parameters<PrometheusProvider['query']>) {
      const t0 = performance.now();
      try {
        return await provider.query(...args);
      } finally {
        onQuery(performance.now() - t0);
      }
    },
  };
}
