/**
 * The two "pods" behind one workload of the bench: the reference variant server (src/variant-server)
 * as local processes, stable on relu and canary on gelu, each registered with the cluster's
 * Prometheus through a file_sd target file carrying the labels the built-in SLIs select on
 * (`namespace`, `model`, `role`, `variant`, `pod`), as the analysis integration tests tie exporters to
 * a ModelVariant (test/integration/support/telemetry-targets.ts), and each under an open-loop load of
 * `rate` requests/s (4 rows each, runLoad of src/variant-server/load-generator.ts). Whatever
 * controller runs the workload, its canary is judged from the canary process' real telemetry.
 *
 * The fault knobs are read at a server's start, so with `fault` set a second canary process is started
 * up front with those FAULT_* variables, idle and not scraped. `faultOn()` switches the canary over to
 * it at once: its target file is pointed at the faulty process and the canary's load moves there (as
 * a bad build replacing a good one would); starting a process at that moment would take seconds on a
 * busy machine and blur "mid-step".
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from '../../src/variant-server/load-generator.ts';
import { spawnVariantServer, type SpawnedServer } from '../../src/variant-server/spawn.ts';

export const STABLE_VARIANT = 'relu';
export const CANARY_VARIANT = 'gelu';

export interface VariantPair {
  namespace: string;
  model: string;
  /** Switches the canary's target and load to the faulty process (the target file is rewritten before it returns). */
  faultOn(): void;
  close(): Promise<void>;
}

export interface VariantPairOptions {
  targetsDir: string;
  namespace: string;
  model: string;
  /** Requests per second to each of stable and canary. */
  rate: number;
  /** FAULT_* variables of the canary process faultOn() switches to (e.g. FAULT_ERROR_FRACTION=0.5). */
  fault?: Record<string, string>;
}

type Role = 'stable' | 'canary';

/** Starts the servers (ready), their load, and writes their target files into `targetsDir`. */
export async function startVariantPair(o: VariantPairOptions): Promise<VariantPair> {
  const start = async (role: Role, env: Record<string, string> = {}): Promise<SpawnedServer> => {
    const server = await spawnVariantServer({
      env: { ACTIVATION: role === 'stable' ? STABLE_VARIANT : CANARY_VARIANT, LOG_LEVEL: 'warn', TELEMETRY_SAMPLE_RATE: '0.05', ...env },
    });
    await server.waitReady();
    return server;
  };
  const fileOf = (role: Role) => join(o.targetsDir, `${o.namespace}_${o.model}-${role}-0.json`);
  const register = (role: Role, server: SpawnedServer) => {
    const labels = { namespace: o.namespace, model: o.model, role, variant: role === 'stable' ? STABLE_VARIANT : CANARY_VARIANT, pod: `${o.model}-${role}-0` };
    // Written then renamed, so Prometheus' file watcher never reads half a file.
    writeFileSync(`${fileOf(role)}.tmp`, JSON.stringify([{ targets: [`127.0.0.1:${server.port}`], labels }]));
    renameSync(`${fileOf(role)}.tmp`, fileOf(role));
  };
  const loads: AbortController[] = [];
  const drive = (server: SpawnedServer): AbortController => {
    const stop = new AbortController();
    loads.push(stop);
    void runLoad({ urls: [server.url], rate: o.rate, durationMs: 3_600_000, batch: 4, timeoutMs: 2000, signal: stop.signal }).catch(() => undefined);
    return stop;
  };
  const [stable, canary, faulty] = await Promise.all([start('stable'), start('canary'), o.fault ? start('canary', o.fault) : undefined]);
  register('stable', stable);
  register('canary', canary);
  drive(stable);
  const canaryLoad = drive(canary);
  return {
    namespace: o.namespace, model: o.model,
    faultOn() {
      if (!faulty) throw new Error(`${o.namespace}/${o.model}: faultOn() without a fault given to startVariantPair`);
      drive(faulty);
      register('canary', faulty);
      canaryLoad.abort();
    },
    async close() {
      for (const l of loads) l.abort();
      for (const role of ['stable', 'canary'] as const) rmSync(fileOf(role), { force: true });
      await Promise.all([stable, canary, faulty].map((s) => s?.stop('SIGKILL')));
    },
  };
}
