/**
 * Runs the operator as a real child process (`node src/cli/operator.ts`) against the test cluster,
 * as `make run` does: logs go to a file, the HTTP port is read from its "listening" log line, and
 * `stop()` (SIGTERM) or `kill()` (SIGKILL, to simulate a crash) end it. Every started operator is
 * also killed when the test process exits. With `user`, it talks to the apiserver under that user name
 * (a client certificate of its own, group system:masters), so the audit log tells its requests apart
 * from the test's and from other operators' (audit.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './binaries.ts';
import { ADMIN_USER } from './pki.ts';
import { clusterState, kubeconfigFor } from './env.ts';

export interface RunningOperator {
  child: ChildProcess;
  logFile: string;
  identity: string;
  /** The user name its requests carry in the audit log (the admin's when no `user` was given). */
  user: string;
  port(): Promise<number>;
  logs(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => { for (const c of running) c.kill('SIGKILL'); });

export interface OperatorOptions {
  args?: string[];
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
  const dir = mkdtempSync(join(tmpdir(), 'activation-canary-operator-'));
  const identity = opts.identity ?? `operator-${Math.random().toString(36).slice(2, 8)}`;
  const kubeconfig = opts.kubeconfig ?? (opts.user ? kubeconfigFor(opts.user) : clusterState().kubeconfig);
  const logFile = join(dir, 'operator.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(opts.root ?? REPO_ROOT, 'src', 'cli', 'operator.ts'), '--http-address', '127.0.0.1:0', ...(opts.args ?? [])], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, KUBECONFIG: kubeconfig, ...(opts.user ? { ACTIVATION_CANARY_KUBECONFIG: kubeconfig } : {}), ACTIVATION_CANARY_IDENTITY: identity, ...opts.env },
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
    child, logFile, identity, logs, user: opts.user ?? ADMIN_USER,
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
