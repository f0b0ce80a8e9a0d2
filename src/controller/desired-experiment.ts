/**
 * strategy.experiment as the planner's `ExperimentIntent`, the problems the operator cannot act on
 * (each with what to fix), and the activation the ModelVariant should serve once an experiment picked
 * a winner. GitOps: the operator never edits spec.activation; while the spec still says the activation
 * the experiment ran from and the experiment block is unchanged, the decided winner is what the
 * ModelVariant rolls out and serves (docs/experiments.md, "GitOps").
 */
import type { DefaultedModelVariantSpec, ExperimentStatus } from '../api/types.ts';
import { isBuiltinSli } from '../analysis/builtins.ts';
import { judgedDirection } from '../analysis/experiment/measure-experiment.ts';
import { stableHash } from '../workload/hash.ts';
import { experimentChildName } from '../workload/names.ts';
import type { ExperimentIntent } from './model.ts';

/**
 * The id of an experiment (16 hex digits): a hash of the strategy.experiment block and the pod-template
 * revision, so changing either starts a new experiment. The kubectl plugin computes it the same way.
 */
export function experimentId(experiment: unknown, revision: string): string {
  return stableHash({ experiment, revision }).slice(0, 16);
}

/**
 * The intent, or undefined without strategy.experiment. `durationOf` parses a duration field and
 * records a problem when it cannot; `stableActivation` is status.stableActivation.
 */
export function experimentIntent(spec: DefaultedModelVariantSpec, name: string, revision: string, previous: ExperimentStatus | undefined,
  stableActivation: string | undefined, durationOf: (field: string, text: string, minMs?: number) => number, problems: string[]): ExperimentIntent | undefined {
  const experiment = spec.strategy.experiment;
  if (!experiment) return undefined;
  const id = experimentId(experiment, revision);
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
    else if (sli.profile && sli.profile !== 'reference') {
      problems.push(`${field}.slis[${i}] (${e.name}) reads profile ${sli.profile}, whose series carry no variant label: every candidate runs as role experiment, ` +
        'so the candidates cannot be told apart; judge it with a query SLI that selects {{variant}}, or remove it here');
    } else if (!e.worse && !(sli.builtin && isBuiltinSli(sli.builtin))) problems.push(`${field}.slis[${i}] (${e.name}) has a query: set worse to higher or lower`);
  });
  experiment.rankBy.forEach((r, i) => {
    const judged = experiment.slis.find((e) => e.name === r.sli);
    const direction = judged ? judgedDirection(analysis?.slis?.find((s) => s.name === r.sli), judged) : undefined;
    if (direction === (r.prefer === 'higher' ? 'higherIsWorse' : 'lowerIsWorse')) {
      const better = r.prefer === 'higher' ? 'lower' : 'higher';
      problems.push(`${field}.rankBy[${i}] prefers ${r.prefer} ${r.sli}, but ${r.prefer} is worse for it: a candidate would rank up for being worse and could never win on it; prefer ${better}` +
        `${judged?.worse ? ` (or change strategy.experiment.slis' worse for ${r.sli})` : ''}`);
    }
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
export function effectiveActivation(specActivation: string, intent: Pick<ExperimentIntent, 'id' | 'promoteWinner'> | undefined, status: ExperimentStatus | undefined): string {
  if (!intent?.promoteWinner || !status || status.id !== intent.id || status.phase !== 'Decided' || !status.winner) return specActivation;
  return status.baseActivation === specActivation ? status.winner : specActivation;
}
