/**
 * The ModelVariant API as the operator uses it: the types generated from the CRD, the names that
 * identify the resource (group, version, kind, plural), the annotation and label keys, condition types
 * and phases, and `withDefaults`, which fills the defaults the CRD declares. The apiserver applies
 * those defaults itself, but an object stored before a default existed comes back without it, so the
 * operator resolves a spec through `withDefaults` before acting on it.
 */
import type {
  Analysis,
  Experiment,
  ModelVariantSpec,
  Phase,
  PrometheusSource,
  SLO,
  Step,
  Strategy,
  Traffic,
  TrafficProvider,
} from './generated/modelvariant.ts';

export type * from './generated/modelvariant.ts';

export const GROUP = 'activationcanary.io';
export const VERSION = 'v1alpha1';
export const KIND = 'ModelVariant';
export const LIST_KIND = 'ModelVariantList';
export const PLURAL = 'modelvariants';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** `<verb>@<id>`: pause, resume, promote, abort or retry a rollout (see docs/api.md, signals). */
export const SIGNAL_ANNOTATION = 'activationcanary.io/signal';

/** Labels the operator puts on every child object and pod. */
export const LABEL = {
  /** The ModelVariant's name. */
  model: 'activationcanary.io/model',
  /** `stable` or `canary`. */
  role: 'activationcanary.io/role',
  /** The activation the pod serves. */
  variant: 'activationcanary.io/variant',
  /** The pod-template hash (status.stableRevision / canaryRevision) on pods and Deployments. */
  revision: 'activationcanary.io/revision',
} as const;

export const ROLE = { stable: 'stable', canary: 'canary' } as const;
export type Role = (typeof ROLE)[keyof typeof ROLE];

/** The `metav1.Condition` types the operator sets in status.conditions. */
export const CONDITION_TYPE = {
  Available: 'Available',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  MetricsAvailable: 'MetricsAvailable',
  CapacityAvailable: 'CapacityAvailable',
  SpecValid: 'SpecValid',
  /**
   * False when a child could not be applied: its name is taken by an object this ModelVariant does
   * not own, or the apiserver refused it.
   */
  ChildrenReconciled: 'ChildrenReconciled',
  /**
   * False when the traffic route cannot be used (missing, no rule for this model, owned by another
   * ModelVariant, its CRD not installed, refused by the apiserver); the message says what to fix.
   * A rollout does not start while it is False.
   */
  TrafficRouted: 'TrafficRouted',
  /**
   * False when the router cannot give the step's weight exactly (e.g. the replicas router with few
   * replicas); the message says what to set.
   */
  TrafficSplitExact: 'TrafficSplitExact',
} as const;
export type ConditionType = (typeof CONDITION_TYPE)[keyof typeof CONDITION_TYPE];

/** status.phase values (the CRD's enum). */
export const PHASE = {
  Healthy: 'Healthy',
  Progressing: 'Progressing',
  Paused: 'Paused',
  Promoting: 'Promoting',
  Degraded: 'Degraded',
} as const satisfies Record<Phase, Phase>;

/** The `default:` values of the CRD, by field (a unit test keeps them equal to the YAML). */
export const DEFAULTS = {
  replicas: 1,
  variantEnv: 'ACTIVATION',
  provider: 'replicas',
  steps: [{ setWeight: 50, pause: '1m' }],
  progressDeadline: '10m',
  promotionDeadline: '10m',
  capacityTimeout: '30m',
  interval: '30s',
  failureLimit: 1,
  inconclusiveLimit: 10,
  timeout: '10s',
  objective: 0.995,
  shortWindow: '1m',
  longWindow: '5m',
  burnRateThreshold: 14.4,
  /** strategy.experiment.* */
  duration: '1h',
  minSamples: 20,
  confidenceLevel: 0.95,
  power: 0.8,
  promoteWinner: true,
} as const;

export type DefaultedSLO = SLO & Required<Pick<SLO, 'objective' | 'shortWindow' | 'longWindow' | 'burnRateThreshold'>>;

export interface DefaultedAnalysis extends Analysis {
  interval: string;
  failureLimit: number;
  inconclusiveLimit: number;
  prometheus: PrometheusSource & { timeout: string };
  /** Still optional: without it the burn rate is not judged. */
  slo?: DefaultedSLO;
}

/** strategy.experiment with its defaults filled. */
export type DefaultedExperiment = Experiment & Required<Pick<Experiment, 'duration' | 'minSamples' | 'confidenceLevel' | 'power' | 'promoteWinner'>>;

export interface DefaultedStrategy extends Strategy {
  steps: Step[];
  experiment?: DefaultedExperiment;
  progressDeadline: string;
  promotionDeadline: string;
  capacityTimeout: string;
  analysis?: DefaultedAnalysis;
}

/** A spec with every field the CRD defaults present. */
export interface DefaultedModelVariantSpec extends ModelVariantSpec {
  replicas: number;
  variantEnv: string;
  traffic: Traffic & { provider: TrafficProvider };
  strategy: DefaultedStrategy;
}

/**
 * Fills the CRD's defaults where a field is absent, as the apiserver does (an absent object with a
 * default of `{}` is created and its own defaults filled; `analysis` and `slo` have none, so they stay
 * absent). Pure: returns a new spec and never shares the default step list.
 */
export function withDefaults(spec: ModelVariantSpec): DefaultedModelVariantSpec {
  const { analysis, experiment, ...strategy } = spec.strategy ?? {};
  return {
    ...spec,
    replicas: spec.replicas ?? DEFAULTS.replicas,
    variantEnv: spec.variantEnv ?? DEFAULTS.variantEnv,
    traffic: { ...spec.traffic, provider: spec.traffic?.provider ?? DEFAULTS.provider },
    strategy: {
      ...strategy,
      steps: strategy.steps ?? DEFAULTS.steps.map((step) => ({ ...step })),
      progressDeadline: strategy.progressDeadline ?? DEFAULTS.progressDeadline,
      promotionDeadline: strategy.promotionDeadline ?? DEFAULTS.promotionDeadline,
      capacityTimeout: strategy.capacityTimeout ?? DEFAULTS.capacityTimeout,
      ...(analysis ? { analysis: analysisWithDefaults(analysis) } : {}),
      ...(experiment ? { experiment: experimentWithDefaults(experiment) } : {}),
    },
  };
}

function experimentWithDefaults(experiment: Experiment): DefaultedExperiment {
  return {
    ...experiment,
    duration: experiment.duration ?? DEFAULTS.duration,
    minSamples: experiment.minSamples ?? DEFAULTS.minSamples,
    confidenceLevel: experiment.confidenceLevel ?? DEFAULTS.confidenceLevel,
    power: experiment.power ?? DEFAULTS.power,
    promoteWinner: experiment.promoteWinner ?? DEFAULTS.promoteWinner,
  };
}

function analysisWithDefaults(analysis: Analysis): DefaultedAnalysis {
  const { slo, ...rest } = analysis;
  return {
    ...rest,
    interval: rest.interval ?? DEFAULTS.interval,
    failureLimit: rest.failureLimit ?? DEFAULTS.failureLimit,
    inconclusiveLimit: rest.inconclusiveLimit ?? DEFAULTS.inconclusiveLimit,
    prometheus: { ...rest.prometheus, timeout: rest.prometheus.timeout ?? DEFAULTS.timeout },
    ...(slo
      ? {
          slo: {
            ...slo,
            objective: slo.objective ?? DEFAULTS.objective,
            shortWindow: slo.shortWindow ?? DEFAULTS.shortWindow,
            longWindow: slo.longWindow ?? DEFAULTS.longWindow,
            burnRateThreshold: slo.burnRateThreshold ?? DEFAULTS.burnRateThreshold,
          },
        }
      : {}),
  };
}
