/**
 * Jest global teardown: stops the cluster the set-up started (never one it reused) and removes its
 * directory, unless KEEP_CLUSTER_DIR=1 asks to keep the logs for a post-mortem.
 */
import { rmSync } from 'node:fs';
import { readState, stopSupervisor } from './launcher.ts';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.ACTIVATION_CANARY_STARTED_CLUSTER;
  if (!dir) return;
  const state = readState(dir);
  if (state) await stopSupervisor(state.supervisorPid);
  if (process.env.KEEP_CLUSTER_DIR !== '1') rmSync(dir, { recursive: true, force: true });
  else console.log(`kept the cluster directory ${dir}`);
}
