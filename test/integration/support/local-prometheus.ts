/**
 * A real Prometheus (Debian's `prometheus` package, or PROMETHEUS_BIN) for one integration test file:
 * started on a free loopback port with a temporary config (1 s scrapes of static targets, so tests wait
 * seconds, not minutes) and temporary storage, optionally serving HTTPS, and stopped by its PID, also
 * when the test process exits without calling stop(). It uses the harness' process helpers but not its
 * cluster, so analysis tests control exactly what is scraped. `halt()` and `restart()` take it down and
 * bring it back on the same port with the same storage, for outage tests that must not touch the
 * cluster's shared Prometheus.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../harness/ports.ts';
import { probe, startProcess, stopProcess, waitReady } from '../../harness/processes.ts';

export interface LocalPrometheusOptions {
  /** host:port of each target to scrape at /metrics. */
  targets: string[];
  /** Also discover targets from `*.json` file_sd files in this directory (their labels honoured, as in the cluster's). */
  fileSdDir?: string;
  /**
   * honor_labels of the scrape (default true): false renames a scraped label that a target label also
   * has to `exported_<name>`, as Prometheus does by default (tests of Triton's `model` and dcgm-exporter's
   * `namespace`/`pod` labels need that).
   */
  honorLabels?: boolean;
  /** Scrape interval and timeout in seconds (default 1): a busy in-process exporter may need longer than a second to answer. */
  scrapeIntervalSeconds?: number;
  /** Serve HTTPS with this certificate (PEM files); readiness is then probed with `caFile`. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Log every query Prometheus evaluates (its own query log, one JSON line each) to `queryLog()`. */
  queryLog?: boolean;
}

/** One line of Prometheus' query log: the PromQL and, for an instant query, the evaluation time (`start` = `end`). */
export interface LoggedQuery {
  query: string;
  /** ISO time the query was evaluated at. */
  start: string;
}

export interface LocalPrometheus {
  url: string;
  /** The PID of the running process (it changes on restart()). */
  readonly pid: number;
  dir: string;
  /**
   * Freezes the process (SIGSTOP): it still accepts connections but never answers. Resolves once the
   * kernel shows it stopped (/proc/<pid>/stat state T), so a query sent next cannot be answered.
   */
  freeze(): Promise<void>;
  /** Undoes freeze() (SIGCONT). */
  thaw(): void;
  /** Takes Prometheus down (SIGKILL, an outage) but keeps its port and storage for restart(). */
  halt(): Promise<void>;
  /** Starts it again after halt(), on the same port with the same storage, and waits until it is ready. */
  restart(): Promise<void>;
  /** Stops Prometheus (SIGTERM, then SIGKILL) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
  /** The queries logged so far (with `queryLog`; empty otherwise). */
  queryLog(): LoggedQuery[];
}

export async function startLocalPrometheus(options: LocalPrometheusOptions): Promise<LocalPrometheus> {
  const bin = process.env.PROMETHEUS_BIN ?? 'prometheus';
  const dir = mkdtempSync(join(tmpdir(), 'activation-canary-prom-'));
  const port = await freePort();
  const scheme = options.tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  const interval = options.scrapeIntervalSeconds ?? 1;
  writeFileSync(join(dir, 'prometheus.yml'), [
    `global: { scrape_interval: ${interval}s, evaluation_interval: 1s, scrape_timeout: ${interval}s${options.queryLog ? `, query_log_file: ${JSON.stringify(join(dir, 'queries.log'))}` : ''} }`,
    'scrape_configs:',
    '  - job_name: test',
    `    static_configs: [{ targets: ${JSON.stringify(options.targets)} }]`,
    ...(options.fileSdDir ? [
      `    honor_labels: ${options.honorLabels ?? true}`,
      `    file_sd_configs: [{ files: [${JSON.stringify(join(options.fileSdDir, '*.json'))}], refresh_interval: 1s }]`,
    ] : []),
  ].join('\n'));
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ];
  if (options.tls) {
    writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: ${options.tls.certFile}\n  key_file: ${options.tls.keyFile}\n`);
    args.push(`--web.config.file=${join(dir, 'web.yml')}`);
  }
  const ca = options.tls ? readFileSync(options.tls.caFile) : undefined;
  let managed = startProcess('prometheus', bin, args, dir);
  const alive = () => managed.child.exitCode === null && managed.child.signalCode === null;
  /** Signals the current process, never a PID that has exited (and may have been reused). */
  const signal = (sig: NodeJS.Signals) => { if (alive() && managed.child.pid) try { process.kill(managed.child.pid, sig); } catch { /* already gone */ } };
  const killOnExit = () => signal('SIGKILL');
  process.once('exit', killOnExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    signal('SIGCONT');
    await stopProcess(managed);
    process.removeListener('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = async () => {
    try {
      await waitReady(managed, 'Prometheus /-/ready', async () => (await probe(`${url}/-/ready`, ca)) === 200, 30_000);
    } catch (err) {
      await stop();
      throw err;
    }
  };
  if (!managed.child.pid) {
    await stop();
    throw new Error(`could not start ${bin}: install Debian's prometheus package (apt-get install prometheus) or set PROMETHEUS_BIN`);
  }
  await ready();
  return {
    url, dir, stop,
    queryLog() {
      let text = '';
      try { text = readFileSync(join(dir, 'queries.log'), 'utf8'); } catch { /* nothing logged yet */ }
      return text.split('\n').filter((l) => l.trim() !== '').map((l) => {
        const params = (JSON.parse(l) as { params?: { query?: string; start?: string } }).params ?? {};
        return { query: params.query ?? '', start: params.start ?? '' };
      });
    },
    get pid() { return managed.child.pid ?? 0; },
    async freeze() {
      signal('SIGSTOP');
      const pid = managed.child.pid ?? 0;
      const deadline = Date.now() + 5_000;
      const state = () => { try { return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]; } catch { return undefined; } };
      while (state() !== 'T' && state() !== 't') {
        if (Date.now() > deadline) throw new Error(`Prometheus (pid ${pid}) was sent SIGSTOP but is not stopped after 5 s (state ${state()})`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    thaw: () => signal('SIGCONT'),
    async halt() {
      signal('SIGKILL');
      await managed.exited;
    },
    async restart() {
      if (stopped) throw new Error('restart() after stop(): the storage is gone');
      if (alive()) throw new Error('restart() without halt(): Prometheus is still running');
      managed = startProcess('prometheus', bin, args, dir);
      await ready();
    },
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

/**
 * Waits until Prometheus has scraped at least `targets` targets, all up, each once after `sinceMs` (ms
 * since the epoch): then the samples of everything they served before `sinceMs` are in. A fixed sleep
 * of one scrape interval is not enough on a loaded machine, where scrapes run late.
 */
export async function waitForScrapesAfter(url: string, sinceMs: number, targets: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = 'no answer';
  for (;;) {
    try {
      const res = await fetch(`${url}/api/v1/targets?state=active`);
      const body = (await res.json()) as { data?: { activeTargets?: { health: string; lastScrape: string; scrapeUrl: string }[] } };
      const active = body.data?.activeTargets ?? [];
      const behind = active.filter((t) => t.health !== 'up' || Date.parse(t.lastScrape) <= sinceMs);
      if (active.length >= targets && behind.length === 0) return;
      seen = `${active.length} targets, ${behind.length} down or not scraped since: ${behind.map((t) => `${t.scrapeUrl} ${t.health} ${t.lastScrape}`).join(', ')}`;
    } catch { /* not ready yet */ }
    if (Date.now() > deadline) throw new Error(`Prometheus at ${url} did not scrape ${targets} targets after ${new Date(sinceMs).toISOString()} within ${timeoutMs} ms (${seen})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
