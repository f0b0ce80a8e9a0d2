/**
 * `make cluster-up` / `make cluster-down` / `make cluster-status`: the local control plane as a
 * background process that outlives the command, with its state in `.cluster/` (kubeconfig at
 * `.cluster/kubeconfig`).
 *
 * usage: node test/harness/cli.ts up|down|status [--dir .cluster]
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launchCluster, readState, stopSupervisor } from './launcher.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { dir: { type: 'string', default: '.cluster' } } });
const dir = resolve(values.dir ?? '.cluster');
const command = positionals[0];

function describe(s: NonNullable<ReturnType<typeof readState>>): string {
  return [
    `kubeconfig:  ${s.kubeconfig}   (export KUBECONFIG=${s.kubeconfig})`,
    `apiserver:   ${s.apiserverUrl}`,
    `prometheus:  ${s.prometheusUrl || '(not started)'}   targets dir ${s.prometheusTargetsDir}`,
    `gpu nodes:   ${Object.entries(s.gpuNodes).map(([n, g]) => `${n}=${g}`).join(' ')}`,
    `logs:        ${s.dir}/logs/   supervisor pid ${s.supervisorPid}`,
    `audit log:   ${s.auditLog ?? '(none)'}`,
  ].join('\n');
}

if (command === 'up') {
  const running = readState(dir);
  if (running) {
    console.log(`the local cluster is already running\n${describe(running)}`);
  } else {
    rmSync(dir, { recursive: true, force: true });
    const t0 = Date.now();
    try {
      const state = await launchCluster(dir);
      console.log(`local cluster up in ${((Date.now() - t0) / 1000).toFixed(1)}s\n${describe(state)}`);
    } catch (err) {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    }
  }
} else if (command === 'down') {
  const state = readState(dir);
  if (state) await stopSupervisor(state.supervisorPid);
  rmSync(dir, { recursive: true, force: true });
  console.log(state ? 'local cluster stopped' : 'no local cluster was running');
} else if (command === 'status') {
  const state = readState(dir);
  console.log(state ? `running\n${describe(state)}` : 'not running');
  process.exit(state ? 0 : 1);
} else {
  console.error('usage: node test/harness/cli.ts up|down|status [--dir .cluster]');
  process.exit(2);
}
