/**
 * The I/O half of an experiment run: which queries measure every judged SLI for stable and each
 * candidate over the experiment so far, and the judge's data from their answers. Restart-safe and
 * stateless: every run asks Prometheus for the whole experiment again, from `startedAt` to now.
 *
 * - **Counted SLIs** (the built-ins errorRate, nonFinite and accuracy): the two-proportion test's events
 *   and trials are `sum(increase(...[elapsed]))` of the bad (5xx, non-finite) or good (correct) events and
 *   of all requests or predictions, one instant query each. (Saturation and dead units count units, which
 *   within one prediction are far from independent trials, so they are sampled instead.)
 * - **Sampled SLIs** (every other built-in, and a query SLI): one sample per analysis interval, the SLI
 *   computed over that interval alone (its `{{window}}` is the interval, so samples do not overlap, as
 *   Mann–Whitney U wants independent ones), read as a subquery `(q)[elapsed:interval]`. An interval
 *   without traffic (0/0 = NaN) is no sample. The interval should be at least twice Prometheus' scrape
 *   interval: rate() needs two points in its window.
 *
 * Stable is selected as `role="stable",variant="<stable>"`, a candidate as
 * `role="experiment",variant="<activation>"` (the pod labels of `<name>-exp-<activation>`).
 * Nothing here throws: a query that fails or a spec that cannot be rendered becomes a `missing` side
 * whose message says why, and the judge holds that comparison Inconclusive.
 */
import { BUILTIN_SLIS, ROLE_SELECTOR, isBuiltinSli } from '../builtins.ts';
import { runLimited } from '../concurrency.ts';
import type { QueryResult } from '../prometheus-response.ts';
import { serverText } from '../sanitize.ts';
import { renderQuery, toPromDuration, type TemplateVars } from '../render-query.ts';
import { DEFAULTS, type AnalysisSpec, type SliSpec } from '../spec.ts';
import type { ExperimentData, ExperimentJudgeSpec, JudgedSli, SideData } from './judge-experiment.ts';
import type { MatrixResult } from './prometheus-matrix.ts';

/** What measuring an experiment needs from a provider (a PrometheusProvider fits). */
export interface ExperimentQuerier {
  query(promql: string, at?: Date): Promise<QueryResult>;
  queryMatrix(promql: string, at?: Date): Promise<MatrixResult>;
}

/** strategy.experiment as measuring and judging read it (the generated, defaulted type fits). */
export interface ExperimentSpec {
  candidates: { activation: string }[];
  minSamples: number;
  confidenceLevel: number;
  power: number;
  slis: { name: string; worse?: 'higher' | 'lower'; minimumEffect: { absolute?: number; relative?: number } }[];
  rankBy: { sli: string; prefer: 'higher' | 'lower' }[];
}

/** Whose pods are measured: the ModelVariant, its stable activation and the candidates'. */
export interface ExperimentTarget {
  namespace: string;
  name: string;
  stableVariant: string;
}

/** The events and trials of a counted built-in, as PromQL templates over `{{window}}`. */
const COUNTED: Record<string, { events: string; total: string }> = {
  errorRate: {
    events: `sum(increase(inference_requests_total{${ROLE_SELECTOR},code=~"5.."}[{{window}}])) or vector(0)`,
    total: `sum(increase(inference_requests_total{${ROLE_SELECTOR}}[{{window}}]))`,
  },
  nonFinite: {
    events: `sum(increase(inference_nonfinite_predictions_total{${ROLE_SELECTOR}}[{{window}}])) or vector(0)`,
    total: `sum(increase(inference_predictions_total{${ROLE_SELECTOR}}[{{window}}]))`,
  },
  accuracy: {
    events: `sum(increase(inference_correct_predictions_total{${ROLE_SELECTOR}}[{{window}}])) or vector(0)`,
    total: `sum(increase(inference_labelled_predictions_total{${ROLE_SELECTOR}}[{{window}}]))`,
  },
};

/** How one judged SLI is measured, or why it cannot be. */
type Method = { kind: 'counts'; events: string; total: string } | { kind: 'samples'; query: string } | { kind: 'invalid'; message: string };

function methodOf(sli: SliSpec | undefined, name: string): Method {
  if (!sli) return { kind: 'invalid', message: `SLI ${name} is not in strategy.analysis.slis` };
  if (sli.builtin !== undefined) {
    const counted = COUNTED[sli.builtin];
    if (counted) return { kind: 'counts', ...counted };
    if (isBuiltinSli(sli.builtin)) return { kind: 'samples', query: BUILTIN_SLIS[sli.builtin].query };
    return { kind: 'invalid', message: `SLI ${name}: unknown builtin ${JSON.stringify(sli.builtin)}` };
  }
  return sli.query !== undefined ? { kind: 'samples', query: sli.query } : { kind: 'invalid', message: `SLI ${name} sets neither builtin nor query` };
}

/**
 * The judge's spec: each judged SLI's direction (a built-in's own, or `worse`), its minimum effect, and
 * its fewest samples per side (experiment.minSamples intervals for a sampled SLI; for a counted one the
 * SLI's minSamples, else the built-in's, in requests or labelled predictions).
 */
export function experimentJudgeSpec(analysis: AnalysisSpec, experiment: ExperimentSpec): ExperimentJudgeSpec {
  const slis = experiment.slis.map((e): JudgedSli => {
    const sli = analysis.slis?.find((s) => s.name === e.name);
    const builtin = sli?.builtin !== undefined && isBuiltinSli(sli.builtin) ? BUILTIN_SLIS[sli.builtin] : undefined;
    const direction = judgedDirection(sli, e) ?? 'higherIsWorse';
    const counted = methodOf(sli, e.name).kind === 'counts';
    const minSamples = counted ? sli?.minSamples ?? builtin?.minSamples ?? experiment.minSamples : experiment.minSamples;
    return { name: e.name, direction, minimumEffect: e.minimumEffect, minSamples: Math.max(1, minSamples) };
  });
  return { candidates: experiment.candidates.map((c) => c.activation), slis, rankBy: experiment.rankBy, confidenceLevel: experiment.confidenceLevel, power: experiment.power };
}

/** Which way a judged SLI gets worse: its `worse`, else its reference built-in's; undefined when neither says. */
export function judgedDirection(sli: SliSpec | undefined, judged: { worse?: 'higher' | 'lower' }): JudgedSli['direction'] | undefined {
  if (judged.worse) return judged.worse === 'higher' ? 'higherIsWorse' : 'lowerIsWorse';
  return sli?.builtin !== undefined && isBuiltinSli(sli.builtin) ? BUILTIN_SLIS[sli.builtin].direction : undefined;
}

/** One side of one SLI: the role and variant its queries select. */
interface Side { key: string; role: TemplateVars['role']; variant: string }

/** A query to send (instant, or a range vector) or the reason there is none. */
export type PlannedQuery = { kind: 'instant' | 'matrix'; promql: string } | { kind: 'invalid'; message: string };

/** Per judged SLI and side (`stable` or a candidate activation): the queries that measure it. */
export type ExperimentQueryPlan = {
  sli: string;
  side: string;
  measure: { kind: 'counts'; events: PlannedQuery; total: PlannedQuery } | { kind: 'samples'; samples: PlannedQuery } | { kind: 'invalid'; message: string };
}[];

/**
 * Plans every query of a run, pure. `elapsedMs` is the time since the experiment started (its range),
 * `intervalMs` the analysis interval (one sample each); both are rounded to whole seconds, at least 1 s.
 */
export function planExperimentQueries(analysis: AnalysisSpec, experiment: ExperimentSpec, target: ExperimentTarget, elapsedMs: number, intervalMs: number): ExperimentQueryPlan {
  const range = toPromDuration(1000 * Math.max(1, Math.round(elapsedMs / 1000)));
  const step = toPromDuration(1000 * Math.max(1, Math.round(intervalMs / 1000)));
  const sides: Side[] = [{ key: 'stable', role: 'stable', variant: target.stableVariant },
    ...experiment.candidates.map((c): Side => ({ key: c.activation, role: 'experiment', variant: c.activation }))];
  const render = (template: string, side: Side, window: string, kind: 'instant' | 'matrix'): PlannedQuery => {
    const r = renderQuery(template, { namespace: target.namespace, name: target.name, role: side.role, variant: side.variant, window });
    if (!r.ok) return { kind: 'invalid', message: r.error.message };
    return { kind, promql: kind === 'matrix' ? `(${r.value})[${range}:${step}]` : r.value };
  };
  return experiment.slis.flatMap((e) => {
    const method = methodOf(analysis.slis?.find((s) => s.name === e.name), e.name);
    return sides.map((side) => ({
      sli: e.name, side: side.key,
      measure: method.kind === 'counts' ? { kind: 'counts' as const, events: render(method.events, side, range, 'instant'), total: render(method.total, side, range, 'instant') }
        : method.kind === 'samples' ? { kind: 'samples' as const, samples: render(method.query, side, step, 'matrix') }
          : method,
    }));
  });
}

/** An answer per distinct query (by PromQL), as measureExperiment collects them. */
export type Answers = ReadonlyMap<string, QueryResult | MatrixResult>;

/**
 * The judge's data from a plan and its answers, pure. Rates: a sampled side gets one sample per
 * interval; a counted side its trials over the elapsed time.
 */
export function experimentData(plan: ExperimentQueryPlan, answers: Answers, elapsedMs: number, intervalMs: number): ExperimentData {
  const data: ExperimentData = {};
  for (const { sli, side, measure } of plan) {
    const entry = (data[sli] ??= { stable: { kind: 'missing', reason: 'NoData', message: 'not measured' }, candidates: {} });
    const value = sideData(measure, answers, elapsedMs, intervalMs);
    if (side === 'stable') entry.stable = value;
    else entry.candidates[side] = value;
  }
  return data;
}

function sideData(measure: ExperimentQueryPlan[number]['measure'], answers: Answers, elapsedMs: number, intervalMs: number): SideData {
  if (measure.kind === 'invalid') return { kind: 'missing', reason: 'Error', message: measure.message };
  const answer = (q: PlannedQuery): QueryResult | MatrixResult | { kind: 'error'; error: { message: string } } =>
    (q.kind === 'invalid' ? { kind: 'error', error: { message: q.message } } : answers.get(q.promql) ?? { kind: 'error', error: { message: 'not asked' } });
  if (measure.kind === 'samples') {
    const a = answer(measure.samples);
    if (a.kind === 'series') return { kind: 'samples', values: a.values, ratePerSecond: 1000 / Math.max(1000, intervalMs) };
    return missing(a);
  }
  const events = answer(measure.events);
  const total = answer(measure.total);
  if (events.kind !== 'value') return missing(events);
  if (total.kind !== 'value') return missing(total);
  if (!Number.isFinite(events.value) || !Number.isFinite(total.value)) return { kind: 'missing', reason: 'NoData', message: 'the counts are not finite numbers' };
  const trials = Math.round(total.value);
  return { kind: 'counts', events: Math.min(trials, Math.max(0, Math.round(events.value))), total: trials, ratePerSecond: trials / Math.max(1, elapsedMs / 1000) };
}

function missing(a: { kind: string; error?: { message: string } }): SideData {
  if (a.kind === 'error' && a.error) return { kind: 'missing', reason: 'Error', message: a.error.message };
  return { kind: 'missing', reason: 'NoData', message: 'no data in Prometheus for this side yet' };
}

/** Transport failures that say Prometheus itself is away, so the run's other queries would only wait for the same answer. */
const UNAVAILABLE = new Set(['Unreachable', 'Timeout', 'Tls', 'InvalidAddress']);

/**
 * Runs a plan's distinct queries at `now` (at most `concurrency` in flight) and returns the judge's data.
 * Never throws. Once a query finds Prometheus unavailable (unreachable, timed out), the queries not yet
 * sent get that same error instead of being sent: a frozen Prometheus costs a run one timeout, not one per
 * batch (5 candidates × 10 SLIs is over a hundred queries; at a 5 m timeout, hours on the reconcile path).
 */
export async function measureExperiment(querier: ExperimentQuerier, plan: ExperimentQueryPlan, now: Date, elapsedMs: number, intervalMs: number,
  concurrency = DEFAULTS.concurrency): Promise<ExperimentData> {
  const queries = new Map<string, 'instant' | 'matrix'>();
  for (const { measure } of plan) {
    const planned = measure.kind === 'counts' ? [measure.events, measure.total] : measure.kind === 'samples' ? [measure.samples] : [];
    for (const q of planned) if (q.kind !== 'invalid') queries.set(q.promql, q.kind);
  }
  const entries = [...queries];
  let unavailable: QueryResult | undefined;
  const results = await runLimited(entries.map(([promql, kind]) => async (): Promise<QueryResult | MatrixResult> => {
    if (unavailable) return unavailable;
    let result: QueryResult | MatrixResult;
    try {
      result = kind === 'matrix' ? await querier.queryMatrix(promql, now) : await querier.query(promql, now);
    } catch (err) {
      result = { kind: 'error', error: { code: 'Unreachable', address: 'prometheus', message: `the query failed: ${serverText(err instanceof Error ? err.message : err)}` } };
    }
    if (result.kind === 'error' && UNAVAILABLE.has(result.error.code)) unavailable ??= result;
    return result;
  }), concurrency);
  return experimentData(plan, new Map(entries.map(([promql], i) => [promql, results[i] as QueryResult | MatrixResult])), elapsedMs, intervalMs);
}

/** The data of a run refused before any query (an address not allowed, a credential not readable): every side missing with `message`. */
export function unmeasured(plan: ExperimentQueryPlan, message: string): ExperimentData {
  return experimentData(plan.map((p) => ({ ...p, measure: { kind: 'invalid', message } })), new Map(), 0, 1000);
}
