/**
 * The ownerReference every child carries, so that deleting a ModelVariant garbage-collects its
 * Deployments and Services (kube-controller-manager's garbage collector does the work).
 */
import type { V1OwnerReference } from '@kubernetes/client-node';

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export function controllerReference(owner: OwnerRef): V1OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}
