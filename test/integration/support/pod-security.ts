/**
 * Rendered manifests judged by the apiserver under the restricted Pod Security Standard, without
 * creating them: a namespace that enforces it (on pods) and warns about it (on workload objects), a
 * server-side dry run of a manifest that returns the apiserver's warnings, and the pods a Deployment
 * would create, dry-run too, since `enforce` judges pods only and a Deployment alone would only warn.
 */
import { spawnSync } from 'node:child_process';
import type * as k8s from '@kubernetes/client-node';
import { clusterState } from '../../harness/env.ts';
import { kubectl, kubectlBin } from './chart.ts';

/** Makes `namespace` enforce the restricted Pod Security Standard on pods and warn on workload objects. */
export function enforceRestricted(namespace: string): void {
  kubectl(['label', '--overwrite', 'namespace', namespace, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']);
}

/** What the apiserver said to a dry run: one `kind/name serverside-applied (server dry run)` line per object, and its warnings. */
export interface DryRun {
  applied: string;
  warnings: string;
}

/** A server-side dry run of `yaml` (as `kubectl apply --server-side`); throws with the apiserver's refusal. */
export function serverDryRun(yaml: string): DryRun {
  const r = spawnSync(kubectlBin(), [`--kubeconfig=${clusterState().kubeconfig}`, 'apply', '--server-side', '--dry-run=server', '--field-manager=helm', '-f', '-'],
    { input: yaml, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`server-side dry run refused:\n${r.stderr}`);
  return { applied: r.stdout, warnings: r.stderr };
}

/** The pod each Deployment of `objects` would create, named after it. */
export function podsOf(objects: k8s.KubernetesObject[]): k8s.V1Pod[] {
  return objects.filter((o): o is k8s.V1Deployment => o.kind === 'Deployment').map((d) => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `${d.metadata?.name}-dry-run`, namespace: d.metadata?.namespace, labels: d.spec?.template.metadata?.labels, annotations: d.spec?.template.metadata?.annotations },
    spec: d.spec?.template.spec as k8s.V1PodSpec,
  }));
}
