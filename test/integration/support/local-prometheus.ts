/**
 * A real Prometheus (Debian's `prometheus` package, or PROMETHEUS_BIN) for one integration test file:
 * started on a free loopback port with a temporary config (1 s scrapes of static targets, so tests wait
 * seconds, not minutes) and temporary storage, optionally serving HTTPS, and stopped by its PID, also
 * when the test process exits without calling stop(). It uses the harness' process helpers but not its
 * cluster, so analysis tests control exactly what is scraped.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../harness/ports.ts';
import { probe, startProcess, stopProcess, waitReady } from '../../harness/processes.ts';

export interface LocalPrometheusOptions {
  /** host:port of each target to scrape at /metrics. */
  targets: string[];
  /** Serve HTTPS with this certificate (PEM files); readiness is then probed with `caFile`. */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

export interface LocalPrometheus {
  url: string;
  pid: number;
  dir: string;
  /** Freezes the process (SIGSTOP): it still accepts connections but never answers. */
  freeze(): void;
  /** Undoes freeze() (SIGCONT). */
  thaw(): void;
  /** Stops Prometheus (SIGTERM, then SIGKILL) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startLocalPrometheus(options: LocalPrometheusOptions): Promise<LocalPrometheus> {
  const bin = process.env.PROMETHEUS_BIN ?? 'prometheus';
  const dir = mkdtempSync(join(tmpdir(), 'activation-canary-prom-'));
  const port = await freePort();
  const scheme = options.tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 1s }',
    'scrape_configs:',
    '  - job_name: test',
    `    static_configs: [{ targets: ${JSON.stringify(options.targets)} }]`,
  ].join('\n'));
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ];
  if (options.tls) {
    writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: ${options.tls.certFile}\n  key_file: ${options.tls.keyFile}\n`);
    args.push(`--web.config.file=${join(dir, 'web.yml')}`);
  }
  const managed = startProcess('prometheus', bin, args, dir);
  const pid = managed.child.pid;
  const killOnExit = () => { if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } };
  process.once('exit', killOnExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (pid) try { process.kill(pid, 'SIGCONT'); } catch { /* already gone */ }
    await stopProcess(managed);
    process.removeListener('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };
  if (!pid) {
    await stop();
    throw new Error(`could not start ${bin}: install Debian's prometheus package (apt-get install prometheus) or set PROMETHEUS_BIN`);
  }
  try {
    const ca = options.tls ? readFileSync(options.tls.caFile) : undefined;
    await waitReady(managed, 'Prometheus /-/ready', async () => (await probe(`${url}/-/ready`, ca)) === 200, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url, pid, dir, stop,
    freeze: () => process.kill(pid, 'SIGSTOP'),
    thaw: () => process.kill(pid, 'SIGCONT'),
  };
}

/** Polls an instant query (plain HTTP) until it returns at least one sample; the samples' values. */
export async function waitForSamples(url: string, promql: string, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
      const result = body.data?.result ?? [];
      if (result.length > 0) return result.map((s) => s.value[1]);
    } catch { /* not ready yet */ }
    if (Date.now() > deadline) throw new Error(`no samples for ${promql} at ${url} within ${timeoutMs} ms: is the target scraped?`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
