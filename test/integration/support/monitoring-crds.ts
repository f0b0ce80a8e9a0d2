/**
 * The prometheus-operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule) on the test cluster, for
 * tests that dry-run or apply what the chart renders for the prometheus-operator. The harness does not
 * install them (no operator code reads them); `hack/tools.sh monitoring-crds` caches them and this
 * applies them server-side, which is idempotent: every test file that needs them calls it, whether
 * another file (or a reused `make cluster-up` cluster) already did.
 */
import { execFileSync } from 'node:child_process';
import { locateBinaries } from '../../harness/binaries.ts';
import { clusterState, eventually } from '../../harness/env.ts';

/** The CRDs' names, as `kubectl wait` takes them. */
export const MONITORING_CRDS = [
  'servicemonitors.monitoring.coreos.com',
  'podmonitors.monitoring.coreos.com',
  'prometheusrules.monitoring.coreos.com',
] as const;

/**
 * Applies the monitoring CRDs (server-side, taking over conflicting fields) and waits until they are
 * Established and their kinds are listed (discovery can lag Established a moment, and kubectl maps a
 * manifest's kinds through discovery).
 */
export async function applyMonitoringCrds(): Promise<void> {
  const bin = locateBinaries();
  const kubectl = (args: string[]) =>
    execFileSync(bin.kubectl, [`--kubeconfig=${clusterState().kubeconfig}`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=activation-canary-tests', '-f', bin.monitoringCrds]);
  kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...MONITORING_CRDS.map((name) => `crd/${name}`)]);
  await eventually('the monitoring kinds listed by discovery', async () => {
    kubectl(['get', '--all-namespaces', '--output=name', MONITORING_CRDS.join(',')]);
    return true;
  }, 30_000);
}
