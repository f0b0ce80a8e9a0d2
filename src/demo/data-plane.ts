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
  /** Servers up for pods that are not terminating: what a Service's endpoints would list. */
  endpoints(): Endpoint[];
  /** Pods of a role that Kubernetes reports Ready (their server may still be starting in the demo). */
  readyPods(role: string): number;
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

  const readyByRole: Record<string, number> = {};
  const terminating = new Set<string>();
  const sync = async () => {
    const pods = await core.listNamespacedPod({ namespace: opts.namespace, labelSelector: `${LABEL_MODEL}=${opts.model}` });
    const live = new Set<string>();
    for (const key of Object.keys(readyByRole)) delete readyByRole[key];
    terminating.clear();
    for (const pod of pods.items) {
      const name = pod.metadata?.name ?? '';
      if (pod.status?.phase !== 'Running') continue;
      // A terminating pod leaves the endpoints at once but its server runs until the pod is gone, as a
      // server finishes its requests in flight during its grace period.
      live.add(name);
      if (pod.metadata?.deletionTimestamp) {
        terminating.add(name);
        continue;
      }
      const role = pod.metadata?.labels?.[LABEL_ROLE] ?? 'unknown';
      if (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) readyByRole[role] = (readyByRole[role] ?? 0) + 1;
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
    endpoints: () => [...running.entries()].flatMap(([name, r]) => (r.endpoint && !terminating.has(name) ? [r.endpoint] : [])),
    readyPods: (role) => readyByRole[role] ?? 0,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while ([...running.values()].some((r) => r.starting)) await new Promise((r) => setTimeout(r, 50));
      await Promise.all([...running.entries()].map(([name, entry]) => retire(name, entry)));
      running.clear();
    },
  };
}
