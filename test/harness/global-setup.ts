/**
 * Jest global set-up of the integration project: starts one real control plane and Prometheus for
 * the whole run (tests isolate themselves by namespace) and hands its state file to the test workers
 * through the environment. A cluster already named by ACTIVATION_CANARY_CLUSTER_STATE (e.g. from
 * `make cluster-up`) is reused instead, which makes iterating on one test fast.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchCluster } from './launcher.ts';

export default async function globalSetup(): Promise<void> {
  if (process.env.ACTIVATION_CANARY_CLUSTER_STATE) return;
  const dir = mkdtempSync(join(tmpdir(), 'activation-canary-test-'));
  const t0 = Date.now();
  // Test files run side by side (three jest workers) and share the two fake nodes: give them GPUs enough
  // for all at once. Tests that count GPUs bring nodes with a resource name of their own.
  const state = await launchCluster(dir, { ownerPid: process.pid, gpusPerNode: 32 });
  process.env.ACTIVATION_CANARY_CLUSTER_STATE = join(dir, 'state.json');
  process.env.ACTIVATION_CANARY_STARTED_CLUSTER = dir;
  process.env.KUBECONFIG = state.kubeconfig;
  console.log(`\nlocal control plane ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (${dir})`);
}
