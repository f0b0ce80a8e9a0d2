/**
 * One round of analysis on one Prometheus: the queries of every ModelVariant whose run is due, with
 * each built-in template sent once for all of them (batch-query.ts) and every other query (a user's
 * own PromQL) sent per ModelVariant as written, identical ones once; all evaluated at one instant
 * with at most `concurrency` in flight; then each ModelVariant gets its Measurements as if it
 * had been measured alone. `planRound` is the pure part; `measureRound` sends the queries. It never
 * throws: a failed batch is that error for each of its members, as a failed query is for one.
 */
import { batchedTemplateOf, fanOut, indexBatch, memberKey, renderBatch, type BatchAnswer, type BatchMember } from './batch-query.ts';
import { runLimited } from './concurrency.ts';
import type { SpecError } from './errors.ts';
import type { MeasurementPlan, MetricQuerier } from './measure.ts';
import type { Measured, Measurements } from './measurements.ts';
import { classifyTransportError } from './prometheus-provider.ts';
import type { QueryResult, VectorResult } from './prometheus-response.ts';

/** What a round needs from a provider (a PrometheusProvider fits). */
export interface RoundQuerier extends MetricQuerier {
  queryVector(promql: string, at?: Date): Promise<VectorResult>;
}

/** Where one query of one ModelVariant gets its answer. */
export type Source =
  | { kind: 'batch'; batch: number; member: BatchMember }
  | { kind: 'single'; single: number }
  | { kind: 'error'; error: SpecError };

export interface RoundPlan {
  /** The batched queries to send (PromQL). */
  batches: string[];
  /** The per-ModelVariant queries to send (PromQL), each once. */
  singles: string[];
  /** For each ModelVariant's plan, for each of its queries, where the answer comes from. */
  sources: Source[][];
}

/** Plans a round, pure: built-in templates grouped by template and window into batches, the rest as singles. */
export function planRound(plans: readonly MeasurementPlan[]): RoundPlan {
  type Batch = { batched: string; window: string; members: Map<string, BatchMember>; index: number };
  // By template, then window: the template strings come from one table, so no long key is built per query.
  const batches = new Map<string, Map<string, Batch>>();
  const list: Batch[] = [];
  const singles = new Map<string, number>();
  const sources = plans.map((plan) => plan.queries.map((q): Source => {
    if (q.kind === 'error') return q;
    const batched = batchedTemplateOf(q.template);
    if (batched === undefined) {
      if (!singles.has(q.promql)) singles.set(q.promql, singles.size);
      return { kind: 'single', single: singles.get(q.promql) as number };
    }
    let byWindow = batches.get(batched);
    if (!byWindow) batches.set(batched, byWindow = new Map());
    let batch = byWindow.get(q.vars.window);
    if (!batch) {
      batch = { batched, window: q.vars.window, members: new Map(), index: list.length };
      byWindow.set(q.vars.window, batch);
      list.push(batch);
    }
    const member: BatchMember = { namespace: q.vars.namespace, name: q.vars.name, role: q.vars.role, variant: q.vars.variant };
    batch.members.set(memberKey(member), member);
    return { kind: 'batch', batch: batch.index, member };
  }));
  return {
    batches: list.map((b) => renderBatch(b.batched, [...b.members.values()], b.window)),
    singles: [...singles.keys()],
    sources,
  };
}

/** Each ModelVariant's answers, in the order of its plan's queries, from the answers of a round. */
export function collectRound(round: RoundPlan, batches: readonly BatchAnswer[], singles: readonly QueryResult[]): Measured[][] {
  return round.sources.map((list) => list.map((s): Measured => {
    if (s.kind === 'error') return s;
    if (s.kind === 'single') return singles[s.single] as QueryResult;
    return fanOut(batches[s.batch] as BatchAnswer, s.member);
  }));
}

export interface RoundResult {
  /** One per plan, in order. */
  measurements: Measurements[];
  /** Queries sent: batched ones and per-ModelVariant ones. */
  sent: { batched: number; single: number };
}

/**
 * Sends the queries of `plans`, at most `concurrency` at once, and fans the answers out. The run is
 * the one of instant `at` (its measuredAt, which status records as lastRunAt); every query is
 * evaluated at `evaluateAt` (default `at`), which the scheduler sets to the moment the round is sent,
 * at or after `at`, so the samples Prometheus ingested in between count.
 */
export async function measureRound(querier: RoundQuerier, plans: readonly MeasurementPlan[], at: Date, concurrency: number, evaluateAt: Date = at): Promise<RoundResult> {
  const round = planRound(plans);
  const failed = (err: unknown) => ({ kind: 'error' as const, error: classifyTransportError(err, 'prometheus', 0) });
  const tasks = [
    ...round.batches.map((promql) => async (): Promise<BatchAnswer> => indexBatch(await querier.queryVector(promql, evaluateAt).catch(failed), promql)),
    ...round.singles.map((promql) => async (): Promise<QueryResult> => querier.query(promql, evaluateAt).catch(failed)),
  ];
  const answers = await runLimited<BatchAnswer | QueryResult>(tasks, concurrency);
  const batches = answers.slice(0, round.batches.length) as BatchAnswer[];
  const singles = answers.slice(round.batches.length) as QueryResult[];
  const measured = collectRound(round, batches, singles);
  return {
    measurements: plans.map((plan, i) => plan.assemble(measured[i] as Measured[], at)),
    sent: { batched: round.batches.length, single: round.singles.length },
  };
}
