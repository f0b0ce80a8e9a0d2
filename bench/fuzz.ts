/**
 * `make fuzz`: the spec fuzzer as a standing run (not a test). Draws ModelVariants from the CRD's own
 * schema, valid and hostile, sends them to a real apiserver, checks the analysis queries of every
 * accepted one with a PromQL parser, runs the operator against the accepted ones, prints the summary
 * table, and exits 1 on any breach. docs/reliability.md says what it checks and the last figures.
 *
 *   node bench/fuzz.ts [--runs 10000] [--seed N] [--case 12,345] [--window 15] [--rest 2s]
 *                      [--no-operator] [--dir <cluster dir>] [--json]
 *
 * FUZZ_RUNS and FUZZ_SEED set the defaults of --runs and --seed (a random seed when neither is given;
 * the summary prints it). `--case` replays single cases of a seed. The local control plane is started
 * for the run and stopped at the end; `--dir` naming a running one (`make cluster-up`: `.cluster`), or
 * ACTIVATION_CANARY_CLUSTER_STATE, uses that one and leaves it running.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/util/duration.ts';
import { launchCluster, readState, stopSupervisor } from '../test/harness/launcher.ts';
import { runFuzz } from '../test/fuzz/run.ts';
import { summaryTable } from '../test/fuzz/summary.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.FUZZ_RUNS || '10000' },
    seed: { type: 'string', default: process.env.FUZZ_SEED || String(Math.floor(Math.random() * 2 ** 31)) },
    case: { type: 'string' },
    window: { type: 'string', default: '15' },
    rest: { type: 'string', default: '2s' },
    concurrency: { type: 'string', default: '4' },
    'no-operator': { type: 'boolean', default: false },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const seed = Number(args.seed);
const runs = Number(args.runs);
if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1) {
  console.error(`--seed and --runs must be integers (got ${args.seed}, ${args.runs})`);
  process.exit(2);
}
const only = args.case?.split(',').map(Number);

let stop: (() => Promise<void>) | undefined;
if (!process.env.ACTIVATION_CANARY_CLUSTER_STATE) {
  const dir = resolve(args.dir ?? mkdtempSync(join(tmpdir(), 'activation-canary-fuzz-')));
  const reused = readState(dir);
  const t0 = Date.now();
  const state = reused ?? await launchCluster(dir, { ownerPid: process.pid });
  if (!reused) {
    console.error(`local control plane up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${dir})`);
    stop = () => stopSupervisor(state.supervisorPid);
  }
  process.env.ACTIVATION_CANARY_CLUSTER_STATE = join(dir, 'state.json');
  process.env.KUBECONFIG = state.kubeconfig;
}

try {
  const results = await runFuzz({
    seed, runs, concurrency: Number(args.concurrency), ...(only ? { only } : {}),
    operator: args['no-operator'] ? false : {
      window: Number(args.window), settleTimeoutMs: 30_000, restMs: parseDuration(args.rest ?? '') ?? 2_000, changeRate: 0.3,
    },
    log: (line) => console.error(line),
  });
  console.log(args.json ? JSON.stringify(results, null, 2) : summaryTable(results));
  process.exitCode = results.breaches.length > 0 ? 1 : 0;
} finally {
  await stop?.();
}
