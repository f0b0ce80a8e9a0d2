/**
 * Process helpers of the peers bench: the harness' (start with a log file, probe, wait, stop) and the
 * resident set size of a process, read from /proc/<pid>/status (VmRSS, in kB there; bytes here).
 */
import { readFileSync } from 'node:fs';

export { probe, startProcess, stopProcess, waitReady } from '../../test/harness/processes.ts';

/** VmRSS of `pid` in bytes, or undefined when the process is gone or /proc is not there. */
export function readRss(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
