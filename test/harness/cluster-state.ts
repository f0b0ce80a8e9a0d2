/**
 * The state file a running local cluster writes once it is ready (`.cluster/state.json` for
 * `make cluster-up`, a temp dir for tests): how to reach every component, and who to stop.
 */
export interface ClusterState {
  /** Directory holding certificates, data, logs and this file. */
  dir: string;
  /** The admin's kubeconfig (user activation-canary-admin, group system:masters). */
  kubeconfig: string;
  apiserverUrl: string;
  /** The cluster's CA (ca.crt, ca.key): `mintClientCert` signs client certificates with it. */
  pkiDir: string;
  /** The apiserver's audit log: JSON lines, Metadata level, see audit-policy.ts and audit.ts. */
  auditLog: string;
  /** Prometheus base URL, e.g. http://127.0.0.1:40123 */
  prometheusUrl: string;
  /** Directory Prometheus watches for file-based service discovery (`*.json` target files). */
  prometheusTargetsDir: string;
  /** PID of the supervisor process that owns every component (SIGTERM it to stop the cluster). */
  supervisorPid: number;
  /**
   * The supervisor's loopback endpoint that freezes, thaws or restarts a component
   * (`controlComponent(controlUrl, 'etcd', 'freeze')`, components.ts); absent in older state files.
   */
  controlUrl?: string;
  /** Component name → PID at start-up, for diagnostics (a restarted component has a new one). */
  pids: Record<string, number>;
  /** Fake GPU nodes: name → number of nvidia.com/gpu. */
  gpuNodes: Record<string, number>;
  startedAt: string;
}
