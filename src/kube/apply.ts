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
 * and returns the object's new resourceVersion. With `uid`, the patch first tests that the object is
 * still the one that was read (`test /metadata/uid`): a ModelVariant deleted and created again under
 * the same name in between (a GitOps tool's replace) is refused with 422, which `isReplaced` tells
 * apart, instead of receiving the old object's rollout state.
 */
export async function writeStatus(custom: CustomObjectsApi, namespace: string, name: string, status: object, uid?: string): Promise<string | undefined> {
  const body = [...(uid ? [{ op: 'test', path: '/metadata/uid', value: uid }] : []), { op: 'add', path: '/status', value: status }];
  const updated = (await custom.patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body, fieldManager: FIELD_MANAGER },
  )) as KubernetesObject;
  return updated.metadata?.resourceVersion;
}

/** What kube-apiserver answers (422, reason Invalid, no causes) when a JSON patch's `test` fails. */
const PATCH_TEST_FAILED = 'the server rejected our request due to an error in our request';

/**
 * True for the apiserver's answer to writeStatus's uid test failing: the object was replaced since it
 * was read. That answer names no field (a status the CRD refuses is a 422 that names it, with causes);
 * crd.test.ts checks the answer against the real apiserver.
 */
export function isReplaced(err: unknown): boolean {
  const e = err as { code?: number; body?: unknown };
  if (e.code !== 422) return false;
  let status: { message?: unknown; details?: { causes?: unknown[] } } = {};
  try {
    status = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body ?? {}) as typeof status;
  } catch {
    return false;
  }
  return status.message === PATCH_TEST_FAILED && !(status.details?.causes?.length);
}
