/**
 * Batched queries, pure: one query per SLI template and window for every ModelVariant that uses it on
 * one Prometheus, instead of one per ModelVariant and role. A built-in template selects one role of one
 * ModelVariant with ROLE_SELECTOR (`namespace="…",model="…",role="…",variant="…"`) and aggregates its
 * pods with `sum`; its batched form selects all the members at once with regex matchers and keeps the
 * four labels apart with `sum by (namespace, model, role, variant)` (any `by` kept, the four added), so Prometheus answers one series
 * per member, and `fanOut` hands each member its own series. A member with no series in the answer has
 * **no data** (never 0, never a pass), two series for one member are an error, as they are for a single
 * query, and NaN stays NaN.
 *
 * Only templates that are provably the same per member are batched: `batchTemplate` accepts a small
 * grammar (metrics selected by ROLE_SELECTOR; sum, avg, min, max, count, with or without `by`;
 * functions of one series such as rate, increase, histogram_quantile, *_over_time, clamp_*; + - * /;
 * numbers; `or vector(0)`) and refuses anything else (`without`, topk, quantile, `on`/`ignoring`, other
 * set operations and comparisons, a selector without ROLE_SELECTOR, a text placeholder elsewhere). The fallback
 * `X or vector(0)` ("no bad-event series yet means 0") would give one label-less 0 for the whole batch,
 * so it becomes `X or 0 * (P)`, where P is a query that has a series for exactly the members whose
 * fallback applies (the SLI's samples query, the burn rate's total query). Built-ins are batched
 * (`batchedTemplateOf`); a user's own query is run per ModelVariant, as written.
 */
import { BUILTIN_SLIS, DEFAULT_BURN_RATE_QUERIES, ROLE_SELECTOR } from './builtins.ts';
import type { Measured } from './measurements.ts';
import type { VectorResult } from './prometheus-response.ts';
import { escapeLabelValue, isPromDuration, quoteRegex, type TemplateVars } from './render-query.ts';
import { queryEcho } from './sanitize.ts';

/** The labels a batched query groups by: the target labels every series of the reference server carries. */
export const GROUP_LABELS = ['namespace', 'model', 'role', 'variant'] as const;

/** Where a batched template takes the members' matchers. */
const SELECTOR_MARK = '{{batchSelector}}';
/** Functions that act on each series alone (or, histogram_quantile, on each group of `le` buckets). */
const FUNCTIONS = new Set(['rate', 'increase', 'irate', 'delta', 'histogram_quantile', 'abs', 'clamp_min', 'clamp_max',
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time']);
/** Aggregations without a parameter: grouped by the members' labels too, each member's group is what the single query aggregated. */
const AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count']);

/** Index just past the `}` closing a selector whose matchers start at `from` (strings skipped), or -1. */
function selectorEnd(t: string, from: number): number {
  for (let i = from; i < t.length; i++) {
    const c = t[i];
    if (c === '}') return i + 1;
    if (c === '"' || c === "'") {
      for (i++; i < t.length && t[i] !== c; i++) if (t[i] === '\\') i++;
    }
  }
  return -1;
}

/**
 * The batched form of a single-ModelVariant template, with `{{batchSelector}}` where ROLE_SELECTOR was
 * and every aggregation grouped by GROUP_LABELS too; `presence` is the template whose series stand in for the
 * members of an `or vector(0)` fallback. Undefined when the template is outside the grammar above, so
 * it is not safe to batch.
 */
export function batchTemplate(template: string, presence?: string): string | undefined {
  const t = template;
  let out = '';
  let i = 0;
  while (i < t.length) {
    const c = t[i] as string;
    if (/[\s()+\-*/,]/.test(c)) {
      out += c;
      i++;
      continue;
    }
    const number = /^\d+(\.\d+)?/.exec(t.slice(i))?.[0];
    if (number) {
      out += number;
      i += number.length;
      continue;
    }
    if (c === '[') {
      const end = t.indexOf(']', i);
      const range = end < 0 ? '' : t.slice(i + 1, end);
      if (range !== '{{window}}' && !isPromDuration(range)) return undefined;
      out += t.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (c === '{') {
      if (!t.startsWith(ROLE_SELECTOR, i + 1)) return undefined;
      const from = i + 1 + ROLE_SELECTOR.length;
      const end = selectorEnd(t, from);
      const rest = end < 0 ? '' : t.slice(from, end - 1);
      if (end < 0 || rest.includes('{{') || (rest !== '' && !rest.startsWith(','))) return undefined;
      out += `{${SELECTOR_MARK}${rest}}`;
      i = end;
      continue;
    }
    const word = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(t.slice(i))?.[0];
    if (!word) return undefined;
    i += word.length;
    const after = t.slice(i);
    if (AGGREGATIONS.has(word)) {
      const m = /^\s*(?:by\s*\(([^)]*)\)\s*)?\(/.exec(after);
      const labels = (m?.[1] ?? '').split(',').map((l) => l.trim()).filter((l) => l !== '');
      if (!m || labels.some((l) => (GROUP_LABELS as readonly string[]).includes(l))) return undefined;
      out += `${word} by (${[...labels, ...GROUP_LABELS].join(', ')}) (`;
      i += m[0].length;
    } else if (word === 'or') {
      const m = /^\s*vector\s*\(\s*0\s*\)/.exec(after);
      const members = presence === undefined ? undefined : batchTemplate(presence);
      if (!m || members === undefined) return undefined;
      out += `or 0 * (${members})`;
      i += m[0].length;
    } else if (/^\s*\(/.test(after)) {
      if (!FUNCTIONS.has(word)) return undefined;
      out += word;
    } else {
      // A metric name: it must select the ModelVariant's series, or the batch would mix every model's.
      if (!after.startsWith('{')) return undefined;
      out += word;
    }
  }
  return out;
}

/** Every built-in template that batches, by its text: the SLIs' queries and sample counts, and the burn rate's pair. */
const BATCHED: ReadonlyMap<string, string> = (() => {
  const table = new Map<string, string>();
  const add = (template: string, presence?: string) => {
    const batched = table.has(template) ? undefined : batchTemplate(template, presence);
    if (batched !== undefined) table.set(template, batched);
  };
  for (const sli of Object.values(BUILTIN_SLIS)) {
    add(sli.query, sli.samplesQuery);
    add(sli.samplesQuery);
  }
  add(DEFAULT_BURN_RATE_QUERIES.errorQuery, DEFAULT_BURN_RATE_QUERIES.totalQuery);
  add(DEFAULT_BURN_RATE_QUERIES.totalQuery);
  return table;
})();

/** The batched form of a built-in template (looked up by its exact text), or undefined: run it per ModelVariant. */
export function batchedTemplateOf(template: string): string | undefined {
  return BATCHED.get(template);
}

/** One role of one ModelVariant in a batch: the values its ROLE_SELECTOR would have had. */
export type BatchMember = Pick<TemplateVars, 'namespace' | 'name' | 'role' | 'variant'>;

/** The key of a member, and of a series by its GROUP_LABELS (`name` is the `model` label). */
export const memberKey = (m: BatchMember): string => JSON.stringify([m.namespace, m.name, m.role, m.variant]);
const seriesKey = (labels: Record<string, string>): string =>
  JSON.stringify([labels.namespace ?? '', labels.model ?? '', labels.role ?? '', labels.variant ?? '']);

/**
 * The PromQL of a batched template for `members` over `window` (a checked Prometheus duration): each
 * label matches the set of the members' values, escaped and regex-quoted so a value matches only itself.
 * The set product may select series of no member (another namespace's model of the same name); their
 * groups are simply not looked up.
 */
export function renderBatch(batched: string, members: readonly BatchMember[], window: string): string {
  const values = (pick: (m: BatchMember) => string) => escapeLabelValue([...new Set(members.map(pick))].sort().map(quoteRegex).join('|'));
  const selector = `namespace=~"${values((m) => m.namespace)}",model=~"${values((m) => m.name)}",role=~"${values((m) => m.role)}",variant=~"${values((m) => m.variant)}"`;
  return batched.replaceAll(SELECTOR_MARK, () => selector).replaceAll('{{window}}', () => window);
}

/** A batch's answer indexed by member, for fan-out: each key's values, or the error every member gets. */
export type BatchAnswer = { kind: 'series'; values: ReadonlyMap<string, number[]>; query: string } | { kind: 'error'; result: Measured };

/** Indexes the answer to the batched `query` by GROUP_LABELS. */
export function indexBatch(result: VectorResult, query: string): BatchAnswer {
  if (result.kind === 'error') return { kind: 'error', result };
  const values = new Map<string, number[]>();
  for (const s of result.series) {
    const key = seriesKey(s.labels);
    values.set(key, [...(values.get(key) ?? []), s.value]);
  }
  return { kind: 'series', values, query };
}

/**
 * One member's measurement out of a batch: its one series' value (NaN and ±Inf as they are), **no
 * data** when the batch had no series for it, the batch's error when it failed, and an error when it
 * had several series (as a single query answering several series is).
 */
export function fanOut(answer: BatchAnswer, member: BatchMember): Measured {
  if (answer.kind === 'error') return answer.result;
  const values = answer.values.get(memberKey(member)) ?? [];
  if (values.length === 0) return { kind: 'noData' };
  if (values.length > 1) {
    return { kind: 'error', error: { code: 'UnexpectedResultType', resultType: 'vector', series: values.length, query: answer.query,
      message: `the query returned ${values.length} series for ${member.role} of ${member.namespace}/${member.name} where one number was expected; query: ${queryEcho(answer.query)}` } };
  }
  return { kind: 'value', value: values[0] as number };
}
