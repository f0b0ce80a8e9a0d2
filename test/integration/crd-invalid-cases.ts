/**
 * The table of ModelVariants the CRD must reject, each with the message a user sees from
 * `kubectl apply`. Every case starts from one valid ModelVariant and breaks exactly one thing, so a
 * rejection can only come from the rule under test; the messages are the ones the CRD defines (or the
 * apiserver's own for OpenAPI bounds), so a reworded rule fails here first. VALID_EDGE_CASES are the
 * values at the very edge of a bound, which the CRD must still accept.
 */
import { DURATION_PATTERN } from '../../src/util/duration.ts';
import { API_VERSION, KIND, type BuiltinSLI, type ModelVariant, type ModelVariantSpec, type SLI, type TrafficProvider } from '../../src/api/types.ts';

export interface InvalidCase {
  /** Reads as a sentence: "rejects step weights that do not increase". */
  name: string;
  /** Breaks one thing in a valid spec (a deep copy). */
  mutate: (spec: ModelVariantSpec) => void;
  /** A substring of the apiserver's error message. */
  message: string;
  /** The ModelVariant's metadata.name, when the case is about the name (default: invalid-<index>). */
  metadataName?: string;
}

export interface ValidEdgeCase {
  /** Reads as a sentence: "accepts an analysis interval of 1s". */
  name: string;
  /** Sets one value at the edge of its bound in a valid spec (a deep copy). */
  mutate: (spec: ModelVariantSpec) => void;
  /** The ModelVariant's metadata.name, when the case is about the name (default: valid-edge-<index>). */
  metadataName?: string;
}

/** A valid ModelVariant with every optional part present, for the invalid cases to break. */
export function validModelVariant(name: string): ModelVariant {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name },
    spec: {
      activation: 'gelu',
      replicas: 4,
      template: { spec: { containers: [{ name: 'server', image: 'ghcr.io/example/sentiment-server:1.4.0' }] } },
      traffic: { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'sentiment', port: 8080 } },
      strategy: {
        steps: [{ setWeight: 5, pause: '2m' }, { setWeight: 25, pause: '5m' }, { setWeight: 50, pause: '5m' }],
        analysis: {
          prometheus: { address: 'http://prometheus.monitoring:9090' },
          slo: { objective: 0.995 },
          slis: [
            { name: 'saturation', builtin: 'activationSaturation', max: 0.01 },
            { name: 'latencyP95', builtin: 'latencyP95', max: 0.25, maxRatioToStable: 1.2 },
          ],
        },
      },
    },
  };
}

const MSG = {
  activation: 'activation must be a lowercase identifier: a letter a-z, then up to 62 of a-z, 0-9 or _ (e.g. gelu, swiglu_v2)',
  containers: 'template.spec.containers must list at least one container (the model server)',
  image: 'every container in template.spec.containers needs a non-empty image (e.g. ghcr.io/example/sentiment-server:1.4.0)',
  containerName: 'every container in template.spec.containers needs a name',
  variantEnv: 'variantEnv must be an environment variable name: letters, digits and _, not starting with a digit (e.g. ACTIVATION)',
  gatewayRequired: 'traffic.gatewayAPI (httpRoute or parentRefs, and port) is required when traffic.provider is gatewayAPI',
  gatewayMode: 'traffic.gatewayAPI: set either httpRoute (an HTTPRoute you keep) or parentRefs (the operator creates the HTTPRoute), not both and not neither',
  gatewayHostnames: 'traffic.gatewayAPI.hostnames only applies with parentRefs (managed mode)',
  istioMode: 'traffic.istio: set either virtualService (a VirtualService you keep) or hosts (the operator creates it), not both and not neither',
  istioGateways: 'traffic.istio.gateways only applies with hosts (managed mode)',
  stepKind: 'each step sets exactly one of setWeight, setHeaderRoute or setMirror (split them into separate steps)',
  gatewayForbidden: 'traffic.gatewayAPI is only allowed when traffic.provider is gatewayAPI; remove it or change the provider',
  istioRequired: 'traffic.istio (virtualService or hosts) is required when traffic.provider is istio',
  istioForbidden: 'traffic.istio is only allowed when traffic.provider is istio; remove it or change the provider',
  steps: 'strategy.steps: setWeight must strictly increase from one weight step to the next (e.g. 5, 25, 50)',
  duration: `should match '${DURATION_PATTERN}'`,
  address: 'prometheus.address must be an http:// or https:// URL with a host (e.g. http://prometheus.monitoring:9090)',
  oneOf: 'an SLI must set exactly one of builtin (a built-in SLI) and query (a PromQL template)',
  bound: 'an SLI needs at least one bound: max, min, maxRatioToStable or minRatioToStable',
  minMax: "an SLI's min must not be greater than its max",
  samplesQueryBuiltin: 'samplesQuery only applies to an SLI with a query; a builtin counts its own samples',
  samplesQueryNeeded: 'an SLI with a query and minSamples above 0 needs a samplesQuery that counts its samples',
  profileQuery: 'profile applies only to an SLI with a builtin; remove it from an SLI with a query',
  notInTriton: 'builtin is not in profile triton; use one of latencyMean, queueLatencyMean, latencyP95, errorRate, gpuUtilization, gpuMemoryUsed',
  notInDcgm: 'builtin is not in profile dcgm; use one of gpuUtilization, gpuMemoryUsed',
  notInReference: 'builtin is not in profile reference; use one of activationSaturation,',
  sliName: 'an SLI name must start with a letter and contain only letters, digits and _ (e.g. latencyP95)',
  maxRatio: "an SLI's maxRatioToStable must be greater than 0 (e.g. 1.2)",
  objective: 'slo.objective must be strictly between 0 and 1 (e.g. 0.995 for 99.5%)',
  windows: 'slo.shortWindow must be shorter than slo.longWindow (e.g. 1m and 5m)',
  burnRate: 'slo.burnRateThreshold must be greater than 0 (e.g. 14.4)',
  queries: 'slo.errorQuery and slo.totalQuery go together; set both or neither',
  pause: "a step's pause must be at most 168h (7 days), e.g. 5m; omit pause to wait for a promote signal instead",
  progressDeadline: 'strategy.progressDeadline must be between 10s and 24h (e.g. 10m)',
  promotionDeadline: 'strategy.promotionDeadline must be between 10s and 24h (e.g. 10m)',
  capacityTimeout: 'strategy.capacityTimeout must be between 1m and 168h (7 days), e.g. 30m',
  interval: 'analysis.interval must be between 1s and 1h (e.g. 30s)',
  timeout: 'prometheus.timeout must be between 100ms and 5m (e.g. 10s)',
  shortWindow: 'slo.shortWindow must be between 5s and 24h (e.g. 1m)',
  longWindow: 'slo.longWindow must be between 5s and 24h (e.g. 5m)',
  sliWindow: "an SLI's window must be between 5s and 24h (e.g. 1m)",
  childName:
    "metadata.name must not end in -stable or -canary: the operator names the children of a ModelVariant <name>-stable and <name>-canary, so such a name would collide with another ModelVariant's children; pick another name",
  nameLength: 'metadata.name must be at most 56 characters: the operator names a child Service <name>-canary, which must fit in 63',
  nameLabel: 'metadata.name must be a DNS label that starts with a letter (a-z, 0-9 and -, no dots): the operator names Services <name>, <name>-stable and <name>-canary after it',
} as const;

/** Larger than Go's time.Duration (~2562047h): CEL's duration() cannot parse it, so a guard must refuse it first. */
const HUGE = '99999999999h';

// Accessors for the parts validModelVariant always has, so the cases stay one line each.
const strategy = (s: ModelVariantSpec) => s.strategy as NonNullable<ModelVariantSpec['strategy']>;
const analysis = (s: ModelVariantSpec) => strategy(s).analysis as NonNullable<ReturnType<typeof strategy>['analysis']>;
const slo = (s: ModelVariantSpec) => analysis(s).slo as NonNullable<ReturnType<typeof analysis>['slo']>;
const sli = (s: ModelVariantSpec, i = 0) => (analysis(s).slis as SLI[])[i] as SLI;
const traffic = (s: ModelVariantSpec) => s.traffic as NonNullable<ModelVariantSpec['traffic']>;
const container = (s: ModelVariantSpec) => (s.template.spec?.containers ?? [])[0] as { name?: string; image?: string };
const weights = (s: ModelVariantSpec, ws: number[]) => {
  strategy(s).steps = ws.map((setWeight) => ({ setWeight, pause: '1m' }));
};

export const INVALID_CASES: InvalidCase[] = [
  { name: 'rejects an activation with capital letters', mutate: (s) => { s.activation = 'GELU'; }, message: MSG.activation },
  { name: 'rejects an activation that starts with a digit', mutate: (s) => { s.activation = '2relu'; }, message: MSG.activation },
  { name: 'rejects an activation with a dash', mutate: (s) => { s.activation = 'leaky-relu'; }, message: MSG.activation },
  { name: 'rejects a ModelVariant without an activation', mutate: (s) => { delete (s as Partial<ModelVariantSpec>).activation; }, message: 'spec.activation: Required value' },
  { name: 'rejects a ModelVariant without a pod template', mutate: (s) => { delete (s as Partial<ModelVariantSpec>).template; }, message: 'spec.template: Required value' },
  { name: 'rejects a pod template without containers', mutate: (s) => { s.template = { metadata: { labels: { app: 'x' } } }; }, message: MSG.containers },
  { name: 'rejects a pod template with an empty container list', mutate: (s) => { s.template = { spec: { containers: [] } }; }, message: MSG.containers },
  { name: 'rejects a container without an image', mutate: (s) => { delete container(s).image; }, message: MSG.image },
  { name: 'rejects a container with an empty image', mutate: (s) => { container(s).image = ''; }, message: MSG.image },
  { name: 'rejects a container without a name', mutate: (s) => { delete container(s).name; }, message: MSG.containerName },
  { name: 'rejects more than 1000 replicas', mutate: (s) => { s.replicas = 1001; }, message: 'should be less than or equal to 1000' },
  { name: 'rejects negative replicas', mutate: (s) => { s.replicas = -1; }, message: 'should be greater than or equal to 0' },
  { name: 'rejects a variantEnv that is not an environment variable name', mutate: (s) => { s.variantEnv = 'MODEL-ACTIVATION'; }, message: MSG.variantEnv },
  { name: 'rejects an unknown traffic provider', mutate: (s) => { traffic(s).provider = 'linkerd' as TrafficProvider; }, message: 'Unsupported value: "linkerd"' },
  { name: 'rejects the gatewayAPI provider without traffic.gatewayAPI', mutate: (s) => { delete traffic(s).gatewayAPI; }, message: MSG.gatewayRequired },
  {
    name: 'rejects traffic.gatewayAPI when the provider is istio',
    mutate: (s) => { traffic(s).provider = 'istio'; traffic(s).istio = { virtualService: 'sentiment' }; },
    message: MSG.gatewayForbidden,
  },
  { name: 'rejects the istio provider without traffic.istio', mutate: (s) => { s.traffic = { provider: 'istio' }; }, message: MSG.istioRequired },
  { name: 'rejects traffic.istio when the provider is replicas', mutate: (s) => { s.traffic = { provider: 'replicas', istio: { virtualService: 'sentiment' } }; }, message: MSG.istioForbidden },
  { name: 'rejects a Gateway API port above 65535', mutate: (s) => { s.traffic = { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'sentiment', port: 70000 } }; }, message: 'should be less than or equal to 65535' },
  { name: 'rejects both httpRoute and parentRefs', mutate: (s) => { s.traffic = { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'r', parentRefs: [{ name: 'gw' }], port: 8080 } }; }, message: MSG.gatewayMode },
  { name: 'rejects a gatewayAPI block with neither httpRoute nor parentRefs', mutate: (s) => { s.traffic = { provider: 'gatewayAPI', gatewayAPI: { port: 8080 } }; }, message: MSG.gatewayMode },
  { name: 'rejects hostnames on an existing HTTPRoute', mutate: (s) => { s.traffic = { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'r', hostnames: ['a.example.com'], port: 8080 } }; }, message: MSG.gatewayHostnames },
  { name: 'rejects both virtualService and hosts', mutate: (s) => { s.traffic = { provider: 'istio', istio: { virtualService: 'vs', hosts: ['m.ml.svc.cluster.local'] } }; }, message: MSG.istioMode },
  { name: 'rejects gateways on an existing VirtualService', mutate: (s) => { s.traffic = { provider: 'istio', istio: { virtualService: 'vs', gateways: ['istio-system/public'] } }; }, message: MSG.istioGateways },
  { name: 'rejects a step that sets a weight and a mirror', mutate: (s) => { strategy(s).steps = [{ setWeight: 5, setMirror: { percent: 10 } }]; }, message: MSG.stepKind },
  { name: 'rejects a step that sets nothing', mutate: (s) => { strategy(s).steps = [{ pause: '1m' }]; }, message: MSG.stepKind },
  { name: 'rejects a mirror of 0 percent', mutate: (s) => { strategy(s).steps = [{ setMirror: { percent: 0 } }, { setWeight: 5 }]; }, message: 'should be greater than or equal to 1' },
  { name: 'rejects a header name with a space', mutate: (s) => { strategy(s).steps = [{ setHeaderRoute: { name: 'x activation', value: 'canary' } }, { setWeight: 5 }]; }, message: 'should match' },
  { name: 'rejects weights that do not increase across a header route step', mutate: (s) => { strategy(s).steps = [{ setWeight: 25 }, { setHeaderRoute: { name: 'x-v', value: 'c' } }, { setWeight: 25 }]; }, message: MSG.steps },
  { name: 'rejects a step weight of 0', mutate: (s) => weights(s, [0, 50]), message: 'should be greater than or equal to 1' },
  { name: 'rejects a step weight above 100', mutate: (s) => weights(s, [50, 101]), message: 'should be less than or equal to 100' },
  { name: 'rejects step weights that do not increase', mutate: (s) => weights(s, [5, 50, 25]), message: MSG.steps },
  { name: 'rejects two steps with the same weight', mutate: (s) => weights(s, [25, 25]), message: MSG.steps },
  { name: 'rejects a decrease at the twentieth step', mutate: (s) => weights(s, [...Array.from({ length: 19 }, (_, i) => i + 1), 5]), message: MSG.steps },
  { name: 'rejects an empty step list', mutate: (s) => weights(s, []), message: 'should have at least 1 items' },
  { name: 'rejects more than 20 steps', mutate: (s) => weights(s, Array.from({ length: 21 }, (_, i) => i + 1)), message: 'must have at most 20 items' },
  { name: 'rejects a pause that is not a duration', mutate: (s) => { strategy(s).steps = [{ setWeight: 10, pause: '5 minutes' }]; }, message: MSG.duration },
  { name: 'rejects a progress deadline in days', mutate: (s) => { strategy(s).progressDeadline = '1d'; }, message: MSG.duration },
  {
    name: 'rejects analysis without a Prometheus',
    mutate: (s) => { delete (analysis(s) as { prometheus?: unknown }).prometheus; },
    message: 'spec.strategy.analysis.prometheus: Required value',
  },
  { name: 'rejects a Prometheus address without a scheme', mutate: (s) => { analysis(s).prometheus.address = 'prometheus.monitoring:9090'; }, message: MSG.address },
  { name: 'rejects a Prometheus address with an ftp scheme', mutate: (s) => { analysis(s).prometheus.address = 'ftp://prometheus.monitoring/'; }, message: MSG.address },
  { name: 'rejects a Prometheus address without a host', mutate: (s) => { analysis(s).prometheus.address = 'http:///api'; }, message: MSG.address },
  { name: 'rejects a failure limit of 0', mutate: (s) => { analysis(s).failureLimit = 0; }, message: 'should be greater than or equal to 1' },
  {
    name: 'rejects a Secret reference without a key',
    mutate: (s) => { analysis(s).prometheus.caSecretRef = { name: 'prometheus-ca' } as { name: string; key: string }; },
    message: 'spec.strategy.analysis.prometheus.caSecretRef.key: Required value',
  },
  { name: 'rejects an SLI with both builtin and query', mutate: (s) => { sli(s).query = 'up'; }, message: MSG.oneOf },
  { name: 'rejects an SLI with neither builtin nor query', mutate: (s) => { delete sli(s).builtin; }, message: MSG.oneOf },
  { name: 'rejects an SLI without a bound', mutate: (s) => { delete sli(s).max; }, message: MSG.bound },
  { name: 'rejects two SLIs with the same name', mutate: (s) => { sli(s, 1).name = sli(s).name; }, message: 'Duplicate value' },
  { name: 'rejects an unknown built-in SLI', mutate: (s) => { sli(s).builtin = 'perplexity' as BuiltinSLI; }, message: 'Unsupported value: "perplexity"' },
  { name: 'rejects a built-in that the triton profile does not have', mutate: (s) => { Object.assign(sli(s), { builtin: 'accuracy', profile: 'triton' }); }, message: MSG.notInTriton },
  { name: 'rejects a built-in that the dcgm profile does not have', mutate: (s) => { Object.assign(sli(s), { builtin: 'latencyMean', profile: 'dcgm' }); }, message: MSG.notInDcgm },
  { name: 'rejects a Triton-only built-in without the triton profile', mutate: (s) => { sli(s).builtin = 'queueLatencyMean'; }, message: MSG.notInReference },
  { name: 'rejects a profile on an SLI with a query', mutate: (s) => { analysis(s).slis = [{ name: 'custom', query: 'sum(up)', max: 1, profile: 'triton' }]; }, message: MSG.profileQuery },
  { name: 'rejects an SLI whose min is greater than its max', mutate: (s) => { sli(s).min = 0.5; }, message: MSG.minMax },
  { name: 'rejects an SLI name with a space', mutate: (s) => { sli(s).name = 'p95 latency'; }, message: MSG.sliName },
  { name: 'rejects a maxRatioToStable of 0', mutate: (s) => { sli(s, 1).maxRatioToStable = 0; }, message: MSG.maxRatio },
  { name: 'rejects more than 20 SLIs', mutate: (s) => { analysis(s).slis = Array.from({ length: 21 }, (_, i) => ({ name: `sli${i}`, builtin: 'errorRate', max: 0.01 })); }, message: 'must have at most 20 items' },
  { name: 'rejects a samplesQuery on a built-in SLI', mutate: (s) => { sli(s).samplesQuery = 'sum(up)'; }, message: MSG.samplesQueryBuiltin },
  {
    name: 'rejects a query SLI with minSamples but no samplesQuery',
    mutate: (s) => { analysis(s).slis = [{ name: 'custom', query: 'sum(rate(errors_total[{{window}}]))', max: 1, minSamples: 100 }]; },
    message: MSG.samplesQueryNeeded,
  },
  { name: 'rejects an SLO objective of 1', mutate: (s) => { slo(s).objective = 1; }, message: MSG.objective },
  { name: 'rejects an SLO objective of 0', mutate: (s) => { slo(s).objective = 0; }, message: MSG.objective },
  { name: 'rejects a short burn-rate window that is not shorter than the long one', mutate: (s) => { slo(s).shortWindow = '5m'; slo(s).longWindow = '300s'; }, message: MSG.windows },
  { name: 'rejects a burn-rate window that is not a duration', mutate: (s) => { slo(s).shortWindow = '1 minute'; }, message: MSG.duration },
  { name: 'rejects a burn-rate threshold of 0', mutate: (s) => { slo(s).burnRateThreshold = 0; }, message: MSG.burnRate },
  { name: 'rejects an errorQuery without a totalQuery', mutate: (s) => { slo(s).errorQuery = 'sum(increase(errors_total[{{window}}]))'; }, message: MSG.queries },
  { name: 'rejects an analysis interval below 1s', mutate: (s) => { analysis(s).interval = '999ms'; }, message: MSG.interval },
  { name: 'rejects an analysis interval above 1h', mutate: (s) => { analysis(s).interval = '1h1ms'; }, message: MSG.interval },
  { name: 'rejects an analysis interval too large for a duration', mutate: (s) => { analysis(s).interval = HUGE; }, message: MSG.interval },
  { name: 'rejects a pause above 168h', mutate: (s) => { strategy(s).steps = [{ setWeight: 10, pause: '168h1s' }]; }, message: MSG.pause },
  { name: 'rejects a pause too large for a duration', mutate: (s) => { strategy(s).steps = [{ setWeight: 10, pause: HUGE }]; }, message: MSG.pause },
  { name: 'rejects a pause of ten million minutes', mutate: (s) => { strategy(s).steps = [{ setWeight: 10, pause: '10000000m' }]; }, message: MSG.pause },
  { name: 'rejects a progress deadline below 10s', mutate: (s) => { strategy(s).progressDeadline = '9.9s'; }, message: MSG.progressDeadline },
  { name: 'rejects a progress deadline above 24h', mutate: (s) => { strategy(s).progressDeadline = '25h'; }, message: MSG.progressDeadline },
  { name: 'rejects a promotion deadline below 10s', mutate: (s) => { strategy(s).promotionDeadline = '5s'; }, message: MSG.promotionDeadline },
  { name: 'rejects a promotion deadline above 24h', mutate: (s) => { strategy(s).promotionDeadline = '24h1s'; }, message: MSG.promotionDeadline },
  { name: 'rejects a promotion deadline that is not a duration', mutate: (s) => { strategy(s).promotionDeadline = '10 min'; }, message: MSG.duration },
  { name: 'rejects a capacity timeout below 1m', mutate: (s) => { strategy(s).capacityTimeout = '59s'; }, message: MSG.capacityTimeout },
  { name: 'rejects a capacity timeout above 168h', mutate: (s) => { strategy(s).capacityTimeout = '169h'; }, message: MSG.capacityTimeout },
  { name: 'rejects a capacity timeout too large for a duration', mutate: (s) => { strategy(s).capacityTimeout = '100000000000000ms'; }, message: MSG.capacityTimeout },
  { name: 'rejects a Prometheus timeout below 100ms', mutate: (s) => { analysis(s).prometheus.timeout = '99ms'; }, message: MSG.timeout },
  { name: 'rejects a Prometheus timeout above 5m', mutate: (s) => { analysis(s).prometheus.timeout = '5m1s'; }, message: MSG.timeout },
  { name: 'rejects a short burn-rate window below 5s', mutate: (s) => { slo(s).shortWindow = '4s'; }, message: MSG.shortWindow },
  { name: 'rejects a short burn-rate window too large for a duration', mutate: (s) => { slo(s).shortWindow = HUGE; }, message: MSG.shortWindow },
  { name: 'rejects a long burn-rate window above 24h', mutate: (s) => { slo(s).longWindow = '25h'; }, message: MSG.longWindow },
  { name: 'rejects a long burn-rate window too large for a duration', mutate: (s) => { slo(s).longWindow = '999999999s'; }, message: MSG.longWindow },
  { name: 'rejects an SLI window below 5s', mutate: (s) => { sli(s).window = '1s'; }, message: MSG.sliWindow },
  { name: 'rejects an SLI window too large for a duration', mutate: (s) => { sli(s).window = HUGE; }, message: MSG.sliWindow },
  { name: 'rejects a negative maxUnavailable', mutate: (s) => { strategy(s).maxUnavailable = -1; }, message: 'should be greater than or equal to 0' },
  { name: 'rejects an experiment with one candidate', mutate: (s) => { experiment(s).candidates = [{ activation: 'silu', weight: 10 }]; }, message: 'should have at least 2 items' },
  { name: 'rejects an experiment listing an activation twice', mutate: (s) => { experiment(s).candidates = [{ activation: 'silu', weight: 10 }, { activation: 'silu', weight: 5 }]; }, message: 'each activation may appear once' },
  { name: 'rejects experiment weights above 50 in total', mutate: (s) => { experiment(s).candidates = [{ activation: 'silu', weight: 25 }, { activation: 'mish', weight: 25 }, { activation: 'relu', weight: 1 }]; }, message: 'the weights add up to at most 50' },
  { name: 'rejects a candidate activation ending in _', mutate: (s) => { experiment(s).candidates = [{ activation: 'silu_', weight: 10 }, { activation: 'mish', weight: 10 }]; }, message: 'does not end in _' },
  { name: 'rejects a rankBy SLI the experiment does not judge', mutate: (s) => { experiment(s).rankBy = [{ sli: 'saturation', prefer: 'lower' }]; }, message: 'every sli must be one of strategy.experiment.slis' },
  { name: 'rejects an experiment SLI that is not an analysis SLI', mutate: (s) => { experiment(s).slis = [{ name: 'accuracy', minimumEffect: { absolute: 0.01 } }]; experiment(s).rankBy = [{ sli: 'accuracy', prefer: 'higher' }]; }, message: 'every name must be an SLI of strategy.analysis.slis' },
  { name: 'rejects a minimum effect with neither absolute nor relative', mutate: (s) => { experiment(s).slis = [{ name: 'latencyP95', minimumEffect: {} }]; }, message: 'needs absolute or relative' },
  { name: 'rejects an experiment confidenceLevel of 1', mutate: (s) => { experiment(s).confidenceLevel = 1; }, message: 'confidenceLevel must be strictly between 0.5 and 1' },
  { name: 'rejects an experiment power of 0', mutate: (s) => { experiment(s).power = 0; }, message: 'power must be strictly between 0 and 1' },
  { name: 'rejects a negative minimum effect', mutate: (s) => { experiment(s).slis = [{ name: 'latencyP95', minimumEffect: { absolute: -0.01 } }]; }, message: 'should be greater than or equal to 0' },
  { name: 'rejects an experiment SLI listed twice', mutate: (s) => { experiment(s).slis = [{ name: 'latencyP95', minimumEffect: { absolute: 0.01 } }, { name: 'latencyP95', minimumEffect: { relative: 0.1 } }]; }, message: 'Duplicate value' },
  { name: 'rejects a candidate weight of 0', mutate: (s) => { experiment(s).candidates = [{ activation: 'silu', weight: 0 }, { activation: 'mish', weight: 10 }]; }, message: 'should be greater than or equal to 1' },
  { name: 'rejects six candidates', mutate: (s) => { experiment(s).candidates = ['silu', 'mish', 'gelu', 'swish', 'tanh', 'elu'].map((activation) => ({ activation, weight: 5 })); }, message: 'must have at most 5 items' },
  { name: 'rejects an experiment duration of 1s', mutate: (s) => { experiment(s).duration = '1s'; }, message: 'strategy.experiment.duration must be between 10s and 168h' },
  { name: 'rejects a candidate whose <name>-exp-<activation> would pass 63 characters', mutate: (s) => { experiment(s).candidates = [{ activation: 'a'.repeat(20), weight: 10 }, { activation: 'mish', weight: 10 }]; }, metadataName: 'm'.repeat(40), message: '<name>-exp-<activation>, which must fit in 63 characters' },
  { name: 'rejects a name ending in -stable', mutate: () => {}, metadataName: 'sentiment-stable', message: MSG.childName },
  { name: 'rejects a name ending in -canary', mutate: () => {}, metadataName: 'sentiment-canary', message: MSG.childName },
  { name: 'rejects a name longer than 56 characters', mutate: () => {}, metadataName: 'm'.repeat(57), message: MSG.nameLength },
  { name: 'rejects a name with dots, which no Service can take', mutate: () => {}, metadataName: 'sentiment.v2', message: MSG.nameLabel },
  { name: 'rejects a name that starts with a digit, which no Service can take', mutate: () => {}, metadataName: '2sentiment', message: MSG.nameLabel },
];

/** The spec's experiment, created (two candidates judged on latencyP95) when absent. */
function experiment(s: ModelVariantSpec) {
  const st = strategy(s);
  st.experiment ??= { candidates: [{ activation: 'silu', weight: 10 }, { activation: 'mish', weight: 10 }],
    slis: [{ name: 'latencyP95', minimumEffect: { relative: 0.1 } }], rankBy: [{ sli: 'latencyP95', prefer: 'lower' }] };
  return st.experiment;
}

export const VALID_EDGE_CASES: ValidEdgeCase[] = [
  {
    name: 'accepts every profile with its own built-ins, next to the new reference signals',
    mutate: (s) => {
      analysis(s).slis = [
        { name: 'drift', builtin: 'activationDrift', max: 0.1 }, { name: 'quantization', builtin: 'quantizationDelta', max: 0.02 },
        { name: 'trainingDrift', builtin: 'activationDriftFromReference', max: 0.1 },
        { name: 'calibration', builtin: 'calibrationError', max: 0.05, profile: 'reference' }, { name: 'memory', builtin: 'memoryFootprint', maxRatioToStable: 1.5 },
        { name: 'latency', builtin: 'latencyMean', profile: 'triton', max: 0.2 }, { name: 'errors', builtin: 'errorRate', profile: 'triton', max: 0.01 },
        { name: 'gpu', builtin: 'gpuUtilization', profile: 'dcgm', maxRatioToStable: 1.3 }, { name: 'gpuMemory', builtin: 'gpuMemoryUsed', profile: 'dcgm', maxRatioToStable: 1.2 },
      ];
    },
  },
  { name: 'accepts a managed HTTPRoute (parentRefs and hostnames)', mutate: (s) => { s.traffic = { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'https' }], hostnames: ['sentiment.example.com'], port: 8080 } }; } },
  { name: 'accepts a managed VirtualService (hosts and gateways)', mutate: (s) => { s.traffic = { provider: 'istio', istio: { hosts: ['sentiment.ml.svc.cluster.local'], gateways: ['mesh'], port: 8080 } }; } },
  { name: 'accepts a header route, a mirror and weights in twenty steps', mutate: (s) => { strategy(s).steps = [{ setHeaderRoute: { name: 'x-activation-variant', value: 'canary' }, pause: '1m' }, { setMirror: { percent: 100 }, pause: '1m' },
    ...Array.from({ length: 18 }, (_, i) => ({ setWeight: (i + 1) * 5, pause: '1m' }))]; } },
  { name: 'accepts canaryReplicas of 1000', mutate: (s) => { strategy(s).canaryReplicas = 1000; } },
  { name: 'accepts an analysis interval of 1s', mutate: (s) => { analysis(s).interval = '1s'; } },
  { name: 'accepts an analysis interval of 1h written as 59m60s', mutate: (s) => { analysis(s).interval = '59m60s'; } },
  { name: 'accepts a pause of 168h', mutate: (s) => { strategy(s).steps = [{ setWeight: 10, pause: '168h' }]; } },
  { name: 'accepts a pause of 0s', mutate: (s) => { strategy(s).steps = [{ setWeight: 10, pause: '0s' }]; } },
  { name: 'accepts a pause of 168h written in milliseconds', mutate: (s) => { strategy(s).steps = [{ setWeight: 10, pause: '604800000ms' }]; } },
  { name: 'accepts a maxUnavailable of 0', mutate: (s) => { strategy(s).maxUnavailable = 0; } },
  { name: 'accepts deadlines of 10s', mutate: (s) => { strategy(s).progressDeadline = '10s'; strategy(s).promotionDeadline = '10s'; } },
  { name: 'accepts deadlines of 24h', mutate: (s) => { strategy(s).progressDeadline = '24h'; strategy(s).promotionDeadline = '1440m'; } },
  { name: 'accepts a capacity timeout of 1m', mutate: (s) => { strategy(s).capacityTimeout = '1m'; } },
  { name: 'accepts a capacity timeout of 168h', mutate: (s) => { strategy(s).capacityTimeout = '168h'; } },
  { name: 'accepts a Prometheus timeout of 100ms written as 0.1s', mutate: (s) => { analysis(s).prometheus.timeout = '0.1s'; } },
  { name: 'accepts a Prometheus timeout of 5m', mutate: (s) => { analysis(s).prometheus.timeout = '5m'; } },
  { name: 'accepts burn-rate windows of 5s and 24h', mutate: (s) => { slo(s).shortWindow = '5s'; slo(s).longWindow = '24h'; } },
  { name: 'accepts SLI windows of 5s and 24h', mutate: (s) => { sli(s).window = '5s'; sli(s, 1).window = '24h'; } },
  { name: 'accepts a name that merely contains canary', mutate: () => {}, metadataName: 'canary-stable-model' },
  { name: 'accepts a name of 56 characters', mutate: () => {}, metadataName: 'm'.repeat(56) },
  { name: 'accepts an experiment of five candidates at 10 % each', mutate: (s) => { experiment(s).candidates = ['silu', 'mish', 'relu', 'swish', 'swiglu_v2'].map((activation) => ({ activation, weight: 10 })); } },
];
