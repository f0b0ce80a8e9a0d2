/**
 * The demo's local data plane (scaffolding around real components, not part of the operator): kwok
 * pods run no containers, so for every Running pod of the demo's Deployments this starts one reference
 * variant server process with the pod's environment on a loopback port, registers it with Prometheus
 * through a file-based service-discovery target carrying the pod's labels, and stops it when the pod
 * goes. `endpoints()` is what a Service would route to: the ready pods and their roles.
 */
import * as k8s from '@kubernetes/client-node';
import { rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { LABEL_MODEL, LABEL_ROLE } from '../workload/names.ts';
import { spawnVariantServer, type SpawnedServer } from '../variant-server/spawn.ts';

export interface Endpoint {
  pod: string;
  role: string;
  variant: string;
  url: string;
}

export interface DataPlaneOptions {
  kc: k8s.KubeConfig;
  namespace: string;
  model: string;
  /** Prometheus file_sd directory: one `<pod>.json` per running server. */
  targetsDir: string;
  /** Extra environment per activation, e.g. a fault knob for the variant the demo expects to fail. */
  extraEnv?: (activation: string) => Record<string, string>;
  log?: (line: string) => void;
  pollMs?: number;
}

export interface DataPlane {
  endpoints(): Endpoint[];
  stop(): Promise<void>;
}

interface Running { server?: SpawnedServer; endpoint?: Endpoint; starting: boolean }

function podEnv(pod: k8s.V1Pod): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of pod.spec?.containers[0]?.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

export function startDataPlane(opts: DataPlaneOptions): DataPlane {
  const core = opts.kc.makeApiClient(k8s.CoreV1Api);
  const running = new Map<string, Running>();
  const log = opts.log ?? (() => undefined);
  let stopped = false;

  const target = (pod: string) => join(opts.targetsDir, `${opts.namespace}_${pod}.json`);
  const launch = async (pod: k8s.V1Pod) => {
    const name = pod.metadata?.name ?? '';
    const entry: Running = { starting: true };
    running.set(name, entry);
    const env = podEnv(pod);
    const labels = pod.metadata?.labels ?? {};
    const role = labels[LABEL_ROLE] ?? 'unknown';
    const activation = env.ACTIVATION ?? env[env.VARIANT_ENV ?? ''] ?? 'unknown';
    try {
      const server = await spawnVariantServer({ env: { ...env, ...(opts.extraEnv?.(activation) ?? {}), LOG_LEVEL: 'warn' } });
      await server.waitReady();
      entry.server = server;
      entry.endpoint = { pod: name, role, variant: activation, url: server.url };
      const file = { targets: [`127.0.0.1:${server.port}`], labels: { namespace: opts.namespace, model: opts.model, role, pod: name, variant: activation } };
      writeFileSync(`${target(name)}.tmp`, JSON.stringify([file]));
      renameSync(`${target(name)}.tmp`, target(name));
      log(`data plane: pod ${name} (${role}, ${activation}) serving on ${server.url}`);
      if (stopped || !running.has(name)) await retire(name, entry);
    } catch (err) {
      log(`data plane: pod ${name} could not start a server: ${err instanceof Error ? err.message : String(err)}`);
      running.delete(name);
    } finally {
      entry.starting = false;
    }
  };
  const retire = async (name: string, entry: Running) => {
    rmSync(target(name), { force: true });
    await entry.server?.stop();
  };

  const sync = async () => {
    const pods = await core.listNamespacedPod({ namespace: opts.namespace, labelSelector: `${LABEL_MODEL}=${opts.model}` });
    const live = new Set<string>();
    for (const pod of pods.items) {
      const name = pod.metadata?.name ?? '';
      const serving = pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp;
      if (!serving) continue;
      live.add(name);
      if (!running.has(name)) void launch(pod);
    }
    for (const [name, entry] of running) {
      if (live.has(name) || entry.starting) continue;
      running.delete(name);
      log(`data plane: pod ${name} gone; stopping its server`);
      await retire(name, entry);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    if (stopped) return;
    await sync().catch((err: unknown) => log(`data plane: listing pods failed: ${String(err)}`));
    if (!stopped) timer = setTimeout(() => void loop(), opts.pollMs ?? 500);
  };
  void loop();

  return {
    endpoints: () => [...running.values()].flatMap((r) => (r.endpoint ? [r.endpoint] : [])),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while ([...running.values()].some((r) => r.starting)) await new Promise((r) => setTimeout(r, 50));
      await Promise.all([...running.entries()].map(([name, entry]) => retire(name, entry)));
      running.clear();
    },
  };
}
