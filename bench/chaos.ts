/**
 * `make chaos`: rollouts under injected faults as a standing run (not a test). On a local control plane
 * of its own (started for the run, stopped at the end), two operator replicas run `--rollouts` rollouts
 * drawn from the seed, `--concurrency` at a time (healthy variants, faulty ones, aborts and promotes at
 * drawn moments), while the seed's faults are injected one after another (operator SIGKILL, leader
 * change, Prometheus frozen or restarted, kube-apiserver restarted, etcd frozen, a GPU node cordoned or
 * deleted, a child edited or deleted by hand). Each rollout is checked as it ends and every operator
 * write against the Lease; it prints the tables and exits 1 on any breach. docs/reliability.md says what
 * it checks and gives the last figures.
 *
 *   node bench/chaos.ts [--rollouts 100] [--concurrency 4] [--seed N] [--faults all|none|kind,kind]
 *                       [--lease-duration 8s] [--dir <cluster dir>] [--json]
 *
 * CHAOS_ROLLOUTS and CHAOS_SEED set the defaults of --rollouts and --seed (a random seed when neither
 * is given; the summary prints it and the command that replays the schedule). `--dir` keeps the
 * cluster's directory (logs, audit log) there instead of a temporary one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launchCluster, readState, stopSupervisor } from '../test/harness/launcher.ts';
import { runChaos } from '../test/chaos/run.ts';
import { parseFaultKinds } from '../test/chaos/schedule.ts';
import { summaryTable } from '../test/chaos/summary.ts';

const { values: args } = parseArgs({
  options: {
    rollouts: { type: 'string', default: process.env.CHAOS_ROLLOUTS || '100' },
    concurrency: { type: 'string', default: '4' },
    seed: { type: 'string', default: process.env.CHAOS_SEED || String(Math.floor(Math.random() * 2 ** 31)) },
    faults: { type: 'string', default: 'all' },
    'lease-duration': { type: 'string', default: '8s' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const seed = Number(args.seed);
const rollouts = Number(args.rollouts);
const concurrency = Number(args.concurrency);
let faults;
try {
  faults = parseFaultKinds(args.faults);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
if (!Number.isInteger(seed) || !Number.isInteger(rollouts) || rollouts < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`--seed must be an integer, --rollouts and --concurrency positive integers (got ${args.seed}, ${args.rollouts}, ${args.concurrency})`);
  process.exit(2);
}

const dir = resolve(args.dir ?? mkdtempSync(join(tmpdir(), 'activation-canary-chaos-')));
if (readState(dir)) {
  console.error(`a cluster already runs in ${dir}: chaos restarts its components, so it starts a cluster of its own; give another --dir`);
  process.exit(2);
}
const t0 = Date.now();
// GPUs for every rollout in flight on either node alone (a node may be cordoned or deleted).
const state = await launchCluster(dir, { ownerPid: process.pid, gpusPerNode: 32 });
console.error(`local control plane up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${dir})`);
process.env.ACTIVATION_CANARY_CLUSTER_STATE = join(dir, 'state.json');
process.env.KUBECONFIG = state.kubeconfig;

try {
  const results = await runChaos({
    seed, rollouts, concurrency, faults, leaseDuration: args['lease-duration'] ?? '8s',
    log: (line) => console.error(`${new Date().toISOString().slice(11, 23)} ${line}`),
  });
  writeFileSync(join(dir, 'chaos-results.json'), JSON.stringify(results, null, 2));
  console.log(args.json ? JSON.stringify(results, null, 2) : summaryTable(results));
  console.error(`results: ${join(dir, 'chaos-results.json')}; cluster logs: ${join(dir, 'logs')}`);
  process.exitCode = results.findings.some((f) => !f.excusedBy) ? 1 : 0;
} finally {
  await stopSupervisor(state.supervisorPid);
}
