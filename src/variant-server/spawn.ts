/**
 * Starts the variant server as a child process and finds out where it listens, for tests, the demo
 * and the benchmark: it waits for the {"msg":"listening","url":…} line on stdout (so PORT=0 works),
 * can wait for /readyz, and stops the process with a signal, resolving with its exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const MAIN_PATH = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface SpawnOptions {
  /** Added to the parent's environment; HOST defaults to 127.0.0.1 and PORT to 0. */
  env: Readonly<Record<string, string>>;
  /** How long to wait for the listening line (default 30 s). */
  timeoutMs?: number;
}

export interface SpawnedServer {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Every stdout line so far (JSON log lines). */
  readonly logs: string[];
  /** Polls /readyz until it answers 200. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Sends the signal (default SIGTERM) and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function spawnVariantServer(options: SpawnOptions): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [MAIN_PATH], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`variant server did not listen within ${options.timeoutMs ?? 30_000} ms`)), options.timeoutMs ?? 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string; port?: number };
        if (entry.msg === 'listening' && entry.url && entry.port !== undefined) {
          clearTimeout(timer);
          resolve({ url: entry.url, port: entry.port });
        }
      } catch { /* not a log line */ }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`variant server exited with ${code} before listening: ${stderr.trim()}`));
    });
  });
  let address: { url: string; port: number };
  try {
    address = await listening;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    ...address,
    child,
    logs,
    async waitReady(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const ok = await fetch(`${address.url}/readyz`).then((r) => r.ok, () => false);
        if (ok) return;
        await sleep(25);
      }
      throw new Error(`variant server at ${address.url} not ready within ${timeoutMs} ms`);
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
