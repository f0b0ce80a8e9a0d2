/**
 * Starts the three controllers as local processes against the bench's cluster, each under a user of
 * its own (a client certificate, group system:masters) so the apiserver's audit log tells their
 * requests apart, each limited to a namespace of its own, and each talking to Prometheus through its
 * own counting pass-through (query-counter.ts):
 *
 * - activation-canary: `node src/cli/operator.ts --namespace <ns> --leader-elect=false` (harness/operator.ts);
 * - Argo Rollouts: `rollouts-controller --namespaced` (its namespace is the kubeconfig context's)
 *   `--leader-elect=false --metricsPort <free> --healthzPort <free>`;
 * - Flagger: `flagger -namespace <ns> -mesh-provider=gatewayapi:v1 -metrics-server <counter>`
 *   `-enable-leader-election=false -port <free>`.
 *
 * Their binaries come from `hack/tools.sh argo-rollouts|flagger` (paths from `hack/tools.sh paths`).
 * `rssBytes()` reads VmRSS from /proc of the controller's own process.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { kubeconfigFor } from '../../test/harness/env.ts';
import { startOperator } from '../../test/harness/operator.ts';
import { freePorts } from '../../test/harness/ports.ts';
import { probe, readRss, startProcess, stopProcess, waitReady } from './process-tools.ts';
import type { ControllerName } from './workloads.ts';

export interface RunningController {
  name: ControllerName;
  namespace: string;
  user: string;
  pid: number;
  logFile: string;
  rssBytes(): number | undefined;
  stop(): Promise<void>;
}

/** A kubeconfig for `user` whose context's namespace is `namespace` (Argo's --namespaced reads it). */
function namespacedKubeconfig(user: string, namespace: string): string {
  const file = kubeconfigFor(user);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  kc.contexts = kc.contexts.map((c) => ({ ...c, namespace }));
  writeFileSync(file, kc.exportConfig());
  return file;
}

export interface ControllerOptions {
  name: ControllerName;
  namespace: string;
  /** The Prometheus address the controller is given (its counting pass-through). */
  prometheusUrl: string;
  logDir: string;
  bins: { argoRollouts: string; flagger: string };
  /** The checkout whose operator runs (default this one). */
  operatorRoot?: string;
}

export async function startController(o: ControllerOptions): Promise<RunningController> {
  const user = `bench-peers-${o.name}`;
  if (o.name === 'activation-canary') {
    const op = startOperator({ args: ['--namespace', o.namespace, '--leader-elect=false'], user, ...(o.operatorRoot ? { root: o.operatorRoot } : {}) });
    await op.port();
    const pid = op.child.pid ?? 0;
    return { name: o.name, namespace: o.namespace, user, pid, logFile: op.logFile, rssBytes: () => readRss(pid), stop: () => op.stop() };
  }
  const kubeconfig = namespacedKubeconfig(user, o.namespace);
  const [p1, p2] = await freePorts(2) as [number, number];
  const managed = o.name === 'argo-rollouts'
    ? startProcess(o.name, o.bins.argoRollouts, ['--kubeconfig', kubeconfig, '--namespaced', '--leader-elect=false', '--metricsPort', String(p1), '--healthzPort', String(p2), '--loglevel', 'info'], o.logDir)
    : startProcess(o.name, o.bins.flagger, [`-kubeconfig=${kubeconfig}`, `-namespace=${o.namespace}`, '-mesh-provider=gatewayapi:v1', `-metrics-server=${o.prometheusUrl}`,
      '-enable-leader-election=false', `-port=${p1}`, '-log-level=info'], o.logDir);
  const health = o.name === 'argo-rollouts' ? `http://127.0.0.1:${p2}/healthz` : `http://127.0.0.1:${p1}/healthz`;
  await waitReady(managed, `${o.name} ${health}`, async () => (await probe(health)) === 200, 60_000);
  const pid = managed.child.pid ?? 0;
  return { name: o.name, namespace: o.namespace, user, pid, logFile: join(o.logDir, `${o.name}.log`), rssBytes: () => readRss(pid), stop: () => stopProcess(managed) };
}
