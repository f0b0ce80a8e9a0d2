/**
 * The same workload for each of the three controllers: 4 GPU pods (kwok pods asking for one unit of
 * the bench's own extended resource, Ready 1 s after they start) whose variant goes from relu to gelu,
 * walked through the same steps (25 %, 50 %, 75 %, 10 s each, then promotion), judged on the same SLI
 * (the canary's 5xx ratio over 10 s must stay ≤ 5 %, the built-in `errorRate` query, see
 * src/analysis/builtins.ts) against the same Prometheus, each controller set to its fastest documented
 * reaction (the settings are in `settings` and docs/performance-peers.md):
 *
 * - activation-canary: a ModelVariant, `gatewayAPI` router (managed HTTPRoute), analysis every 1 s
 *   (the minimum), failureLimit 1;
 * - Argo Rollouts: a Rollout with a basic (replica-ratio) canary, since its Gateway API traffic router
 *   is a separate plugin binary that is not on the Go module proxy; background analysis from an
 *   AnalysisTemplate measured every 1 s (no minimum in Argo; 1 s is the scrape interval), failureLimit 0;
 * - Flagger: a Deployment and a Canary with the `gatewayapi:v1` provider (Flagger's HTTPRoute),
 *   analysis interval 10 s (Flagger's minimum: GetAnalysisInterval raises anything shorter to 10 s),
 *   threshold 1, stepWeights [25, 50, 75], a MetricTemplate with the same query.
 *
 * For each it says, from objects the bench watches (object-watch.ts), the canary's share of traffic
 * in percent (the HTTPRoute weight of the canary backend; for Argo's replica-ratio canary the canary
 * ReplicaSet's share of the desired replicas) and whether the rollout ended promoted or rolled back.
 */
import * as k8s from '@kubernetes/client-node';
import { BUILTIN_SLIS } from '../../src/analysis/builtins.ts';
import { renderQuery } from '../../src/analysis/render-query.ts';
import { API_VERSION as MV_API_VERSION, KIND as MV_KIND } from '../../src/api/types.ts';
import { withPodLifecycle } from '../../test/harness/pod-lifecycle.ts';
import type { Objects } from './object-watch.ts';
import { CANARY_VARIANT, STABLE_VARIANT } from './variant-pair.ts';

export type ControllerName = 'activation-canary' | 'argo-rollouts' | 'flagger';
export const CONTROLLERS: readonly ControllerName[] = ['activation-canary', 'argo-rollouts', 'flagger'];

export const REPLICAS = 4;
export const STEP_WEIGHTS = [25, 50, 75] as const;
export const STEP_PAUSE_S = 10;
/** The SLI: the canary's 5xx ratio over this window must stay at or below MAX_ERROR_RATIO. */
export const SLI_WINDOW = '10s';
export const MAX_ERROR_RATIO = 0.05;
/** Each controller's analysis interval in seconds (its minimum, see above). */
export const ANALYSIS_INTERVAL_S: Record<ControllerName, number> = { 'activation-canary': 1, 'argo-rollouts': 1, flagger: 10 };

/** The built-in errorRate query of the canary of `model` in `namespace`, rendered as the operator renders it (what all three ask). */
export function errorRateQuery(namespace: string, model: string): string {
  const q = renderQuery(BUILTIN_SLIS.errorRate.query, { namespace, name: model, role: 'canary', variant: CANARY_VARIANT, window: SLI_WINDOW });
  if (!q.ok) throw new Error(`the errorRate template did not render: ${q.error.message}`);
  return q.value;
}

export type Outcome = 'promoted' | 'rolledBack';

export interface Workload {
  controller: ControllerName;
  namespace: string;
  name: string;
  /** Namespaced collections whose objects the functions below read. */
  watchPaths: string[];
  /** The objects that make the workload, on the stable variant. */
  objects(prometheusUrl: string): k8s.KubernetesObject[];
  /** The user's change that starts the canary (a merge patch of one object). */
  canaryChange(): k8s.KubernetesObject;
  /** Whether the controller has settled on the stable variant (ready for a rollout). */
  steady(o: Objects): boolean;
  /** The canary's share of traffic in percent; undefined until it can be read. */
  canaryPercent(o: Objects): number | undefined;
  outcome(o: Objects): Outcome | undefined;
}

const anyOf = (o: Objects, path: string) => [...(o.get(path)?.values() ?? [])] as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
const one = (o: Objects, path: string, name: string) => o.get(path)?.get(name) as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The pod template of the peers' workloads (the operator builds its own from `template` and variantEnv). */
function podTemplate(name: string, resource: string, variant: string | undefined) {
  return withPodLifecycle({
    metadata: { labels: { app: name } },
    spec: { containers: [{
      name: 'server', image: 'example.com/model-server:1.0', ports: [{ name: 'http', containerPort: 8080 }],
      ...(variant ? { env: [{ name: 'ACTIVATION', value: variant }] } : {}),
      resources: { limits: { [resource]: '1' } },
    }] },
  }, { readyDelay: '1s' });
}

/** Weight of `<name>-canary` in the HTTPRoute `<name>` as a percent of all its backends' weights. */
function routeCanaryPercent(o: Objects, path: string, name: string): number | undefined {
  const route = one(o, path, name);
  const refs = ((route?.spec?.rules ?? []) as { backendRefs?: { name: string; weight?: number }[] }[]).flatMap((r) => r.backendRefs ?? []);
  if (refs.length === 0) return undefined;
  const total = refs.reduce((s, r) => s + (r.weight ?? 1), 0);
  const canary = refs.filter((r) => r.name === `${name}-canary`).reduce((s, r) => s + (r.weight ?? 1), 0);
  return total === 0 ? 0 : (100 * canary) / total;
}

const routes = (ns: string) => `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`;

export function workloadFor(controller: ControllerName, namespace: string, name: string, resource: string): Workload {
  switch (controller) {
    case 'activation-canary': {
      const mvs = `/apis/activationcanary.io/v1alpha1/namespaces/${namespace}/modelvariants`;
      return {
        controller, namespace, name, watchPaths: [mvs, routes(namespace)],
        objects: (prometheusUrl) => [{
          apiVersion: MV_API_VERSION, kind: MV_KIND, metadata: { name, namespace },
          spec: {
            activation: STABLE_VARIANT, replicas: REPLICAS, template: podTemplate(name, resource, undefined),
            traffic: { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'bench' }], port: 8080 } },
            strategy: {
              steps: STEP_WEIGHTS.map((w) => ({ setWeight: w, pause: `${STEP_PAUSE_S}s` })),
              analysis: {
                interval: `${ANALYSIS_INTERVAL_S[controller]}s`, failureLimit: 1, prometheus: { address: prometheusUrl },
                slis: [{ name: 'errorRate', builtin: 'errorRate', max: MAX_ERROR_RATIO, window: SLI_WINDOW, minSamples: 20 }],
              },
            },
          },
        } as k8s.KubernetesObject],
        canaryChange: () => ({ apiVersion: MV_API_VERSION, kind: MV_KIND, metadata: { name, namespace }, spec: { activation: CANARY_VARIANT } } as k8s.KubernetesObject),
        steady: (o) => one(o, mvs, name)?.status?.phase === 'Healthy' && one(o, mvs, name)?.status?.stableActivation === STABLE_VARIANT,
        canaryPercent: (o) => routeCanaryPercent(o, routes(namespace), name),
        outcome: (o) => {
          const s = one(o, mvs, name)?.status;
          return s?.phase === 'Healthy' && s.stableActivation === CANARY_VARIANT ? 'promoted' : s?.phase === 'Degraded' ? 'rolledBack' : undefined;
        },
      };
    }
    case 'argo-rollouts': {
      const rollouts = `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/rollouts`;
      const replicaSets = `/apis/apps/v1/namespaces/${namespace}/replicasets`;
      const ownRs = (o: Objects) => anyOf(o, replicaSets).filter((rs) => rs.metadata?.ownerReferences?.some((r: { kind: string; name: string }) => r.kind === 'Rollout' && r.name === name));
      const variantOf = (rs: Record<string, any> | undefined) => rs?.spec?.template?.spec?.containers?.[0]?.env?.find((e: { name: string }) => e.name === 'ACTIVATION')?.value as string | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
      return {
        controller, namespace, name, watchPaths: [rollouts, replicaSets],
        objects: (prometheusUrl) => [{
          apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: { name: `${name}-error-rate`, namespace },
          spec: { metrics: [{
            name: 'error-rate', interval: `${ANALYSIS_INTERVAL_S[controller]}s`, failureLimit: 0,
            successCondition: `result[0] <= ${MAX_ERROR_RATIO}`,
            provider: { prometheus: { address: prometheusUrl, query: errorRateQuery(namespace, name) } },
          }] },
        } as k8s.KubernetesObject, {
          apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name, namespace },
          spec: {
            replicas: REPLICAS, selector: { matchLabels: { app: name } }, template: podTemplate(name, resource, STABLE_VARIANT),
            strategy: { canary: {
              analysis: { templates: [{ templateName: `${name}-error-rate` }] },
              steps: STEP_WEIGHTS.flatMap((w) => [{ setWeight: w }, { pause: { duration: `${STEP_PAUSE_S}s` } }]),
            } },
          },
        } as k8s.KubernetesObject],
        canaryChange: () => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name, namespace }, spec: { template: podTemplate(name, resource, CANARY_VARIANT) } } as k8s.KubernetesObject),
        steady: (o) => one(o, rollouts, name)?.status?.phase === 'Healthy',
        canaryPercent: (o) => {
          const rss = ownRs(o);
          const desired = rss.reduce((s, rs) => s + (rs.spec?.replicas ?? 0), 0);
          if (rss.length === 0 || desired === 0) return undefined;
          return (100 * rss.filter((rs) => variantOf(rs) === CANARY_VARIANT).reduce((s, rs) => s + (rs.spec?.replicas ?? 0), 0)) / desired;
        },
        outcome: (o) => {
          const s = one(o, rollouts, name)?.status;
          const stable = ownRs(o).find((rs) => rs.metadata?.labels?.['rollouts-pod-template-hash'] === s?.stableRS);
          if (s?.phase === 'Healthy' && s.stableRS === s.currentPodHash && variantOf(stable) === CANARY_VARIANT) return 'promoted';
          return s?.abort === true || s?.phase === 'Degraded' ? 'rolledBack' : undefined;
        },
      };
    }
    case 'flagger': {
      const canaries = `/apis/flagger.app/v1beta1/namespaces/${namespace}/canaries`;
      const phase = (o: Objects) => one(o, canaries, name)?.status?.phase as string | undefined;
      return {
        controller, namespace, name, watchPaths: [canaries, routes(namespace)],
        objects: (prometheusUrl) => [{
          apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate', metadata: { name: `${name}-error-rate`, namespace },
          spec: { provider: { type: 'prometheus', address: prometheusUrl }, query: errorRateQuery(namespace, name) },
        } as k8s.KubernetesObject, {
          apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, labels: { app: name } },
          spec: { replicas: REPLICAS, selector: { matchLabels: { app: name } }, template: podTemplate(name, resource, STABLE_VARIANT) },
        } as k8s.KubernetesObject, {
          apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name, namespace },
          spec: {
            targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, progressDeadlineSeconds: 120,
            service: { port: 8080, targetPort: 8080, gatewayRefs: [{ name: 'bench', namespace }] },
            analysis: {
              interval: `${ANALYSIS_INTERVAL_S[controller]}s`, threshold: 1, stepWeights: [...STEP_WEIGHTS],
              metrics: [{ name: 'error-rate', templateRef: { name: `${name}-error-rate`, namespace }, thresholdRange: { max: MAX_ERROR_RATIO }, interval: SLI_WINDOW }],
            },
          },
        } as k8s.KubernetesObject],
        canaryChange: () => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { template: podTemplate(name, resource, CANARY_VARIANT) } } as k8s.KubernetesObject),
        steady: (o) => phase(o) === 'Initialized',
        canaryPercent: (o) => routeCanaryPercent(o, routes(namespace), name),
        outcome: (o) => (phase(o) === 'Succeeded' ? 'promoted' : phase(o) === 'Failed' ? 'rolledBack' : undefined),
      };
    }
  }
}

/** Human-readable settings of each controller, printed with the figures. */
export const SETTINGS: Record<ControllerName, string> = {
  'activation-canary': `ModelVariant, gatewayAPI router (managed HTTPRoute); steps ${STEP_WEIGHTS.join('/')} % × pause ${STEP_PAUSE_S}s; analysis.interval ${ANALYSIS_INTERVAL_S['activation-canary']}s (minimum), failureLimit 1, SLI errorRate max ${MAX_ERROR_RATIO} window ${SLI_WINDOW} minSamples 20; --leader-elect=false`,
  'argo-rollouts': `Rollout, basic canary (replica ratio; the Gateway API plugin is not on the Go module proxy); steps setWeight ${STEP_WEIGHTS.join('/')} + pause ${STEP_PAUSE_S}s; background analysis, AnalysisTemplate metric interval ${ANALYSIS_INTERVAL_S['argo-rollouts']}s, failureLimit 0, successCondition result[0] <= ${MAX_ERROR_RATIO}; --namespaced --leader-elect=false`,
  flagger: `Canary, -mesh-provider=gatewayapi:v1 (Flagger's HTTPRoute); analysis.interval ${ANALYSIS_INTERVAL_S.flagger}s (minimum), threshold 1, stepWeights [${STEP_WEIGHTS.join(', ')}], MetricTemplate thresholdRange.max ${MAX_ERROR_RATIO}; -control-loop-interval 10s (default), -enable-leader-election=false`,
};
