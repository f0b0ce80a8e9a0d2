/**
 * The analysis package's public API for the controller: a Prometheus provider, measureAnalysis (I/O:
 * runs every query of an AnalysisSpec for one ModelVariant), measureRound (I/O: many ModelVariants at
 * once, each built-in template sent once for all of them, batch-query.ts) and judge (pure: verdicts, counters, the
 * continue/hold/rollback decision and the status.analysis to write), plus the trust rules a run obeys
 * before it asks anything: the credentials label on Secrets and the operator's address allow-list.
 * See docs/analysis.md.
 */
export { createPrometheusProvider, type AnalysisLogger, type PrometheusProvider, type PrometheusProviderOptions } from './prometheus-provider.ts';
export type { QueryResult, VectorResult, VectorSample } from './prometheus-response.ts';
export { measureAnalysis, planMeasurements, type MeasureOptions, type MeasurementPlan, type MetricQuerier, type Planned } from './measure.ts';
export { measureRound, planRound, collectRound, type RoundPlan, type RoundQuerier, type RoundResult } from './measure-round.ts';
export { batchTemplate, batchedTemplateOf, fanOut, indexBatch, memberKey, renderBatch, GROUP_LABELS, type BatchAnswer, type BatchMember } from './batch-query.ts';
export { judge, judgeRunError, hasUsableNumbers, type AnalysisResult, type Decision, type JudgeOptions, type PreviousRuns } from './judge.ts';
export { burnRate, errorRatio, budgetConsumed, multiwindowVerdict, plannedRolloutMs, type BurnRateResult } from './burn-rate.ts';
export { judgeSli, thresholdText, type SliResult } from './sli-verdict.ts';
export { renderQuery, escapeLabelValue, isPromDuration, toPromDuration, TEMPLATE_VARIABLES, type TemplateVars } from './render-query.ts';
export { BUILTIN_SLIS, DEFAULT_BURN_RATE_QUERIES, isBuiltinSli, type BuiltinSli, type BuiltinSliName } from './builtins.ts';
export {
  ALL_BUILTIN_NAMES, DCGM_SLIS, PROFILE_SLIS, SLI_PROFILES, TRITON_SLIS, resolveBuiltin, type SliProfile,
} from './profiles.ts';
export { jensenShannon, wasserstein1, type CumulativeHistogram, type DistanceError, type DistanceResult } from './distribution-distance.ts';
export { formatPromValue, parsePromValue } from './prom-value.ts';
export { DEFAULTS, type AnalysisSpec, type AnalysisTarget, type PrometheusSpec, type SliSpec, type SloSpec } from './spec.ts';
export type { AnalysisStatus, BurnRateStatus, SliStatus } from './status.ts';
export type { Measured, Measurements, SliMeasurement, BurnRateMeasurement } from './measurements.ts';
export { NO_USABLE_NUMBER, REASONS, type Reason, type Verdict } from './verdict.ts';
export { isUnavailable, type AnalysisError, type CredentialField, type PromError, type RunError, type SpecError, type TrustError } from './errors.ts';
export { PROMETHEUS_CREDENTIALS_LABEL, credentialFromSecret, labelCommand, secretReadError, type SecretLike } from './credentials.ts';
export {
  ALLOWED_ADDRESSES_FLAG, checkAddressAllowed, matchesAllowedAddress, parseAllowedAddress, parseAllowedAddresses, type AllowedAddress,
} from './address-policy.ts';
export { clip, describeBody, serverText, MAX_SERVER_TEXT } from './sanitize.ts';
