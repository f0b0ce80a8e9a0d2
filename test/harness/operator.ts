/**
 * Runs the operator as a real child process (`node src/cli/operator.ts`) against the test cluster,
 * as `make run` does: logs go to a file, the HTTP port is read from its "listening" log line, and
 * `stop()` (SIGTERM) or `kill()` (SIGKILL, to simulate a crash) end it. Every started operator is
 * also killed when the test process exits. With `user`, it talks to the apiserver under that user name
 * (a client certificate of its own, group system:masters), so the audit log tells its requests apart
 * from the test's and from other operators' (audit.ts). Its NODE_OPTIONS are the V8 heap flags the
 * chart renders from its `heap` values (read from the chart's values.yaml of the checkout that runs, so
 * tests, benches and installs size the heap alike), unless the caller passes its own in `env`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './binaries.ts';
import { ADMIN_USER } from './pki.ts';
import { clusterState, kubeconfigFor, scratchDir } from './env.ts';

export interface RunningOperator {
  child: ChildProcess;
  logFile: string;
  identity: string;
  /** The user name its requests carry in the audit log (the admin's when no `user` was given). */
  user: string;
  /** The NODE_OPTIONS it runs with. */
  nodeOptions: string;
  port(): Promise<number>;
  logs(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => { for (const c of running) c.kill('SIGKILL'); });

/**
 * The NODE_OPTIONS the chart of the checkout at `root` gives the operator: its values.yaml `heap`
 * as `--max-old-space-size=<maxOldSpaceMiB> --max-semi-space-size=<maxSemiSpaceMiB>` (the chart's
 * activation-canary.nodeOptions; chart-values.test.ts checks that they agree). Empty for a checkout
 * whose chart has no `heap` values (an older release): V8 then sizes the heap itself.
 */
/** The MALLOC_ARENA_MAX the chart's `heap.mallocArenaMax` renders on the operator's container ('' when it renders none). */
export function chartMallocArenaMax(root = REPO_ROOT): string {
  const values = parse(readFileSync(join(root, 'charts', 'activation-canary', 'values.yaml'), 'utf8')) as { heap?: { mallocArenaMax?: unknown } };
  const arenas = values.heap?.mallocArenaMax;
  return Number.isInteger(arenas) && (arenas as number) > 0 ? String(arenas) : '';
}

export function chartNodeOptions(root = REPO_ROOT): string {
  const values = parse(readFileSync(join(root, 'charts', 'activation-canary', 'values.yaml'), 'utf8')) as { heap?: { maxOldSpaceMiB?: unknown; maxSemiSpaceMiB?: unknown } };
  const heap = values.heap;
  if (!heap) return '';
  const { maxOldSpaceMiB: old, maxSemiSpaceMiB: semi } = heap;
  if (!Number.isInteger(old) || !Number.isInteger(semi)) throw new Error(`charts/activation-canary/values.yaml in ${root}: heap.maxOldSpaceMiB and heap.maxSemiSpaceMiB must be integers (MiB), got ${JSON.stringify(heap)}`);
  return `--max-old-space-size=${String(old)} --max-semi-space-size=${String(semi)}`;
}

export interface OperatorOptions {
  args?: string[];
  /** Extra environment; a NODE_OPTIONS here replaces the chart's heap flags ('' for V8's own sizing). */
  env?: Record<string, string>;
  /** Its leader-election identity (ACTIVATION_CANARY_IDENTITY). */
  identity?: string;
  /** Talk to the apiserver as this user (unique per test run, e.g. suffixed with the namespace). */
  user?: string;
  /** A kubeconfig file to use instead of the admin's (e.g. an api-interceptor.ts proxy's); not with `user`. */
  kubeconfig?: string;
  /** The checkout whose operator runs (default this one), e.g. a worktree of an older release for a comparison. */
  root?: string;
}

export function startOperator(opts: OperatorOptions = {}): RunningOperator {
  const dir = scratchDir('operator');
  const identity = opts.identity ?? `operator-${Math.random().toString(36).slice(2, 8)}`;
  const kubeconfig = opts.kubeconfig ?? (opts.user ? kubeconfigFor(opts.user) : clusterState().kubeconfig);
  const logFile = join(dir, 'operator.log');
  const nodeOptions = opts.env?.NODE_OPTIONS ?? chartNodeOptions(opts.root);
  const arenas = opts.env?.MALLOC_ARENA_MAX ?? chartMallocArenaMax(opts.root);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(opts.root ?? REPO_ROOT, 'src', 'cli', 'operator.ts'), '--http-address', '127.0.0.1:0', ...(opts.args ?? [])], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, KUBECONFIG: kubeconfig, ...(opts.user ? { ACTIVATION_CANARY_KUBECONFIG: kubeconfig } : {}), ACTIVATION_CANARY_IDENTITY: identity, ...(arenas ? { MALLOC_ARENA_MAX: arenas } : {}), ...opts.env, NODE_OPTIONS: nodeOptions },
  });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { running.delete(child); resolve(); }));
  const logs = () => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } };
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    child, logFile, identity, logs, nodeOptions, user: opts.user ?? ADMIN_USER,
    async port() {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const m = /"msg":"Serving metrics and health"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"Serving metrics and health"/.exec(logs());
        if (m) return Number(m[1] ?? m[2]);
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`operator did not start serving; its log:\n${logs().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}
