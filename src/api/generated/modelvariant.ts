/**
 * Generated from crds/activationcanary.io_modelvariants.yaml (v1alpha1) by scripts/gen-api-types.ts; do not edit; run npm run gen.
 */
import type { V1ObjectMeta, V1PodTemplateSpec } from '@kubernetes/client-node';

/**
 * replicas (no mesh: one Service selects both roles and traffic follows the replica ratio), gatewayAPI (weights on the backendRefs of an HTTPRoute) or istio (weights on a VirtualService). With gatewayAPI and istio, stable keeps spec.replicas and the canary runs pods for its weight.
 */
export type TrafficProvider = 'replicas' | 'gatewayAPI' | 'istio';
/**
 * A built-in SLI of the profile's server (queries in docs/analysis.md).
 */
export type BuiltinSLI =
  | 'activationSaturation'
  | 'deadUnits'
  | 'nonFinite'
  | 'latencyP95'
  | 'errorRate'
  | 'accuracy'
  | 'activationDrift'
  | 'activationDriftFromReference'
  | 'quantizationDelta'
  | 'calibrationError'
  | 'memoryFootprint'
  | 'latencyMean'
  | 'queueLatencyMean'
  | 'gpuUtilization'
  | 'gpuMemoryUsed';
/**
 * Whose metric names the builtin reads: reference (the reference variant server; when absent), triton (NVIDIA Triton's nv_inference_* and nv_gpu_*) or dcgm (dcgm-exporter's DCGM_FI_DEV_*).
 */
export type SLIProfile = 'reference' | 'triton' | 'dcgm';
/**
 * Healthy (no canary), Progressing (walking the steps), Paused (by a signal, a step without pause, missing capacity or inconclusive analysis), Promoting (canary becoming stable), Degraded (rolled back).
 */
export type Phase = 'Healthy' | 'Progressing' | 'Paused' | 'Promoting' | 'Degraded';
/**
 * The outcome of a judgement: Successful, Failed, Inconclusive (no data, NaN, too few samples) or Error (the query failed).
 */
export type Verdict = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
/**
 * The statistical judge's verdict: Pass (not worse by the minimum effect), Fail (worse), Inconclusive (not known yet, too few samples).
 */
export type StatisticalVerdict = 'Pass' | 'Fail' | 'Inconclusive';

/**
 * A ModelVariant serves one ML model on GPU pods and rolls a change of its activation function (relu → gelu, …) out as a canary: traffic shifts to the new variant in steps, Prometheus SLIs judge it, and the operator promotes it or rolls it back on its own. To pause, resume, promote, abort or retry a rollout, set the annotation activationcanary.io/signal to <verb>@<unique id>.
 */
export interface ModelVariant {
  /**
   * activationcanary.io/v1alpha1
   */
  apiVersion?: string;
  /**
   * ModelVariant
   */
  kind?: string;
  metadata?: V1ObjectMeta;
  spec: ModelVariantSpec;
  status?: ModelVariantStatus;
}
/**
 * What the model team wants served. Change spec.activation to start a canary; everything else tunes how it runs.
 */
export interface ModelVariantSpec {
  /**
   * The desired activation variant, e.g. gelu. The operator passes it to every container in the variantEnv environment variable. Changing it starts a canary from the current stable variant; reverting it during a canary aborts the canary.
   */
  activation: string;
  /**
   * Total serving replicas. With the replicas traffic provider, stable and canary pods add up to this number and traffic splits by their ratio; with a mesh each role keeps enough pods for its share.
   */
  replicas?: number;
  /**
   * The environment variable through which the activation variant reaches every container of the template.
   */
  variantEnv?: string;
  /**
   * The pod template (a core/v1 PodTemplateSpec) of both the stable and the canary Deployment: image, nvidia.com/gpu limits, nodeSelector, tolerations, probes. The operator adds the role/variant labels and the variantEnv variable; do not set them here.
   */
  template: V1PodTemplateSpec;
  traffic?: Traffic;
  strategy?: Strategy;
}
/**
 * How traffic is split between the stable and the canary variant.
 */
export interface Traffic {
  provider?: TrafficProvider;
  gatewayAPI?: GatewayAPITraffic;
  istio?: IstioTraffic;
}
/**
 * The Gateway API HTTPRoute that splits traffic. Either httpRoute (existing mode: an HTTPRoute you keep, e.g. in Git, whose backendRefs to <name>-stable and <name>-canary the operator weights, changing nothing else) or parentRefs (managed mode: the operator creates and owns the HTTPRoute <name>).
 */
export interface GatewayAPITraffic {
  /**
   * Existing mode: the HTTPRoute in the ModelVariant's namespace. It needs a rule whose backendRefs name <name>-stable and <name>-canary; the operator sets their weights and nothing else.
   */
  httpRoute?: string;
  /**
   * Managed mode: the Gateways the HTTPRoute <name> attaches to.
   *
   * @minItems 1
   * @maxItems 16
   *
   * Items: A parent reference of the HTTPRoute (a Gateway API ParentReference).
   */
  parentRefs?: {
    /**
     * Group of the parent (default gateway.networking.k8s.io).
     */
    group?: string;
    /**
     * Kind of the parent (default Gateway).
     */
    kind?: string;
    /**
     * The parent's namespace (default the ModelVariant's).
     */
    namespace?: string;
    /**
     * The parent's name, e.g. the Gateway.
     */
    name: string;
    /**
     * A listener of the Gateway.
     */
    sectionName?: string;
    /**
     * A port of the Gateway.
     */
    port?: number;
  }[];
  /**
   * Managed mode, optional: the hostnames the HTTPRoute matches.
   *
   * @maxItems 16
   *
   * Items: A hostname, e.g. sentiment.example.com.
   */
  hostnames?: string[];
  /**
   * The Service port the backendRefs point at (the model server's port).
   */
  port: number;
}
/**
 * The Istio VirtualService that splits traffic. Either virtualService (existing mode: one you keep, whose HTTP route destinations for this model's Services the operator weights, changing nothing else) or hosts (managed mode: the operator creates and owns the VirtualService <name>).
 */
export interface IstioTraffic {
  /**
   * Existing mode: the VirtualService in the ModelVariant's namespace. It needs an HTTP route whose destinations are <name>-stable and <name>-canary (or host <name> with subsets stable and canary of a DestinationRule); the operator sets their weights and nothing else.
   */
  virtualService?: string;
  /**
   * Managed mode: the hosts of the VirtualService <name>, e.g. translation.ml.svc.cluster.local.
   *
   * @minItems 1
   * @maxItems 16
   *
   * Items: A host clients call, e.g. translation.ml.svc.cluster.local.
   */
  hosts?: string[];
  /**
   * Managed mode, optional: Istio Gateways (namespace/name) the VirtualService applies to; omitted, the mesh.
   *
   * @maxItems 16
   *
   * Items: An Istio Gateway, e.g. istio-system/public, or mesh.
   */
  gateways?: string[];
  /**
   * The destination port (the model server's port), when the Service exposes more than one.
   */
  port?: number;
}
/**
 * How a canary proceeds from the first step to promotion.
 */
export interface Strategy {
  /**
   * The steps the canary walks through: weights (strictly increasing), header routes and mirrors. After the last step the canary is promoted. A step without pause waits for a promote signal.
   *
   * @minItems 1
   * @maxItems 20
   */
  steps?: Step[];
  /**
   * How long a step may take to become ready (e.g. GPU pods stuck Pending) before the canary is rolled back.
   */
  progressDeadline?: string;
  /**
   * With provider gatewayAPI or istio: the canary's pod count at every step below 100 %, whatever the weight. Unset: ceil(spec.replicas × weight / 100), at least 1. Ignored by the replicas provider.
   */
  canaryReplicas?: number;
  /**
   * Serving pods (ready pods receiving traffic) a rollout may take below spec.replicas at any moment. Unset: 0 when the cluster had room for one more pod of the template when the rollout started (the rollout surges instead), else 1.
   */
  maxUnavailable?: number;
  /**
   * How long promotion (the canary's template becoming stable at full size and Ready) may take before it is reported stalled.
   */
  promotionDeadline?: string;
  /**
   * How long a rollout may hold for free GPU capacity before it is rolled back. The hold does not count toward progressDeadline.
   */
  capacityTimeout?: string;
  analysis?: Analysis;
  experiment?: Experiment;
}
/**
 * One step of the canary: exactly one of setWeight, setHeaderRoute (gatewayAPI and istio) or setMirror (gatewayAPI and istio), with an optional pause.
 */
export interface Step {
  /**
   * The canary's share of traffic at this step, in percent (1–100).
   */
  setWeight?: number;
  /**
   * From this step until promotion or rollback, requests carrying this header with this exact value go to the canary (smoke tests), before and beside any weight. Needs provider gatewayAPI or istio.
   */
  setHeaderRoute?: {
    /**
     * The HTTP header name, e.g. x-activation-variant.
     */
    name: string;
    /**
     * The exact header value, e.g. canary.
     */
    value: string;
  };
  /**
   * During this step, this percentage of requests is copied to the canary while clients get stable's answers (shadow traffic); the canary is judged by the same SLIs. Needs provider gatewayAPI or istio.
   */
  setMirror?: {
    /**
     * Percent of requests mirrored to the canary (1–100).
     */
    percent: number;
  };
  /**
   * How long to stay at this weight once it is reached (e.g. 2m, 1h30m). Omit it to wait for a promote signal.
   */
  pause?: string;
}
/**
 * Judges the canary from Prometheus at every step. Omit it and the canary promotes on the steps' pauses alone.
 */
export interface Analysis {
  /**
   * How often the SLIs and the burn rate are queried.
   */
  interval?: string;
  /**
   * Consecutive Failed verdicts before the canary is rolled back.
   */
  failureLimit?: number;
  /**
   * Consecutive Inconclusive or Error verdicts (no data, NaN, Prometheus down) before the canary is rolled back.
   */
  inconclusiveLimit?: number;
  prometheus: PrometheusSource;
  slo?: SLO;
  /**
   * Service-level indicators judged at every interval, canary against its bounds and against stable. Names are unique. No data, NaN or too few samples is Inconclusive, never a pass.
   *
   * @maxItems 20
   */
  slis?: SLI[];
}
/**
 * The Prometheus server that scrapes the model server's metrics.
 */
export interface PrometheusSource {
  /**
   * Base URL of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090.
   */
  address: string;
  /**
   * Timeout of each query; a timed-out query counts as Error, never as a pass.
   */
  timeout?: string;
  caSecretRef?: SecretKeyRef;
  /**
   * A key of a Secret in the ModelVariant's namespace holding the bearer token sent to Prometheus. The Secret must carry the label activationcanary.io/prometheus-credentials="true", or the operator will not read it.
   */
  bearerTokenSecretRef?: SecretKeyRef;
}
/**
 * A key of a Secret in the ModelVariant's namespace.
 */
export interface SecretKeyRef {
  /**
   * Name of the Secret.
   */
  name: string;
  /**
   * Key within the Secret, e.g. ca.crt.
   */
  key: string;
}
/**
 * The error-budget objective. When set (even as {}), the canary fails when it burns its budget faster than burnRateThreshold on both the short and the long window; omit it to judge the SLIs alone (e.g. a model server without the reference error metrics).
 */
export interface SLO {
  /**
   * The fraction of good requests the model must serve, e.g. 0.995 (99.5%); the error budget is 1 − objective.
   */
  objective?: number;
  /**
   * The short burn-rate window; it catches a fast burn early.
   */
  shortWindow?: string;
  /**
   * The long burn-rate window; it keeps a short spike from failing the canary alone.
   */
  longWindow?: string;
  /**
   * Fail when both windows burn the error budget faster than this multiple of the sustainable rate.
   */
  burnRateThreshold?: number;
  /**
   * PromQL template counting bad events over {{window}}, in the same unit as totalQuery; default: requests answered 5xx plus requests with a non-finite prediction (each request counts once). Placeholders {{namespace}}, {{name}}, {{role}}, {{variant}}, {{window}}.
   */
  errorQuery?: string;
  /**
   * PromQL template counting all events over {{window}} (default requests); same placeholders as errorQuery.
   */
  totalQuery?: string;
}
/**
 * One SLI; exactly one of builtin and query, and at least one bound.
 */
export interface SLI {
  /**
   * A unique name for the SLI, shown in status and events (e.g. latencyP95).
   */
  name: string;
  builtin?: BuiltinSLI;
  profile?: SLIProfile;
  /**
   * A PromQL template returning one number per role; placeholders {{namespace}}, {{name}}, {{role}}, {{variant}}, {{window}} are replaced with escaped label values.
   */
  query?: string;
  /**
   * A PromQL template counting the samples behind query in the window (same placeholders); needed when minSamples is above 0.
   */
  samplesQuery?: string;
  /**
   * Fail when the canary's value is above this.
   */
  max?: number;
  /**
   * Fail when the canary's value is below this.
   */
  min?: number;
  /**
   * Fail when the canary's value is above this multiple of stable's (e.g. 1.2 allows 20% worse).
   */
  maxRatioToStable?: number;
  /**
   * Fail when the canary's value is below this multiple of stable's (e.g. 0.98).
   */
  minRatioToStable?: number;
  /**
   * Below this many samples in the window the SLI is Inconclusive. Default 0 for a query, SLI-specific for a builtin.
   */
  minSamples?: number;
  /**
   * The range the SLI is computed over, substituted for {{window}} in the query (default 1m).
   */
  window?: string;
}
/**
 * Runs 2–5 candidate activations beside stable at once, each on a small share of traffic, and judges them statistically against stable and against each other (docs/experiments.md). At the end the winner is rolled out through the steps as an ordinary canary (promoteWinner), or stable is kept and status says why. The experiment runs from a steady state (spec.activation serving as stable); it is judged once, when every comparison has its minimum samples or when duration has passed, whichever comes first.
 */
export interface Experiment {
  /**
   * The candidate activations, each with its share of traffic. Stable keeps the rest.
   *
   * @minItems 2
   * @maxItems 5
   */
  candidates: ExperimentCandidate[];
  /**
   * The longest the experiment runs. When it passes before every comparison has its minimum samples, it is judged with what it has (a comparison with too few samples is Inconclusive and cannot win).
   */
  duration?: string;
  /**
   * Per-interval samples each side needs for a sampled SLI (latency, ratios: one sample per strategy.analysis.interval) before the experiment may be judged early. A counted SLI (errorRate, nonFinite, accuracy) needs the SLI's own minSamples of requests or predictions.
   */
  minSamples?: number;
  /**
   * 1 − α of every comparison, e.g. 0.95.
   */
  confidenceLevel?: number;
  /**
   * The power the sample-size estimate in status aims for, e.g. 0.8.
   */
  power?: number;
  /**
   * The SLIs of strategy.analysis.slis that judge the candidates, each with the smallest change that matters. A candidate worse than stable on any of them is excluded.
   *
   * @minItems 1
   * @maxItems 10
   */
  slis: ExperimentSLI[];
  /**
   * The objective, most important first: after excluding candidates that fail an SLI, candidates are ordered by the first SLI (a difference counts only when it is significant and at least its minimum effect), ties are broken by the next. The winner must be significantly better than stable on one of them.
   *
   * @minItems 1
   * @maxItems 5
   */
  rankBy: ExperimentObjective[];
  /**
   * true: the winner is rolled out through strategy.steps as a canary and becomes stable, while spec.activation stays as Git has it (commit the winner to spec.activation afterwards). false: the experiment only reports.
   */
  promoteWinner?: boolean;
}
/**
 * One candidate activation and its traffic share.
 */
export interface ExperimentCandidate {
  /**
   * The candidate's activation, e.g. gelu. It runs in the Deployment and Service <name>-exp-<activation> (an _ becomes -), so metadata.name plus 5 plus its length must fit in 63.
   */
  activation: string;
  /**
   * The candidate's share of traffic in percent (1–25).
   */
  weight: number;
}
/**
 * One judged SLI.
 */
export interface ExperimentSLI {
  /**
   * The name of an SLI in strategy.analysis.slis.
   */
  name: string;
  /**
   * Which way the SLI gets worse; required for an SLI with a query (a builtin knows its own).
   */
  worse?: 'higher' | 'lower';
  /**
   * The smallest change that matters, in the SLI's unit (absolute) or as a fraction of stable's value (relative); the larger applies.
   */
  minimumEffect: {
    /**
     * In the SLI's unit, e.g. 0.01 (a point of accuracy) or 0.005 (5 ms).
     */
    absolute?: number;
    /**
     * A fraction of stable's value, e.g. 0.1 for 10 %.
     */
    relative?: number;
  };
}
/**
 * One objective SLI and which way is better.
 */
export interface ExperimentObjective {
  /**
   * The name of an SLI in strategy.experiment.slis.
   */
  sli: string;
  /**
   * higher (e.g. accuracy) or lower (e.g. latencyP95).
   */
  prefer: 'higher' | 'lower';
}
/**
 * What the operator observed and decided. Written only by the operator, through the status subresource.
 */
export interface ModelVariantStatus {
  phase?: Phase;
  /**
   * The activation the stable Deployment serves.
   */
  stableActivation?: string;
  /**
   * The activation the canary Deployment serves; empty when no canary runs.
   */
  canaryActivation?: string;
  /**
   * The hash of the pod template the stable Deployment serves; the variant is the activation plus this revision.
   */
  stableRevision?: string;
  /**
   * The hash of the canary Deployment's pod template; empty when no canary runs.
   */
  canaryRevision?: string;
  /**
   * What the rollout changes, in words, e.g. image reg/model:1 → reg/model:2; activation relu → gelu.
   */
  change?: string;
  /**
   * The pods of this ModelVariant (stable plus canary), for the scale subresource.
   */
  replicas?: number;
  /**
   * The label selector of this ModelVariant's pods (activationcanary.io/model=<name>), for the scale subresource.
   */
  selector?: string;
  /**
   * When the current hold for free GPU capacity began; absent when the rollout is not holding. The hold rolls back after spec.strategy.capacityTimeout.
   */
  capacityHoldSince?: string;
  /**
   * The maxUnavailable in effect for the current rollout (spec.strategy.maxUnavailable, or the value chosen when it is unset).
   */
  maxUnavailable?: number;
  /**
   * Index into spec.strategy.steps of the step being walked.
   */
  currentStepIndex?: number;
  /**
   * The canary's current share of traffic in percent, as observed on the route.
   */
  canaryWeight?: number;
  /**
   * When the current step began (its weight was set); the progress deadline counts from here.
   */
  stepStartedAt?: string;
  /**
   * When the current step's weight was reached with ready pods; the step's pause counts from here, so it survives operator restarts.
   */
  weightReachedAt?: string;
  /**
   * When the current canary started.
   */
  rolloutStartedAt?: string;
  /**
   * When a pause signal paused the rollout; absent when it is not paused by a user.
   */
  pausedAt?: string;
  /**
   * The route object a weighted router last acted on (gatewayAPI, istio); when spec.traffic moves away from it, the operator first leaves it sending everything to stable (a managed one is deleted).
   */
  trafficRoute?: {
    /**
     * gatewayAPI or istio.
     */
    provider?: string;
    /**
     * The HTTPRoute or VirtualService name.
     */
    name?: string;
    /**
     * True when the operator created and owns it.
     */
    managed?: boolean;
  };
  /**
   * The last value of the activationcanary.io/signal annotation the operator acted on; the same value is never acted on twice.
   */
  handledSignal?: string;
  /**
   * A human explanation of the current phase.
   */
  message?: string;
  /**
   * The metadata.generation this status describes.
   */
  observedGeneration?: number;
  analysis?: AnalysisStatus;
  experiment?: ExperimentStatus;
  /**
   * Available, Progressing, Degraded, MetricsAvailable, CapacityAvailable, SpecValid, ChildrenReconciled and TrafficSplitExact (metav1.Condition).
   *
   * @maxItems 16
   */
  conditions?: StatusCondition[];
}
/**
 * The latest analysis run of the current canary.
 */
export interface AnalysisStatus {
  /**
   * When the SLIs were last queried.
   */
  lastRunAt?: string;
  verdict?: Verdict;
  /**
   * Failed verdicts in a row (rollback at spec.strategy.analysis.failureLimit).
   */
  consecutiveFailures?: number;
  /**
   * Inconclusive or Error verdicts in a row (rollback at spec.strategy.analysis.inconclusiveLimit).
   */
  consecutiveInconclusive?: number;
  /**
   * The last values of every SLI.
   *
   * @maxItems 20
   */
  slis?: SLIStatus[];
  burnRate?: BurnRateStatus;
}
/**
 * One SLI's last result.
 */
export interface SLIStatus {
  /**
   * The SLI's name from spec.
   */
  name: string;
  /**
   * The canary's value in Prometheus text form (0.012, NaN, +Inf); absent when there was no data.
   */
  canaryValue?: string;
  /**
   * Stable's value in Prometheus text form; absent when there was no data.
   */
  stableValue?: string;
  /**
   * The bound the canary's value was judged against, as text (e.g. <= 0.01, <= 1.2 × stable).
   */
  threshold?: string;
  /**
   * This SLI's verdict.
   */
  verdict?: Verdict;
  /**
   * The CamelCase reason of the verdict, e.g. AboveMax, NoData, TooFewSamples.
   */
  reason?: string;
  /**
   * A sentence with the values, the bound and the window behind the verdict.
   */
  message?: string;
  /**
   * The range the values were computed over, e.g. 1m.
   */
  window?: string;
  /**
   * When the values were measured.
   */
  measuredAt?: string;
  /**
   * The canary's samples in the window, compared with minSamples (a Prometheus count, so possibly fractional).
   */
  samples?: number;
  /**
   * Stable's samples in the window, when a ratio bound needs them.
   */
  stableSamples?: number;
}
/**
 * The canary's error-budget burn rate on both windows.
 */
export interface BurnRateStatus {
  /**
   * The short window used.
   */
  shortWindow?: string;
  /**
   * The long window used.
   */
  longWindow?: string;
  /**
   * The burn rate on the short window, in Prometheus text form.
   */
  short?: string;
  /**
   * The burn rate on the long window, in Prometheus text form.
   */
  long?: string;
  /**
   * The burn-rate threshold both windows were compared with.
   */
  threshold?: number;
  /**
   * The fraction of the error budget left over the long window, in Prometheus text form.
   */
  budgetRemaining?: string;
  /**
   * The burn-rate verdict.
   */
  verdict?: Verdict;
  /**
   * The CamelCase reason of the verdict, e.g. WithinBudget, BurnRateExceeded.
   */
  reason?: string;
  /**
   * A sentence with both burn rates, the threshold and the budget left.
   */
  message?: string;
}
/**
 * The experiment of spec.strategy.experiment (docs/experiments.md); absent when none ran.
 */
export interface ExperimentStatus {
  /**
   * A hash of the experiment spec and the template revision it ran with; a new id starts a new experiment.
   */
  id?: string;
  /**
   * Running (candidates serve and are measured) or Decided.
   */
  phase?: 'Running' | 'Decided';
  /**
   * The stable activation (and spec.activation) the candidates were judged against.
   */
  baseActivation?: string;
  /**
   * When the experiment began (its candidates were asked for); strategy.progressDeadline counts from here until they are ready.
   */
  beganAt?: string;
  /**
   * When the candidates first all served their share (sampling and the duration start here).
   */
  startedAt?: string;
  /**
   * When the experiment was judged.
   */
  decidedAt?: string;
  /**
   * The winning candidate; absent when stable is kept.
   */
  winner?: string;
  /**
   * Measuring or DeployingCandidates while running; WinnerFound, NoCandidateBetter, AllCandidatesExcluded, Inconclusive, CandidatesNotReady, Aborted or Cancelled (the spec changed under it) once decided.
   */
  reason?: string;
  /**
   * Why, in words; while running, how many more samples the decision needs and how long they take.
   */
  message?: string;
  /**
   * When the candidates were last measured.
   */
  lastRunAt?: string;
  /**
   * The ranked table, best first (rank 1); an excluded or undecided candidate has no rank.
   *
   * @maxItems 5
   */
  candidates?: CandidateStatus[];
}
/**
 * One candidate's row.
 */
export interface CandidateStatus {
  /**
   * The candidate activation.
   */
  activation: string;
  /**
   * Its place, 1 = best; absent when excluded or undecided.
   */
  rank?: number;
  verdict?: StatisticalVerdict;
  /**
   * Why it ranks where it does or was excluded, e.g. latencyP95 worse than stable.
   */
  reason?: string;
  /**
   * Each judged SLI against stable.
   *
   * @maxItems 10
   */
  slis?: CandidateSLIStatus[];
}
/**
 * One SLI of one candidate against stable.
 */
export interface CandidateSLIStatus {
  /**
   * The SLI.
   */
  name: string;
  /**
   * The candidate's median (sampled SLIs) or proportion (counted SLIs).
   */
  value?: string;
  /**
   * Stable's median or proportion.
   */
  stableValue?: string;
  /**
   * candidate − stable: the Hodges–Lehmann shift or the difference of proportions.
   */
  difference?: string;
  /**
   * Lower end of the interval of the difference (at 1 − 2α).
   */
  lower?: string;
  /**
   * Upper end of the interval of the difference.
   */
  upper?: string;
  /**
   * The one-sided p-value toward worse.
   */
  pValue?: string;
  /**
   * The candidate's samples (intervals, or requests for a counted SLI).
   */
  samples?: number;
  /**
   * Stable's samples.
   */
  stableSamples?: number;
  /**
   * More samples per side the configured effect needs at this confidence and power.
   */
  moreSamples?: number;
  /**
   * Pass (not worse by the minimum effect), Fail (worse), Inconclusive (not known yet).
   */
  verdict?: StatisticalVerdict;
  /**
   * WithinMargin, WorseThanBaseline, TooFewSamples, NotEnoughEvidence, NoData or Error.
   */
  reason?: string;
}
/**
 * A metav1.Condition.
 */
export interface StatusCondition {
  /**
   * The condition type in CamelCase, e.g. Available.
   */
  type: string;
  /**
   * True, False or Unknown.
   */
  status: 'True' | 'False' | 'Unknown';
  /**
   * The metadata.generation the condition was set for.
   */
  observedGeneration?: number;
  /**
   * When the status last changed.
   */
  lastTransitionTime: string;
  /**
   * A CamelCase reason for the last transition, e.g. ProgressDeadlineExceeded.
   */
  reason: string;
  /**
   * A human message with details, e.g. what to fix.
   */
  message: string;
}
