/**
 * The process that owns a local cluster: it starts every component (cluster.ts), writes
 * `<dir>/state.json` once all are ready, and tears everything down on SIGTERM/SIGINT or when its
 * owner process (the test runner) is gone, so a crashed or killed test run leaves nothing behind.
 * It also serves the cluster's component faults (components.ts) on a loopback port, `controlUrl` in
 * the state file: `POST /components/<name>/<freeze|thaw|restart|info>` answers a ComponentInfo as JSON.
 *
 * usage: node test/harness/supervisor.ts --dir DIR [--owner-pid PID] [--no-prometheus] [--gpus-per-node N]
 */
import { writeFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { locateBinaries } from './binaries.ts';
import { DEFAULT_GPU_NODES, startCluster, type RunningCluster } from './cluster.ts';
import { COMPONENT_ACTIONS, type ComponentAction } from './components.ts';
import { isAlive } from './processes.ts';

const { values } = parseArgs({ options: { dir: { type: 'string' }, 'owner-pid': { type: 'string' }, 'no-prometheus': { type: 'boolean' }, 'gpus-per-node': { type: 'string' } } });
const dir = values.dir;
if (!dir) {
  console.error('supervisor: --dir is required');
  process.exit(2);
}
const ownerPid = values['owner-pid'] ? Number(values['owner-pid']) : undefined;
const say = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

let starting: Promise<RunningCluster> | undefined;
let stopping = false;
async function shutdown(why: string, code: number): Promise<void> {
  // Only the first call tears down and exits; later calls (another signal, the owner check ticking
  // again) must not exit while components are still stopping, or they would be orphaned.
  if (stopping) return;
  stopping = true;
  say(`stopping (${why})`);
  // A stop during start-up waits for it: startCluster tears down itself when it fails.
  const cluster = await starting?.catch(() => undefined);
  await cluster?.stop().catch((err: unknown) => say(`error while stopping: ${String(err)}`));
  say('stopped');
  process.exit(code);
}
process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
process.on('SIGINT', () => void shutdown('SIGINT', 0));
process.on('SIGHUP', () => void shutdown('SIGHUP', 0));

if (ownerPid) setInterval(() => { if (!isAlive(ownerPid)) void shutdown(`owner ${ownerPid} is gone`, 0); }, 1000);

try {
  const t0 = Date.now();
  const perNode = values['gpus-per-node'] ? Number(values['gpus-per-node']) : undefined;
  const gpuNodes = perNode ? Object.fromEntries(Object.keys(DEFAULT_GPU_NODES).map((n) => [n, perNode])) : undefined;
  starting = startCluster({ dir, binaries: locateBinaries(), prometheus: !values['no-prometheus'], log: say, ...(gpuNodes ? { gpuNodes } : {}) });
  const cluster = await starting;
  if (stopping) await new Promise(() => undefined); // a shutdown is in progress and will exit
  const control = createServer((req, res) => {
    const m = /^\/components\/([^/]+)\/([a-z]+)$/.exec(req.url ?? '');
    const action = m?.[2] as ComponentAction | undefined;
    if (req.method !== 'POST' || !m || !action || !COMPONENT_ACTIONS.includes(action)) {
      res.writeHead(404).end(`use POST /components/<name>/<${COMPONENT_ACTIONS.join('|')}>`);
      return;
    }
    const component = decodeURIComponent(m[1] ?? '');
    say(`${action} ${component}`);
    cluster.control(component, action).then(
      (info) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(info)),
      (err: unknown) => res.writeHead(409).end(err instanceof Error ? err.message : String(err)),
    );
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  const state = { ...cluster.state, controlUrl, supervisorPid: process.pid };
  const tmp = join(dir, 'state.json.tmp');
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, join(dir, 'state.json'));
  say(`cluster ready in ${((Date.now() - t0) / 1000).toFixed(1)}s; kubeconfig ${state.kubeconfig}`);
} catch (err) {
  say(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
  await shutdown('start failed', 1);
}
