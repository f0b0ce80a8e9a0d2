/**
 * Writes the children of one ModelVariant (Deployments, Services, ControllerRevisions) and keeps them
 * as the operator built them, an I/O shell around small pure checks:
 *
 * - **Owned means owned.** A child is changed or deleted only when its ownerReferences name this
 *   ModelVariant's uid. A missing child is created with a plain create, which fails if the name is taken,
 *   so an object of the same name that is not ours is reported, never taken over.
 * - **Every write is the whole object.** An update is a PUT of the spec the operator built (on top of
 *   what the apiserver defaulted or allocated, such as a Service's clusterIP), guarded by the cached
 *   resourceVersion: a field the operator stops setting goes away, and so does what someone else changed
 *   in the fields it sets. Labels and annotations others added are kept.
 * - **Drift is repaired, and only drift.** A child is written when the operator's own wish changed (its
 *   applied-hash annotation) or when another field manager owns one of the spec fields the operator sets
 *   (`kubectl scale`, `kubectl edit`, an HPA pointed at a child, an edited Service selector), unless
 *   that manager set the very replicas the operator wants (`driftOf`). Nothing is written otherwise, so a
 *   ModelVariant at rest costs no write.
 * - **Refusals are reported, not retried blindly.** A 4xx from the apiserver (a quota, an invalid spec)
 *   becomes a `ChildProblem` with the apiserver's message; the reconciler puts it in `ChildrenReconciled`
 *   and an Event, and waits for something to change (the spec, a quota). A 5xx the apiserver answered
 *   with (its service IP range full: "failed to allocate a serviceIP") is reported the same way and
 *   marked `retry`: the reconciler writes the condition and then backs off and tries again.
 */
import type { KubernetesObject, KubernetesObjectApi, V1ManagedFieldsEntry } from '@kubernetes/client-node';
import { serverText } from '../analysis/sanitize.ts';
import { FIELD_MANAGER, deleteIfExists, isConflict } from '../kube/apply.ts';
import { apiRefusalMessage } from '../util/api-message.ts';
import { ANNOTATION_APPLIED_HASH } from '../workload/names.ts';

/** A child that could not be written, and why, in words a user can act on. */
export type ChildProblem =
  | { code: 'NotOwned'; kind: string; name: string; message: string }
  | { code: 'Rejected'; kind: string; name: string; status: number; message: string; retry?: boolean };

/** The reasons of the ChildrenReconciled condition. */
export const CHILD_REASON = { Reconciled: 'ChildrenReconciled', NotOwned: 'ChildNotOwned', Rejected: 'ChildRejected' } as const;

/** What writing one child did. */
export type ChildWrite = 'unchanged' | 'created' | 'updated' | 'repaired' | 'deleted';

/** True when the object's ownerReferences name `uid`. */
export function ownedBy(obj: KubernetesObject | undefined, uid: string): boolean {
  return !!obj?.metadata?.ownerReferences?.some((r) => r.uid === uid);
}

/** The spec fields the operator sets on each kind of child: another manager owning one of them is drift. */
export const OWNED_SPEC_FIELDS: Record<string, string[]> = {
  Deployment: ['replicas', 'selector', 'template', 'strategy'],
  Service: ['selector', 'ports', 'type'],
};

/**
 * Field managers other than the operator that own one of `fields` of `spec` (not through the status
 * subresource), e.g. ["kubectl (scale)"] after `kubectl scale`.
 */
export function foreignSpecManagers(obj: KubernetesObject, fields: string[]): string[] {
  const entries: V1ManagedFieldsEntry[] = obj.metadata?.managedFields ?? [];
  return entries
    .filter((e) => {
      if (e.manager === FIELD_MANAGER || e.subresource === 'status') return false;
      const spec = (e.fieldsV1 as Record<string, Record<string, unknown> | undefined> | undefined)?.['f:spec'];
      return !!spec && fields.some((f) => `f:${f}` in spec);
    })
    .map((e) => `${e.manager ?? 'unknown'}${e.subresource ? ` (${e.subresource})` : ''}`);
}

/**
 * The drift to repair in a live child: the other field managers (`foreignSpecManagers`) that own one of
 * the spec `fields`, except a scalar field (`replicas`, a Service's `type`) whose live value is the one
 * the operator wants. A manager that set the value the operator asks for (an autoscaler's PUT to /scale
 * of the replicas the operator wants) is no drift: writing the same value back changes nothing, not
 * even who owns the field, and would report a repair on every pass. A structured field (a template, a
 * selector, ports) another manager owns is drift whatever it holds: the apiserver's defaults make a
 * value comparison unreliable there, and what someone added inside it is undone by the write.
 */
export function driftOf(have: KubernetesObject, want: KubernetesObject, fields: string[]): string[] {
  const spec = (o: KubernetesObject) => ((o as { spec?: Record<string, unknown> }).spec ?? {});
  const isScalar = (v: unknown) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
  const same = (f: string) => isScalar(spec(want)[f]) && spec(want)[f] === spec(have)[f];
  return foreignSpecManagers(have, fields.filter((f) => !same(f)));
}

/**
 * An informer transform for the caches of children (Deployments, Services): of managedFields it keeps
 * only what `foreignSpecManagers` reads, the entries of other managers not written through status, each
 * with `fieldsV1` cut to the names of the top-level `spec` fields it owns; the operator's own entry, the
 * status writers' and the deep field sets go. On the bench's Deployments that is about half of each
 * cached object. `foreignSpecManagers` answers the same on the result as on the object it was given
 * (children.test.ts checks it); the key is deleted when nothing is left (as `stripManagedFields`).
 */
export function keepSpecOwnership<T extends KubernetesObject>(obj: T): T {
  const entries = obj.metadata?.managedFields;
  if (!obj.metadata || !entries) return obj;
  const kept: V1ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (e.manager === FIELD_MANAGER || e.subresource === 'status') continue;
    const spec = (e.fieldsV1 as Record<string, Record<string, unknown> | undefined> | undefined)?.['f:spec'];
    if (!spec) continue;
    kept.push({
      ...(e.manager !== undefined ? { manager: e.manager } : {}),
      ...(e.operation !== undefined ? { operation: e.operation } : {}),
      ...(e.subresource !== undefined ? { subresource: e.subresource } : {}),
      fieldsV1: { 'f:spec': Object.fromEntries(Object.keys(spec).map((f) => [f, {}])) },
    });
  }
  if (kept.length > 0) obj.metadata.managedFields = kept;
  else delete obj.metadata.managedFields;
  return obj;
}

/**
 * The object to PUT over `live`: the operator's spec on top of the live one (keeping what the apiserver
 * defaulted or allocated), its labels and annotations over the live ones, the live resourceVersion.
 */
export function replacementFor<T extends KubernetesObject>(want: T, live: T): T {
  const w = want as T & { spec?: object };
  const l = live as T & { spec?: object };
  return {
    ...want,
    metadata: {
      ...want.metadata,
      resourceVersion: live.metadata?.resourceVersion,
      labels: { ...live.metadata?.labels, ...want.metadata?.labels },
      annotations: { ...live.metadata?.annotations, ...want.metadata?.annotations },
      ...(live.metadata?.finalizers ? { finalizers: live.metadata.finalizers } : {}),
    },
    ...(w.spec ? { spec: { ...l.spec, ...w.spec } } : {}),
  };
}

/**
 * The apiserver's message from a client-node ApiException (its body is a Status), else the error's:
 * the same words for the same refusal (apiRefusalMessage sorts its causes), cleaned as any server text
 * is (one printable line, credentials redacted) and cut to 200 characters.
 */
export function apiMessage(err: unknown): string {
  return serverText(apiRefusalMessage(err));
}

function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * How a write the apiserver answered with `status` is handled: a 4xx refusal is `final` until something
 * changes (except a conflict or throttling, retried at once); a 5xx is reported and retried with
 * backoff (`retry`); no status (a network error) or a success is not a refusal (undefined).
 */
export function refusalOf(status: number | undefined): 'final' | 'retry' | undefined {
  if (status === undefined || status < 400) return undefined;
  if (status >= 500) return 'retry';
  return status === 409 || status === 429 ? undefined : 'final';
}

export class ChildWriter {
  readonly problems: ChildProblem[] = [];
  readonly repaired: string[] = [];

  private readonly objects: KubernetesObjectApi;
  private readonly ownerUid: string;

  constructor(objects: KubernetesObjectApi, ownerUid: string) {
    this.objects = objects;
    this.ownerUid = ownerUid;
  }

  /**
   * Makes the live child `have` (from the informer cache; undefined when not cached) look like `want`.
   * Throws only on errors retried at once with backoff (network, 409 on update, 429); a refusal (4xx, 5xx)
   * is recorded in `problems` (see `refusalOf`).
   */
  async ensure<T extends KubernetesObject>(want: T, have: T | undefined): Promise<ChildWrite> {
    const kind = want.kind ?? 'object';
    const name = want.metadata?.name ?? '';
    if (have && !ownedBy(have, this.ownerUid)) return this.notOwned(kind, name);
    const drift = have ? driftOf(have, want, OWNED_SPEC_FIELDS[kind] ?? []) : [];
    if (have && drift.length === 0 && have.metadata?.annotations?.[ANNOTATION_APPLIED_HASH] === want.metadata?.annotations?.[ANNOTATION_APPLIED_HASH]) return 'unchanged';
    try {
      if (!have) {
        try {
          await this.objects.create(want, undefined, undefined, FIELD_MANAGER);
          return 'created';
        } catch (err) {
          if (!isConflict(err)) throw err;
          // Already there: ours (the cache lags behind our own create) or someone else's.
          const live = await this.objects.read({ apiVersion: want.apiVersion ?? '', kind, metadata: { name, namespace: want.metadata?.namespace ?? '' } });
          if (!ownedBy(live, this.ownerUid)) return this.notOwned(kind, name);
          await this.objects.replace(replacementFor(want, live), undefined, undefined, FIELD_MANAGER);
          return 'updated';
        }
      }
      // The cached resourceVersion guards a concurrent change: a 409 is retried with a fresher cache.
      await this.objects.replace(replacementFor(want, have), undefined, undefined, FIELD_MANAGER);
      if (drift.length === 0) return 'updated';
      this.repaired.push(`${kind} ${name} (changed by ${drift.join(', ')})`);
      return 'repaired';
    } catch (err) {
      const status = httpStatus(err);
      const refusal = refusalOf(status);
      if (status === undefined || refusal === undefined) throw err;
      this.problems.push({ code: 'Rejected', kind, name, status, message: `the apiserver refused ${kind} ${name} (HTTP ${status}): ${apiMessage(err)}`,
        ...(refusal === 'retry' ? { retry: true } : {}) });
      return 'unchanged';
    }
  }

  /** The first refusal worth retrying (a 5xx), if any: the reconcile reports it, then backs off. */
  retryable(): ChildProblem | undefined {
    return this.problems.find((p) => p.code === 'Rejected' && p.retry);
  }

  /** Deletes a child if it exists and is ours. */
  async remove(obj: KubernetesObject, have: KubernetesObject | undefined): Promise<ChildWrite> {
    if (!have) return 'unchanged';
    if (!ownedBy(have, this.ownerUid)) return this.notOwned(obj.kind ?? 'object', obj.metadata?.name ?? '');
    return (await deleteIfExists(this.objects, obj)) ? 'deleted' : 'unchanged';
  }

  private notOwned(kind: string, name: string): ChildWrite {
    this.problems.push({
      code: 'NotOwned', kind, name,
      message: `${kind} ${name} exists and is not owned by this ModelVariant: the operator will not take it over; delete or rename it, or rename the ModelVariant`,
    });
    return 'unchanged';
  }
}
