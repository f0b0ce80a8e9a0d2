/**
 * What an integration or e2e test needs from the control plane that the jest global set-up started:
 * a KubeConfig for it, the cluster's state (ports, Prometheus, directories), and a namespace of its own.
 * Tests share one control plane; each test isolates itself in a fresh namespace.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { ClusterState } from './cluster-state.ts';
import { mintClientCert, writeKubeconfig } from './pki.ts';

/** The state file the global set-up wrote (see cluster-state.ts). */
export function clusterState(): ClusterState {
  const file = process.env.ACTIVATION_CANARY_CLUSTER_STATE;
  if (!file) throw new Error('ACTIVATION_CANARY_CLUSTER_STATE is not set: run integration tests through `make test` (jest global set-up)');
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
}

/**
 * A new directory for a test's or a bench's files (an operator's log, a values file, a kubeconfig): under
 * the running cluster's directory, so it goes when that does (the test run's global teardown, a bench
 * that finished; KEEP_CLUSTER_DIR=1 keeps both), or under the system's temp directory without a cluster.
 */
export function scratchDir(prefix: string): string {
  const state = process.env.ACTIVATION_CANARY_CLUSTER_STATE;
  const base = state ? join(dirname(state), 'scratch') : tmpdir();
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix}-`));
}

/** A KubeConfig for the test cluster (admin, system:masters). */
export function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterState().kubeconfig);
  return kc;
}

/**
 * A kubeconfig file for a user of the test's choosing (a client certificate signed by the cluster's CA,
 * in `groups`, default system:masters): its requests show up under that name in the audit log.
 */
export function kubeconfigFor(user: string, groups?: string[]): string {
  const state = clusterState();
  if (!state.pkiDir) throw new Error('this cluster predates per-user certificates: restart it (make cluster-down cluster-up)');
  const parent = join(state.dir, 'users');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, `${user.replace(/[^A-Za-z0-9._-]/g, '_')}-`));
  const file = join(dir, 'kubeconfig');
  writeKubeconfig(file, state.apiserverUrl, join(state.pkiDir, 'ca.crt'), mintClientCert(state.pkiDir, dir, user, groups));
  return file;
}

/** A KubeConfig for `user` (see kubeconfigFor). */
export function kubeConfigFor(user: string, groups?: string[]): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigFor(user, groups));
  return kc;
}

let counter = 0;

/** Creates a namespace with a unique name and waits until its default ServiceAccount exists. */
export async function createTestNamespace(prefix: string): Promise<string> {
  const kc = kubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const name = `${prefix}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 6)}`.toLowerCase().slice(0, 63);
  await core.createNamespace({ body: { metadata: { name, labels: { 'activationcanary.io/test': 'true' } } } });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return name;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`namespace ${name}: default ServiceAccount not created within 30s (is kube-controller-manager running?): ${String(err)}`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Deletes a namespace without waiting for its finalization. */
export async function deleteTestNamespace(name: string): Promise<void> {
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  await core.deleteNamespace({ name }).catch(() => undefined);
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: last error ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
