/**
 * What routers with route objects (an HTTPRoute, a VirtualService) do alike: turn the apiserver's
 * answers into `RouteProblem`s (a missing object, a CRD not installed, a refusal), tell whose an object
 * is from its ownerReferences, and find from managedFields who last wrote a field. Pure functions; the
 * routers do the I/O.
 */
import { FIELD_MANAGER } from '../kube/apply.ts';
import { apiRefusalMessage, statusBody } from '../util/api-message.ts';
import type { RouteProblem, RouteTarget } from './router.ts';

/** A managedFields entry; `time` is a Date once client-node has read it, a string in the models' types. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  time?: Date | string;
  fieldsV1?: object;
}

/** What these helpers read of a route object (client-node's objects and kubernetes-models' both fit). */
export interface RouteObject {
  metadata?: {
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    managedFields?: ManagedFieldsEntry[];
  };
}

/** The HTTP status of a client-node ApiException, if the error is one. */
export function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The apiserver's own message (one line, stable for one refusal: see api-message.ts), else the error's. */
export function apiMessage(err: unknown): string {
  return apiRefusalMessage(err);
}

/**
 * True when the request failed because the resource type itself is unknown: discovery of its
 * group/version answered 404, the group has no such kind, or a 404 names no object ("the server could
 * not find the requested resource"). A 404 for a missing object names it in `details.name`.
 */
export function isTypeNotServed(err: unknown): boolean {
  if (err instanceof Error && err.message.startsWith('Unrecognized API version and kind')) return true;
  if (httpStatus(err) !== 404) return false;
  return typeof statusBody(err)?.details?.name !== 'string';
}

/** The problem for a resource type the apiserver does not serve, in one line. */
export function crdNotInstalled(crd: string, kind: string): RouteProblem {
  return { code: 'CRDNotInstalled', message: `the ${kind} CRD (${crd}) is not installed on this cluster: install it, or choose another traffic provider` };
}

/**
 * Maps a failed request to a problem a user can fix (a 4xx) or rethrows what is worth a retry (5xx,
 * network errors, 409 conflicts of a stale read).
 */
export function problemOrThrow(err: unknown, crd: string, kind: string, what: string): RouteProblem {
  if (isTypeNotServed(err)) return crdNotInstalled(crd, kind);
  const status = httpStatus(err);
  if (status !== undefined && status >= 400 && status < 500 && status !== 409 && status !== 429) {
    return { code: 'Rejected', message: `the apiserver refused ${what} (HTTP ${status}): ${apiMessage(err)}` };
  }
  throw err;
}

/** `Kind namespace/name` of an object, as messages name it. */
export function objectName(kind: string, namespace: string, name: string): string {
  return `${kind} ${namespace}/${name}`;
}

/** True when the object's ownerReferences name this ModelVariant. */
export function ownedByTarget(obj: RouteObject, target: RouteTarget): boolean {
  return !!obj.metadata?.ownerReferences?.some((r) => r.uid === target.owner.uid);
}

/** The ownerReference to another ModelVariant than the target's, if the object carries one. */
export function otherModelVariantOwner(obj: RouteObject, target: RouteTarget): { name: string; uid: string } | undefined {
  const group = target.owner.apiVersion.split('/')[0];
  return obj.metadata?.ownerReferences?.find((r) => r.kind === target.owner.kind && r.apiVersion.split('/')[0] === group && r.uid !== target.owner.uid);
}

/** The problem for an object that belongs to someone else (another ModelVariant, or no ModelVariant at all). */
export function ownedByAnother(what: string, obj: RouteObject, target: RouteTarget): RouteProblem {
  const refs = obj.metadata?.ownerReferences ?? [];
  const other = otherModelVariantOwner(obj, target);
  const owner = other
    ? `ModelVariant ${target.namespace}/${other.name} (uid ${other.uid})`
    : refs.length > 0 ? refs.map((r) => `${r.kind} ${r.name}`).join(', ') : 'no ModelVariant (it has no ownerReference)';
  return {
    code: 'OwnedByAnother',
    message: `${what} belongs to ${owner}, not to ModelVariant ${target.namespace}/${target.name}; the operator never takes over an object it does not own: rename or delete it, or point spec.traffic at another one`,
  };
}

function timeOf(e: ManagedFieldsEntry): number {
  const t = e.time;
  return t instanceof Date ? t.getTime() : typeof t === 'string' ? Date.parse(t) : 0;
}

/** True when a managedFields entry owns the field at `path` (e.g. `['f:spec', 'f:rules']`) or a field under it. */
function ownsPath(e: ManagedFieldsEntry, path: readonly string[]): boolean {
  let node: unknown = e.fieldsV1;
  for (const key of path) {
    if (!node || typeof node !== 'object' || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/**
 * The field manager that wrote the field at `path` most recently, when it is not this operator;
 * undefined when the operator is among its latest writers or nobody else owns it. Times have a
 * resolution of one second: a tie counts as the operator's write.
 */
export function lastForeignWriter(entries: readonly ManagedFieldsEntry[] | undefined, path: readonly string[]): string | undefined {
  const writers = (entries ?? []).filter((e) => !e.subresource && ownsPath(e, path));
  if (writers.length === 0) return undefined;
  const latest = Math.max(...writers.map(timeOf));
  const last = writers.filter((e) => timeOf(e) === latest);
  if (last.some((e) => e.manager === FIELD_MANAGER)) return undefined;
  return last[0]?.manager ?? 'unknown';
}
