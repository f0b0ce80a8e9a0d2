/**
 * Runs the operator as a real child process (`node src/cli/operator.ts`) against the test cluster,
 * as `make run` does: logs go to a file, the HTTP port is read from its "listening" log line, and
 * `stop()` (SIGTERM) or `kill()` (SIGKILL, to simulate a crash) end it. Every started operator is
 * also killed when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './binaries.ts';
import { clusterState } from './env.ts';

export interface RunningOperator {
  child: ChildProcess;
  logFile: string;
  identity: string;
  port(): Promise<number>;
  logs(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => { for (const c of running) c.kill('SIGKILL'); });

export function startOperator(opts: { args?: string[]; env?: Record<string, string>; identity?: string } = {}): RunningOperator {
  const dir = mkdtempSync(join(tmpdir(), 'activation-canary-operator-'));
  const identity = opts.identity ?? `operator-${Math.random().toString(36).slice(2, 8)}`;
  const logFile = join(dir, 'operator.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'src', 'cli', 'operator.ts'), '--http-address', '127.0.0.1:0', ...(opts.args ?? [])], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, KUBECONFIG: clusterState().kubeconfig, ACTIVATION_CANARY_IDENTITY: identity, ...opts.env },
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
    child, logFile, identity, logs,
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
