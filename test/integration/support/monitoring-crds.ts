/**
 * The prometheus-operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule) on the test cluster, for
 * tests that dry-run or apply what the chart renders for the prometheus-operator. The harness does not
 * install them (no operator code reads them); `hack/tools.sh monitoring-crds` caches them and this
 * applies them server-side, which is idempotent: every test file that needs them calls it, whether
 * another file (or a reused `make cluster-up` cluster) already did.
 */
import { locateBinaries } from '../../harness/binaries.ts';
import { applyCrds } from '../../harness/crds.ts';

/** The CRDs' names, as `kubectl wait` takes them. */
export const MONITORING_CRDS = [
  'servicemonitors.monitoring.coreos.com',
  'podmonitors.monitoring.coreos.com',
  'prometheusrules.monitoring.coreos.com',
] as const;

/** Applies the monitoring CRDs and waits until they can be used (test/harness/crds.ts). */
export const applyMonitoringCrds = (): Promise<void> => applyCrds([locateBinaries().monitoringCrds], MONITORING_CRDS);
