/**
 * Child processes of the local cluster: each is spawned with its output in a log file under the
 * cluster's directory, waited on until a readiness probe passes (or its log tail is reported when it
 * dies or times out), and stopped with SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';

export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves when the process has exited (for any reason). */
  exited: Promise<void>;
}

export function startProcess(name: string, command: string, args: string[], logDir: string, env: NodeJS.ProcessEnv = process.env): Managed {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return { name, child, logFile, exited };
}

export function logTail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** GETs a URL and resolves with the status code (0 on a connection error); never rejects. */
export function probe(url: string, ca?: Buffer | 'insecure'): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', timeout: 2000, ...(ca === 'insecure' ? { rejectUnauthorized: false } : ca ? { ca } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => { req.destroy(); resolve(0); });
    req.end();
  });
}

/** Waits until `ready()` is true; fails with the log tail if the process exits first or time runs out. */
export async function waitReady(p: Managed, what: string, ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void p.exited.then(() => { dead = true; });
  for (;;) {
    if (dead) throw new Error(`${p.name} exited before ${what} (exit code ${p.child.exitCode}); last lines of ${p.logFile}:\n${logTail(p.logFile)}`);
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${p.name}: ${what} not reached within ${timeoutMs / 1000}s; last lines of ${p.logFile}:\n${logTail(p.logFile)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(p: Managed, graceMs = 5000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

/** True while a process with this PID exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
