/**
 * One spec-fuzz run: draws `runs` cases from `seed`, sends each to the apiserver (a dry run, a few in
 * flight), checks every refusal names a field and that nothing gets a 5xx, renders the analysis
 * queries of every accepted spec with the operator's own code and checks them with a PromQL parser,
 * then runs the real operator against the accepted specs (operator-run.ts). Returns the totals and
 * every breach; `summaryTable` prints them. Used by `make fuzz` (bench/fuzz.ts) and by the short run
 * in `make test` (test/integration/spec-fuzz.test.ts).
 */
import type { ModelVariant } from '../../src/api/types.ts';
import { withDefaults } from '../../src/api/types.ts';
import { createTestNamespace, deleteTestNamespace, kubeConfig } from '../harness/env.ts';
import { sendCase, type Verdict } from './apiserver.ts';
import { generateCase, type FuzzCase } from './generate.ts';
import { runOperatorPhase, type OperatorResults, type OperatorRunOptions } from './operator-run.ts';
import { checkRenderedQuery } from './promql-check.ts';
import { queryTargets } from './promql-targets.ts';

export interface FuzzOptions {
  seed: number;
  runs: number;
  /** Only these case indexes (a replay); all when undefined. */
  only?: number[];
  /** Requests in flight during the apiserver phase. */
  concurrency: number;
  /** Run the operator against the accepted specs; false for the apiserver and PromQL checks alone. */
  operator: false | OperatorRunOptions;
  log?: (line: string) => void;
}

export interface Breach {
  index: number;
  name: string;
  kind: string;
  detail: string;
}

export interface FuzzResults {
  seed: number;
  generated: number;
  verdicts: Record<Verdict, number>;
  queriesChecked: number;
  promqlBreaches: number;
  operator?: OperatorResults;
  breaches: Breach[];
  durationMs: number;
}

/** Runs `tasks` with at most `limit` in flight, in order of index. */
async function inParallel<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await task(i);
    }
  }));
  return out;
}

/** The PromQL breaches among the queries the operator would send for an accepted spec. */
function checkQueries(mv: ModelVariant, namespace: string): { checked: number; breaches: { field: string; problem: string; rendered: string }[] } {
  const analysis = withDefaults(mv.spec).strategy.analysis;
  if (!analysis) return { checked: 0, breaches: [] };
  const targets = queryTargets(analysis, { namespace, name: mv.metadata?.name ?? '', activation: mv.spec.activation, stableActivation: 'relu' });
  const breaches = targets.flatMap((t) => {
    const b = checkRenderedQuery(t.template, t.vars);
    return b ? [{ field: t.field, problem: b.problem, rendered: b.rendered.slice(0, 300) }] : [];
  });
  return { checked: targets.length, breaches };
}

/** Runs the fuzzer against the cluster of ACTIVATION_CANARY_CLUSTER_STATE. */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzResults> {
  const t0 = Date.now();
  const kc = kubeConfig();
  const namespace = await createTestNamespace('fuzz-dry-run');
  const verdicts: Record<Verdict, number> = { accepted: 0, refusedNamed: 0, refusedUnnamed: 0, undecodable: 0, tooLarge: 0, serverError: 0 };
  const breaches: Breach[] = [];
  const accepted: FuzzCase[] = [];
  let queriesChecked = 0;
  let promqlBreaches = 0;
  const indexes = opts.only ?? Array.from({ length: opts.runs }, (_, i) => i);
  try {
    await inParallel(indexes.length, opts.concurrency, async (k) => {
      const c = generateCase(opts.seed, indexes[k] as number);
      const answer = await sendCase(kc, namespace, c, true);
      verdicts[answer.verdict]++;
      if ((k + 1) % 1000 === 0) opts.log?.(`${k + 1}/${indexes.length} sent to the apiserver (${Math.round((Date.now() - t0) / 1000)} s)`);
      const mutations = c.mutations.map((m) => `${m.kind} ${m.path}`).join(', ') || 'none';
      if (answer.verdict === 'refusedUnnamed' || answer.verdict === 'serverError') {
        breaches.push({ index: c.index, name: c.name, kind: answer.verdict, detail: `HTTP ${answer.code} (mutations: ${mutations}): ${answer.message?.slice(0, 400)}` });
      }
      if (answer.verdict !== 'accepted') return;
      accepted.push(c);
      const { checked, breaches: found } = checkQueries(answer.object as ModelVariant, namespace);
      queriesChecked += checked;
      promqlBreaches += found.length;
      for (const f of found.slice(0, 3)) breaches.push({ index: c.index, name: c.name, kind: 'promql', detail: `${f.field}: ${f.problem}; rendered ${JSON.stringify(f.rendered)}` });
    });
  } finally {
    await deleteTestNamespace(namespace);
  }
  let operator: OperatorResults | undefined;
  if (opts.operator) {
    opts.log?.(`running the operator against ${accepted.length} accepted specs`);
    accepted.sort((a, b) => a.index - b.index);
    operator = await runOperatorPhase(accepted, { ...opts.operator, ...(opts.log ? { log: opts.log } : {}) });
    for (const f of operator.findings) breaches.push({ index: f.index, name: f.name, kind: f.kind, detail: f.detail });
    if (operator.crashes > 0) breaches.push({ index: -1, name: '', kind: 'crash', detail: `the operator exited ${operator.crashes} time(s)` });
    for (const line of operator.errorLines.slice(0, 20)) breaches.push({ index: -1, name: '', kind: 'errorLog', detail: line });
  }
  breaches.sort((a, b) => a.index - b.index);
  return { seed: opts.seed, generated: indexes.length, verdicts, queriesChecked, promqlBreaches, ...(operator ? { operator } : {}), breaches, durationMs: Date.now() - t0 };
}
