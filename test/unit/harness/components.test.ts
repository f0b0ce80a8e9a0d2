import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers200, componentControl, launchComponent, type ComponentSpec } from '../../harness/components.ts';
import { freePort } from '../../harness/ports.ts';
import { stopProcess, type Managed } from '../../harness/processes.ts';

// A stand-in component: a real process (node serving 200 on a loopback port), so the signals are real.
const started: Managed[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const m of started.splice(0)) {
    if (m.child.pid) try { process.kill(m.child.pid, 'SIGCONT'); } catch { /* gone */ }
    await stopProcess(m);
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function server(): Promise<{ spec: ComponentSpec; url: string }> {
  const port = await freePort();
  const logDir = mkdtempSync(join(tmpdir(), 'components-test-'));
  dirs.push(logDir);
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    spec: { name: 'web', command: process.execPath, logDir, readyWhat: 'web /', ready: answers200(url), timeoutMs: 10_000,
      args: ['-e', `require('node:http').createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1')`] },
  };
}

const answers = async (url: string) => {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(500) })).status;
  } catch {
    return 0;
  }
};

describe('component faults', () => {
  it('freezes a component (it answers nothing), thaws it, and restarts it in place on the same port with a new PID', async () => {
    const { spec, url } = await server();
    const first = await launchComponent(spec, started);
    const control = componentControl(started, new Map([['web', spec]]));
    expect(await answers(url)).toBe(200);

    expect(await control('web', 'freeze')).toMatchObject({ component: 'web', pid: first.child.pid, frozen: true });
    expect(await answers(url)).toBe(0);
    expect(await control('web', 'thaw')).toMatchObject({ frozen: false });
    expect(await answers(url)).toBe(200);

    await control('web', 'freeze');
    const restarted = await control('web', 'restart');
    expect(restarted.pid).not.toBe(first.child.pid);
    expect(restarted.frozen).toBe(false);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(await answers(url)).toBe(200);
    // The list the cluster tears down holds the new process, not the dead one.
    expect(started.map((m) => m.child.pid)).toEqual([restarted.pid]);
  });

  it('refuses an unknown component or a restart without a spec, naming what it can do', async () => {
    const { spec } = await server();
    await launchComponent(spec, started);
    await expect(componentControl(started, new Map())('web', 'restart')).rejects.toThrow(/web cannot be restarted: this cluster registered no component to restart/);
    await expect(componentControl(started, new Map())('etcd', 'freeze')).rejects.toThrow(/no component "etcd": the cluster runs web/);
  });
});
