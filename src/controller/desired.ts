/**
 * Turns a ModelVariant as stored into the planner's `Desired`: defaults resolved, durations in
 * milliseconds, and every problem the operator cannot act on spelled out with what to fix. The
 * apiserver's CEL rules catch most bad input; this catches what they cannot (lengths that depend on
 * derived names, providers this version does not implement, templates without images).
 */
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import type { ModelVariant, Step as SpecStep } from '../api/types.ts';
import { SIGNAL_ANNOTATION, withDefaults } from '../api/types.ts';
import { checkTemplate } from '../analysis/render-query.ts';
import { parseDuration } from '../util/duration.ts';
import { MAX_MODEL_NAME_LENGTH } from '../workload/names.ts';
import { describeChange, templateRevision } from '../workload/revision.ts';
import { templateShapeProblems } from '../workload/template-shape.ts';
import { effectiveActivation, experimentIntent } from './desired-experiment.ts';
import type { Desired, Step } from './model.ts';

/** Providers whose route splits requests by weight (the canary is sized to its weight beside a full stable). */
const WEIGHTED_PROVIDERS = new Set(['gatewayAPI', 'istio']);

/**
 * `stableTemplate` is the pod template of the stable revision recorded in status (from its
 * ControllerRevision), used only to say in words what a rollout changes; undefined when unknown.
 */
export function toDesired(mv: ModelVariant, stableTemplate?: V1PodTemplateSpec): Desired {
  const spec = withDefaults(mv.spec);
  const name = mv.metadata?.name ?? '';
  const problems: string[] = [];
  // The CRD bounds every duration; these checks catch objects stored before those rules existed.
  const duration = (field: string, text: string, minMs = 0): number => {
    const ms = parseDuration(text);
    if (ms === undefined) problems.push(`${field} "${text}" is not a duration such as 30s, 5m or 1h30m (at most a year)`);
    else if (ms < minMs) problems.push(`${field} "${text}" is too short: at least ${minMs / 1000}s`);
    return ms ?? 0;
  };

  if (!DNS_LABEL.test(name)) {
    problems.push(`metadata.name ${JSON.stringify(name)} must be a DNS label that starts with a letter (a-z, 0-9 and -, no dots): the operator names Services <name>, <name>-stable and <name>-canary after it`);
  }
  if (name.length > MAX_MODEL_NAME_LENGTH) {
    problems.push(`metadata.name is ${name.length} characters; at most ${MAX_MODEL_NAME_LENGTH} fit, since the "<name>-canary" Service name must be a 63-character DNS label`);
  }
  const containers = spec.template?.spec?.containers ?? [];
  if (containers.length === 0) problems.push('spec.template.spec.containers is empty: add the model server container');
  containers.forEach((c, i) => {
    if (!c.image) problems.push(`spec.template.spec.containers[${i}] (${c.name ?? 'unnamed'}) has no image: set the model server image`);
  });
  problems.push(...templateShapeProblems(spec.template ?? {}));
  const weighted = WEIGHTED_PROVIDERS.has(spec.traffic.provider);
  const steps = toSteps(spec.strategy.steps, duration);
  spec.strategy.steps.forEach((s, i) => {
    const kind = s.setHeaderRoute ? 'setHeaderRoute' : s.setMirror ? 'setMirror' : undefined;
    if (kind && !weighted) {
      problems.push(`spec.strategy.steps[${i}].${kind} needs a route object to carry it: use traffic.provider gatewayAPI or istio, or remove the step`);
    }
  });
  if (steps.length === 0) problems.push('spec.strategy.steps is empty: give at least one step, e.g. {setWeight: 50, pause: 1m}');
  const progressDeadlineMs = duration('spec.strategy.progressDeadline', spec.strategy.progressDeadline, 10_000);
  const promotionDeadlineMs = duration('spec.strategy.promotionDeadline', spec.strategy.promotionDeadline, 10_000);
  const capacityTimeoutMs = duration('spec.strategy.capacityTimeout', spec.strategy.capacityTimeout, 10_000);
  const analysis = spec.strategy.analysis
    ? { intervalMs: duration('spec.strategy.analysis.interval', spec.strategy.analysis.interval, 1_000) }
    : undefined;
  if (spec.strategy.analysis) problems.push(...templateProblems(spec.strategy.analysis));
  const template = spec.template ?? {};
  const status = mv.status ?? {};
  const revision = templateRevision(template);
  const experiment = experimentIntent(spec, name, revision, status.experiment, status.stableActivation, duration, problems);
  const variant = { activation: effectiveActivation(spec.activation, experiment, status.experiment), revision };
  const change = describeChange(
    { activation: status.stableActivation ?? spec.activation, revision: status.stableRevision ?? variant.revision, ...(stableTemplate ? { template: stableTemplate } : {}) },
    { ...variant, template },
  ) + (variant.activation !== spec.activation ? ` (the winner of strategy.experiment; spec.activation says ${spec.activation})` : '');

  const signal = mv.metadata?.annotations?.[SIGNAL_ANNOTATION];
  return {
    namespace: mv.metadata?.namespace ?? '',
    name,
    generation: mv.metadata?.generation ?? 0,
    variant,
    change,
    replicas: spec.replicas,
    ...(weighted ? { weighted } : {}),
    ...(spec.strategy.maxUnavailable !== undefined ? { maxUnavailable: spec.strategy.maxUnavailable } : {}),
    steps,
    progressDeadlineMs,
    promotionDeadlineMs,
    capacityTimeoutMs,
    ...(analysis ? { analysis } : {}),
    ...(experiment ? { experiment } : {}),
    ...(signal ? { signal } : {}),
    problems,
  };
}

/** A Service name: what `<name>`, `<name>-stable` and `<name>-canary` must all be. */
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Query templates the operator could never render, each prefixed with its field: an unknown variable,
 * or a text placeholder outside a quoted label value (see render-query.ts). Caught here, the spec is
 * reported at once (SpecValid=False) instead of failing every analysis run of a rollout.
 */
function templateProblems(analysis: NonNullable<ReturnType<typeof withDefaults>['strategy']['analysis']>): string[] {
  const fields: [string, string | undefined][] = [
    ...(analysis.slis ?? []).flatMap((sli, i): [string, string | undefined][] => [
      [`spec.strategy.analysis.slis[${i}].query`, sli.query], [`spec.strategy.analysis.slis[${i}].samplesQuery`, sli.samplesQuery]]),
    ['spec.strategy.analysis.slo.errorQuery', analysis.slo?.errorQuery],
    ['spec.strategy.analysis.slo.totalQuery', analysis.slo?.totalQuery],
  ];
  return fields.flatMap(([field, template]) => {
    const problem = template === undefined ? undefined : checkTemplate(template);
    return problem ? [`${field}: ${problem.message}`] : [];
  });
}

/**
 * The spec's steps as the planner walks them: each carries the route in effect at that step. The weight
 * is the last setWeight at or before it (0 before the first); a header route lasts from its step until
 * the rollout ends; a mirror lasts for its own step only.
 */
function toSteps(specSteps: SpecStep[], duration: (field: string, text: string) => number): Step[] {
  let weight = 0;
  let headerRoute: Step['headerRoute'];
  return specSteps.map((s, i) => {
    if (s.setWeight !== undefined) weight = s.setWeight;
    if (s.setHeaderRoute) headerRoute = { name: s.setHeaderRoute.name.toLowerCase(), value: s.setHeaderRoute.value };
    return {
      weight,
      ...(headerRoute ? { headerRoute } : {}),
      ...(s.setMirror ? { mirrorPercent: s.setMirror.percent } : {}),
      ...(s.pause !== undefined ? { pauseMs: duration(`spec.strategy.steps[${i}].pause`, s.pause) } : {}),
    };
  });
}

const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'pods']);

/** True for an extended resource such as nvidia.com/gpu: not cpu, memory, ephemeral storage or hugepages. */
export function isExtendedResource(name: string): boolean {
  return !STANDARD_RESOURCES.has(name) && !name.startsWith('hugepages-');
}

/**
 * The extended resources (nvidia.com/gpu, MIG slices, any vendor's) each pod of the template asks
 * for, summed over its containers (a limit stands for the request, as the scheduler reads extended
 * resources), in the order they first appear; empty when it asks for none.
 */
export function extendedResources(mv: ModelVariant): { resource: string; perPod: number }[] {
  const perPod = new Map<string, number>();
  for (const c of mv.spec.template?.spec?.containers ?? []) {
    const asks = { ...(c.resources?.requests ?? {}), ...(c.resources?.limits ?? {}) } as Record<string, string | number>;
    for (const [resource, qty] of Object.entries(asks)) {
      const n = Number(qty);
      if (!isExtendedResource(resource) || !Number.isFinite(n) || n <= 0) continue;
      perPod.set(resource, (perPod.get(resource) ?? 0) + n);
    }
  }
  return [...perPod].map(([resource, n]) => ({ resource, perPod: n }));
}

/** The first extended resource (e.g. nvidia.com/gpu) each pod of the template asks for, if any. */
export function extendedResource(mv: ModelVariant): { resource: string; perPod: number } | undefined {
  return extendedResources(mv)[0];
}
