/**
 * The two "pods" behind one workload of the bench: the reference variant server (src/variant-server)
 * as two local processes, stable on relu and canary on gelu, each registered with the cluster's
 * Prometheus through a file_sd target file carrying the labels the built-in SLIs select on
 * (`namespace`, `model`, `role`, `variant`, `pod`), as the analysis integration tests tie exporters to
 * a ModelVariant (test/integration/support/telemetry-targets.ts). Whatever controller runs the
 * workload, its canary is judged from the canary process' real telemetry. `faultOn(env)` restarts the
 * canary process on the same port with fault knobs set (e.g. FAULT_ERROR_FRACTION=0.5): the knobs are
 * read at start, so "switching the fault on" is a restart, as a bad build going out would be.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnVariantServer, type SpawnedServer } from '../../src/variant-server/spawn.ts';

export const STABLE_VARIANT = 'relu';
export const CANARY_VARIANT = 'gelu';

export interface VariantPair {
  namespace: string;
  model: string;
  /** Base URLs of stable and canary (the canary's stays the same across faultOn). */
  urls: [string, string];
  /** Restarts the canary server on its port with these FAULT_* variables; resolves once it is ready again. */
  faultOn(env: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

type Role = 'stable' | 'canary';

/** Starts both servers (ready) and writes their target files into `targetsDir`. */
export async function startVariantPair(o: { targetsDir: string; namespace: string; model: string }): Promise<VariantPair> {
  const files: string[] = [];
  const start = async (role: Role, env: Record<string, string> = {}, port = 0): Promise<SpawnedServer> => {
    const server = await spawnVariantServer({
      env: { ACTIVATION: role === 'stable' ? STABLE_VARIANT : CANARY_VARIANT, PORT: String(port), LOG_LEVEL: 'warn', TELEMETRY_SAMPLE_RATE: '0.05', ...env },
    });
    await server.waitReady();
    return server;
  };
  const register = (role: Role, server: SpawnedServer) => {
    const labels = { namespace: o.namespace, model: o.model, role, variant: role === 'stable' ? STABLE_VARIANT : CANARY_VARIANT, pod: `${o.model}-${role}-0` };
    const file = join(o.targetsDir, `${o.namespace}_${labels.pod}.json`);
    // Written then renamed, so Prometheus' file watcher never reads half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify([{ targets: [`127.0.0.1:${server.port}`], labels }]));
    renameSync(`${file}.tmp`, file);
    files.push(file);
  };
  const stable = await start('stable');
  let canary = await start('canary');
  register('stable', stable);
  register('canary', canary);
  return {
    namespace: o.namespace, model: o.model, urls: [stable.url, canary.url],
    async faultOn(env) {
      await canary.stop('SIGKILL');
      canary = await start('canary', env, canary.port);
    },
    async close() {
      for (const f of files) rmSync(f, { force: true });
      await Promise.all([stable.stop('SIGKILL'), canary.stop('SIGKILL')]);
    },
  };
}
