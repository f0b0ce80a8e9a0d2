/**
 * The kube-apiserver's audit policy in the test cluster: one JSON line per request, at Metadata level
 * (who, verb, resource, namespace, name, response code, timestamps; no bodies), written when the
 * response is complete, for every client except the control plane's own components. Those run under
 * user names of their own (certificates minted per run, see pki.ts), so what remains is the tests and
 * the operators they start: counting an operator's requests (audit.ts) reads a small file.
 */

/** kwok's user: the fake kubelets' pod and node status updates and node leases are not recorded. */
export const KWOK_USER = 'activation-canary-kwok';
/** kube-controller-manager's own user (its controllers use service accounts in kube-system). */
export const KCM_USER = 'system:kube-controller-manager';
export const SCHEDULER_USER = 'system:kube-scheduler';

/** Users and groups whose requests are not recorded. */
export const UNRECORDED = {
  users: [KWOK_USER, KCM_USER, SCHEDULER_USER, 'system:apiserver'],
  groups: ['system:serviceaccounts:kube-system', 'system:nodes'],
} as const;

/** The policy file's content (audit.k8s.io/v1 Policy; JSON is YAML). */
export function auditPolicy(): string {
  return JSON.stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived', 'ResponseStarted', 'Panic'],
    omitManagedFields: true,
    rules: [
      { level: 'None', users: [...UNRECORDED.users] },
      { level: 'None', userGroups: [...UNRECORDED.groups] },
      // Health checks, discovery, /version, /openapi: not requests on resources.
      { level: 'None', nonResourceURLs: ['*'] },
      { level: 'Metadata' },
    ],
  }, null, 2);
}

/** kube-apiserver flags that write the audit log to `logFile` (one file, never rotated, written synchronously). */
export function auditFlags(policyFile: string, logFile: string): string[] {
  return [`--audit-policy-file=${policyFile}`, `--audit-log-path=${logFile}`, '--audit-log-format=json',
    '--audit-log-mode=blocking', '--audit-log-maxsize=0'];
}
