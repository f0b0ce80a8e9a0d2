/**
 * strategy.experiment as the planner's `ExperimentIntent`, the problems the operator cannot act on
 * (each with what to fix), and the activation the ModelVariant should serve once an experiment picked
 * a winner. GitOps: the operator never edits spec.activation; while the spec still says the activation
 * the experiment ran from and the experiment block is unchanged, the decided winner is what the
 * ModelVariant rolls out and serves (docs/experiments.md, "GitOps").
 */
import type { DefaultedModelVariantSpec, ExperimentStatus } from '../api/types.ts';
import { isBuiltinSli } from '../analysis/builtins.ts';
import { stableHash } from '../workload/hash.ts';
import { experimentChildName } from '../workload/names.ts';
import type { ExperimentIntent } from './model.ts';

/**
 * The intent, or undefined without strategy.experiment. `durationOf` parses a duration field and
 * records a problem when it cannot; `stableActivation` is status.stableActivation.
 */
export function experimentIntent(spec: DefaultedModelVariantSpec, name: string, revision: string, previous: ExperimentStatus | undefined,
  stableActivation: string | undefined, durationOf: (field: string, text: string, minMs?: number) => number, problems: string[]): ExperimentIntent | undefined {
  const experiment = spec.strategy.experiment;
  if (!experiment) return undefined;
  const id = stableHash({ experiment, revision }).slice(0, 16);
  const field = 'spec.strategy.experiment';
  if (spec.traffic.provider !== 'replicas' && spec.traffic.provider !== 'gatewayAPI') {
    problems.push(`${field} needs traffic.provider replicas or gatewayAPI in this version: routes to the candidates' Services <name>-exp-<activation> are not built for ${spec.traffic.provider} yet`);
  }
  const analysis = spec.strategy.analysis;
  if (!analysis) problems.push(`${field} needs strategy.analysis: the candidates are measured with its Prometheus, interval and SLIs`);
  const alreadyRan = previous?.id === id;
  experiment.candidates.forEach((c, i) => {
    const child = experimentChildName(name, c.activation);
    if (child.length > 63) problems.push(`${field}.candidates[${i}]: the Service ${child} is ${child.length} characters; at most 63 fit: shorten metadata.name or the activation`);
    if (!alreadyRan && (c.activation === stableActivation || c.activation === spec.activation)) {
      problems.push(`${field}.candidates[${i}].activation ${c.activation} is the stable activation: candidates are compared with it, so list only other activations`);
    }
  });
  experiment.slis.forEach((e, i) => {
    const sli = analysis?.slis?.find((s) => s.name === e.name);
    if (!sli) problems.push(`${field}.slis[${i}].name ${e.name} is not an SLI of strategy.analysis.slis: add it there or remove it here`);
    else if (!e.worse && !(sli.builtin && isBuiltinSli(sli.builtin))) problems.push(`${field}.slis[${i}] (${e.name}) has a query: set worse to higher or lower`);
  });
  return {
    id,
    candidates: experiment.candidates.map((c) => ({ activation: c.activation, weight: c.weight })),
    durationMs: durationOf(`${field}.duration`, experiment.duration, 10_000),
    promoteWinner: experiment.promoteWinner,
    intervalMs: analysis ? durationOf('spec.strategy.analysis.interval', analysis.interval, 1_000) : 30_000,
  };
}

/**
 * The activation to roll out: the experiment's winner while the experiment that chose it is still the
 * spec's (same id), promoteWinner is on, and spec.activation still says what the experiment ran from;
 * otherwise spec.activation (a user who commits another activation is obeyed).
 */
export function effectiveActivation(specActivation: string, intent: ExperimentIntent | undefined, status: ExperimentStatus | undefined): string {
  if (!intent?.promoteWinner || !status || status.id !== intent.id || status.phase !== 'Decided' || !status.winner) return specActivation;
  return status.baseActivation === specActivation ? status.winner : specActivation;
}
