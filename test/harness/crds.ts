/**
 * Third-party CRDs a test file installs on the shared test cluster (Argo CD's, the prometheus-operator's):
 * applied server-side, which is idempotent, so every file that needs them applies them whether another
 * file (or a reused `make cluster-up` cluster) already did; then waited on until Established and listed
 * by discovery. `kubectl wait` fails outright ("status.conditions accessor error") while a just-created
 * CRD has no conditions yet, and discovery can lag Established a moment, so both are retried.
 */
import { execFileSync } from 'node:child_process';
import { locateBinaries } from './binaries.ts';
import { clusterState, eventually } from './env.ts';

const kubectl = (args: string[]) =>
  execFileSync(locateBinaries().kubectl, [`--kubeconfig=${clusterState().kubeconfig}`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Applies the CRD files (or directories) and resolves once every CRD in `names` (e.g. `applications.argoproj.io`) can be used. */
export async function applyCrds(paths: string[], names: readonly string[]): Promise<void> {
  kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=activation-canary-tests', ...paths.flatMap((p) => ['-f', p])]);
  await eventually(`CRDs ${names.join(', ')} Established and listed`, async () => {
    kubectl(['wait', '--for=condition=Established', '--timeout=10s', ...names.map((name) => `crd/${name}`)]);
    kubectl(['get', '--all-namespaces', '--output=name', names.join(',')]);
    return true;
  }, 60_000, 500);
}
