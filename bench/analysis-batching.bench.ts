/**
 * Benchmark (not a test: it prints figures) of what batching saves per analysis round: for N
 * ModelVariants with the same realistic analysis (saturation, latencyP95 against stable, errorRate,
 * accuracy, the default burn rate), the Prometheus queries one round sends when each ModelVariant is
 * measured alone (`planMeasurements`, identical queries sent once, as measureAnalysis does) and when
 * they are batched (`planRound`), their ratio, the largest batched query's size, and the CPU time the
 * operator spends planning and fanning out a round (median of 20, in-process, no Prometheus).
 *
 *   node bench/analysis-batching.bench.ts [--json]
 */
import { parseArgs } from 'node:util';
import { fanOut, indexBatch } from '../src/analysis/batch-query.ts';
import { planMeasurements } from '../src/analysis/measure.ts';
import { planRound } from '../src/analysis/measure-round.ts';
import type { AnalysisSpec } from '../src/analysis/spec.ts';

const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false } } });

const spec: AnalysisSpec = {
  prometheus: { address: 'http://prometheus.monitoring:9090' },
  slis: [
    { name: 'saturation', builtin: 'activationSaturation', max: 0.05 },
    { name: 'latency', builtin: 'latencyP95', maxRatioToStable: 1.2 },
    { name: 'errors', builtin: 'errorRate', max: 0.01 },
    { name: 'accuracy', builtin: 'accuracy', min: 0.9 },
  ],
  slo: {},
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rows = [1, 10, 100, 1000].map((n) => {
  const targets = Array.from({ length: n }, (_, i) => ({ namespace: `team-${i % 10}`, name: `model-${i}`, canaryVariant: 'gelu', stableVariant: 'relu' }));
  const plans = targets.map((t) => planMeasurements(spec, t));
  const alone = plans.reduce((sum, p) => sum + new Set(p.queries.flatMap((q) => (q.kind === 'query' ? [q.promql] : []))).size, 0);
  const times: number[] = [];
  let round = planRound(plans);
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    round = planRound(plans);
    // Fan-out of an answer with one series per member, as Prometheus would send it.
    const answer = indexBatch({ kind: 'vector', series: targets.flatMap((t) => ['canary', 'stable'].map((role) =>
      ({ labels: { namespace: t.namespace, model: t.name, role, variant: role === 'canary' ? 'gelu' : 'relu' }, value: 0.01 }))) }, 'q');
    for (const list of round.sources) for (const s of list) if (s.kind === 'batch') fanOut(answer, s.member);
    times.push(performance.now() - t0);
  }
  const batched = round.batches.length + round.singles.length;
  return { modelVariants: n, queriesAlone: alone, queriesBatched: batched, ratio: Number((alone / batched).toFixed(1)),
    largestQueryBytes: Math.max(...round.batches.map((q) => Buffer.byteLength(q))), planAndFanOutMs: Number(median(times).toFixed(2)) };
});

if (args.json) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  process.stdout.write('ModelVariants  queries/round alone  batched  ratio  largest query (bytes)  plan+fan-out (ms, median of 20)\n');
  for (const r of rows) {
    process.stdout.write(`${String(r.modelVariants).padStart(13)}  ${String(r.queriesAlone).padStart(19)}  ${String(r.queriesBatched).padStart(7)}  `
      + `${String(r.ratio).padStart(5)}  ${String(r.largestQueryBytes).padStart(21)}  ${String(r.planAndFanOutMs).padStart(10)}\n`);
  }
}
