/**
 * Starts the cluster supervisor as a detached process (its own process group) and waits for its
 * state file; stops it by PID, falling back to killing its whole process group.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './binaries.ts';
import type { ClusterState } from './cluster-state.ts';
import { isAlive, logTail } from './processes.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Launches a supervisor for `dir` and resolves with the cluster state once every component is ready. */
export async function launchCluster(dir: string, opts: { ownerPid?: number; timeoutMs?: number; gpusPerNode?: number } = {}): Promise<ClusterState> {
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'supervisor.log');
  const fd = openSync(logFile, 'a');
  const args = [join(REPO_ROOT, 'test', 'harness', 'supervisor.ts'), '--dir', dir];
  if (opts.ownerPid) args.push('--owner-pid', String(opts.ownerPid));
  if (opts.gpusPerNode) args.push('--gpus-per-node', String(opts.gpusPerNode));
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  child.once('exit', () => { exited = true; });
  child.unref();
  const stateFile = join(dir, 'state.json');
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  while (!existsSync(stateFile)) {
    if (exited) throw new Error(`the local cluster failed to start; ${logFile}:\n${logTail(logFile, 40)}`);
    if (Date.now() > deadline) {
      await stopSupervisor(child.pid ?? 0);
      throw new Error(`the local cluster did not become ready in time; ${logFile}:\n${logTail(logFile, 40)}`);
    }
    await sleep(200);
  }
  return JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState;
}

/** SIGTERMs the supervisor and waits for it; SIGKILLs its process group if it lingers. */
export async function stopSupervisor(pid: number, graceMs = 30_000): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

/** Reads `<dir>/state.json`, or undefined when no cluster runs there. */
export function readState(dir: string): ClusterState | undefined {
  const file = join(dir, 'state.json');
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
  return isAlive(state.supervisorPid) ? state : undefined;
}

/** A cluster for a bench: the one running in `dir`, or one launched there; `stop()` ends only a launched one. */
export interface BenchCluster {
  /** The cluster's directory: `--dir`, or a temporary one the bench made. */
  dir: string;
  state: ClusterState;
  reused: boolean;
  /** Stops a launched cluster; `keepDir` keeps a temporary directory (a run that failed, to read its logs). */
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

/**
 * Uses the cluster running in `dir` or launches one there (owned by this process), points the harness at
 * it (ACTIVATION_CANARY_CLUSTER_STATE) and tells `log` which, with the start-up time of a launched one.
 * Without `dir` it launches one in a new temporary directory (`activation-canary-<prefix>-*`), which
 * `stop()` deletes (etcd's data, the audit log, the components' logs: ~400 MB after a scale run at
 * N = 1,000) unless the run failed (`keepDir`, or `process.exitCode` set) or KEEP_CLUSTER_DIR=1 (as for
 * the tests). A `dir` given is never deleted.
 */
export async function benchCluster(log: (msg: string) => void, opts: { dir?: string | undefined; prefix: string }): Promise<BenchCluster> {
  const temporary = opts.dir === undefined;
  const dir = resolve(opts.dir ?? mkdtempSync(join(tmpdir(), `activation-canary-${opts.prefix}-`)));
  const reused = readState(dir);
  const t0 = Date.now();
  const state = reused ?? await launchCluster(dir, { ownerPid: process.pid });
  process.env.ACTIVATION_CANARY_CLUSTER_STATE = join(dir, 'state.json');
  log(reused ? `using the running cluster in ${dir}` : `local control plane up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${dir})`);
  return {
    dir, state, reused: !!reused,
    stop: async (how = {}) => {
      if (reused) return;
      await stopSupervisor(state.supervisorPid);
      if (!temporary) return;
      if (how.keepDir || process.exitCode || process.env.KEEP_CLUSTER_DIR === '1') log(`kept the cluster's directory ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}
