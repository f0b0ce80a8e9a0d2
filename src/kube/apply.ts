/**
 * Writes to the API server with one field manager (`activation-canary`): deletes that tolerate
 * "already gone", and status through the status subresource only. Children are written by
 * `src/controller/children.ts` (create, then whole-object updates).
 */
import type { CustomObjectsApi, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/types.ts';

export const FIELD_MANAGER = 'activation-canary';

export function isNotFound(err: unknown): boolean {
  return (err as { code?: number }).code === 404;
}

export function isConflict(err: unknown): boolean {
  return (err as { code?: number }).code === 409;
}

export async function deleteIfExists(objects: KubernetesObjectApi, obj: KubernetesObject): Promise<boolean> {
  try {
    await objects.delete(obj, undefined, undefined, undefined, undefined, 'Background');
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Replaces `.status` of a ModelVariant through the status subresource (a JSON patch `add` replaces)
 * and returns the object's new resourceVersion.
 */
export async function writeStatus(custom: CustomObjectsApi, namespace: string, name: string, status: object): Promise<string | undefined> {
  const updated = (await custom.patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body: [{ op: 'add', path: '/status', value: status }], fieldManager: FIELD_MANAGER },
  )) as KubernetesObject;
  return updated.metadata?.resourceVersion;
}
