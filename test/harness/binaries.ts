/**
 * Where the control-plane binaries are, and the third-party CRDs: the route CRDs the test cluster
 * installs beside the repo's own, and the monitoring CRDs the chart's tests apply. `hack/tools.sh
 * paths` is the one place that knows the pinned versions and the cache directory, so this reads it
 * rather than repeating them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
  prometheus: string;
  /** Directories of third-party CRDs to install: Gateway API (standard channel) and Istio. */
  routeCrds: string[];
  /**
   * Directory of the prometheus-operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule), which the
   * chart renders objects of; applied by the tests that need them (support/monitoring-crds.ts).
   */
  monitoringCrds: string;
}

export function locateBinaries(): Binaries {
  const out = execFileSync(join(REPO_ROOT, 'hack', 'tools.sh'), ['paths'], { encoding: 'utf8' });
  const vars = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
  const k8s = vars.K8S_BIN ?? '';
  const bins: Binaries = {
    etcd: vars.ETCD_BIN ?? '',
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubeScheduler: join(k8s, 'kube-scheduler'),
    kubectl: join(k8s, 'kubectl'),
    kwok: vars.KWOK_BIN ?? '',
    prometheus: process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus',
    routeCrds: [vars.GATEWAY_API_CRDS ?? '', vars.ISTIO_CRDS ?? ''],
    monitoringCrds: vars.MONITORING_CRDS ?? '',
  };
  const missing = Object.entries(bins).flatMap(([name, path]) => (Array.isArray(path) ? path : [path]).map((p) => [name, p] as const))
    .filter(([, path]) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(`missing binaries: ${missing.map(([n, p]) => `${n} (${p})`).join(', ')}; run \`make tools\` (hack/tools.sh all) to build and install them`);
  }
  return bins;
}
