/**
 * Test-controlled "pods" for analysis tests: each is a small exporter on 127.0.0.1 with its own
 * registry, serving telemetry shaped like the reference model server's (model-telemetry.ts) plus one
 * gauge a custom-query SLI can read verbatim (`analysis_test_value`, set to NaN or +Inf at will). Its
 * series carry no target labels, as a real server's do: a file_sd target file in the cluster
 * Prometheus' targets directory (or the file_sd directory of a Prometheus of the test's own) attaches
 * `namespace`, `model`, `role`, `pod` and `variant`, exactly what the built-in queries select on.
 * `close()` stops the traffic, removes the target files and closes the servers.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { serveRegistry, type Exporter } from './exporter.ts';
import { modelTelemetry, type RoleLabels, type TrafficProfile } from './model-telemetry.ts';

/** A custom-query SLI reads this gauge of one role: `max(analysis_test_value{<role selector>})`. */
export const TEST_GAUGE = 'analysis_test_value';

export interface TelemetryPod {
  labels: RoleLabels;
  /** host:port Prometheus scrapes. */
  target: string;
  /** Serves traffic with this profile from the next tick on. */
  serve(profile: TrafficProfile): void;
  /** Sets the test gauge (NaN and ±Infinity are exported as Prometheus writes them). */
  setGauge(value: number): void;
}

export interface PodOptions {
  /** 'silent': no series at all (not even the gauge); 'idle': the series exist but never grow (0/0 = NaN). */
  traffic: TrafficProfile | 'idle' | 'silent';
  /** The test gauge's value from the first scrape on (default 0). */
  gauge?: number;
}

export interface TelemetryTargets {
  /** Starts one pod's exporter and registers it through a target file. */
  pod(labels: RoleLabels, options: PodOptions): Promise<TelemetryPod>;
  close(): Promise<void>;
}

export function telemetryTargets(opts: { targetsDir: string; tickMs?: number }): TelemetryTargets {
  const pods: { exporter: Exporter; file: string; tick(): void }[] = [];
  const ticker = setInterval(() => { for (const p of pods) p.tick(); }, opts.tickMs ?? 100);
  return {
    async pod(labels, options) {
      // A silent pod exports nothing: prom-client would export every unlabelled counter at 0 from the start.
      const registry = new Registry();
      const unexported = new Registry();
      const silent = options.traffic === 'silent';
      const telemetry = modelTelemetry(silent ? unexported : registry, { targetLabels: false });
      const gauge = new Gauge({ name: TEST_GAUGE, help: 'a value the test sets', registers: [silent ? unexported : registry] });
      gauge.set(options.gauge ?? 0);
      if (options.traffic === 'idle') telemetry.idle(labels);
      else if (options.traffic !== 'silent') telemetry.serve(labels, options.traffic);
      const exporter = await serveRegistry(registry);
      const file = join(opts.targetsDir, `${labels.namespace}_${labels.pod}.json`);
      // Written then renamed, so Prometheus' file watcher never reads half a file.
      writeFileSync(`${file}.tmp`, JSON.stringify([{ targets: [exporter.target], labels }]));
      renameSync(`${file}.tmp`, file);
      pods.push({ exporter, file, tick: () => telemetry.tick() });
      return {
        labels, target: exporter.target,
        serve: (profile) => telemetry.serve(labels, profile),
        setGauge: (value) => gauge.set(value),
      };
    },
    async close() {
      clearInterval(ticker);
      for (const p of pods) rmSync(p.file, { force: true });
      await Promise.all(pods.map((p) => p.exporter.close()));
      pods.length = 0;
    },
  };
}
