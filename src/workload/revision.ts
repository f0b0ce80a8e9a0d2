/**
 * Revisions of the pod template, after Kubernetes' own ControllerRevision (StatefulSets, DaemonSets):
 * a variant is an activation plus the hash of the user's pod template, and each template the operator
 * runs is kept in a ControllerRevision `<name>-<revision>` owned by the ModelVariant. That is how the
 * stable Deployment keeps serving the last promoted template while spec.template already holds the
 * next one, how a rollback restores it exactly, and how a hand-edited child is repaired. Pure.
 */
import type { V1ControllerRevision, V1PodTemplateSpec } from '@kubernetes/client-node';
import { stableHash } from './hash.ts';
import { LABEL_REVISION, modelLabels } from './names.ts';
import { controllerReference, type OwnerRef } from './owner.ts';

/** The revision of a pod template: 10 hex digits of a hash of its canonical JSON. */
export function templateRevision(template: V1PodTemplateSpec): string {
  return stableHash(template).slice(0, 10);
}

/** Name of the ControllerRevision that keeps `revision` of ModelVariant `model`. */
export function revisionName(model: string, revision: string): string {
  return `${model}-${revision}`;
}

/** A ControllerRevision holding `template` (as the user wrote it) for ModelVariant `owner`. */
export function buildControllerRevision(input: { namespace: string; name: string; owner: OwnerRef; template: V1PodTemplateSpec; revision: string; sequence: number }): V1ControllerRevision {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(input.name, input.revision),
      namespace: input.namespace,
      labels: { ...modelLabels(input.name), [LABEL_REVISION]: input.revision },
      ownerReferences: [controllerReference(input.owner)],
    },
    data: { template: input.template },
    revision: input.sequence,
  };
}

/** The template a ControllerRevision keeps, if it has one. */
export function revisionTemplate(cr: V1ControllerRevision | undefined): V1PodTemplateSpec | undefined {
  const data = cr?.data as { template?: V1PodTemplateSpec } | undefined;
  return data?.template;
}

/** Container images by container name. */
function images(t: V1PodTemplateSpec | undefined): Map<string, string> {
  return new Map((t?.spec?.containers ?? []).map((c) => [c.name, c.image ?? '']));
}

/**
 * What changes from one variant to the next, in words: "image reg/m:1 → reg/m:2; activation relu →
 * gelu", or "pod template (env, resources)" for other template changes. `from.template` may be
 * unknown (a lost revision): then only the activation and "pod template" are named.
 */
export function describeChange(
  from: { activation: string; template?: V1PodTemplateSpec; revision: string },
  to: { activation: string; template: V1PodTemplateSpec; revision: string },
): string {
  const parts: string[] = [];
  if (from.revision !== to.revision) {
    const before = images(from.template);
    const after = images(to.template);
    const single = after.size === 1 && before.size === 1;
    for (const [name, image] of after) {
      const was = before.get(name) ?? (single ? [...before.values()][0] : undefined);
      if (was !== undefined && was !== image) parts.push(`image ${was} → ${image}`);
    }
    const rest = templateFieldsChanged(from.template, to.template);
    if (rest.length > 0 || parts.length === 0) parts.push(`pod template${rest.length > 0 ? ` (${rest.join(', ')})` : ''}`);
  }
  if (from.activation !== to.activation) parts.push(`activation ${from.activation} → ${to.activation}`);
  return parts.join('; ') || 'no change';
}

/** Equal once keys are sorted; an absent value equals only an absent value. */
function same(a: unknown, b: unknown): boolean {
  return stableHash(a ?? null) === stableHash(b ?? null);
}

/** Names of the container and pod fields (other than images) that differ, e.g. ["env", "resources"]. */
function templateFieldsChanged(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec): string[] {
  if (!a) return [];
  const changed = new Set<string>();
  const ca = a.spec?.containers ?? [];
  const cb = b.spec?.containers ?? [];
  if (ca.length !== cb.length) changed.add('containers');
  cb.forEach((c, i) => {
    const o = ca.find((x) => x.name === c.name) ?? ca[i];
    if (!o) return;
    for (const key of new Set([...Object.keys(c), ...Object.keys(o)])) {
      if (key === 'image' || key === 'name') continue;
      if (!same((c as unknown as Record<string, unknown>)[key], (o as unknown as Record<string, unknown>)[key])) changed.add(key);
    }
  });
  const { containers: _a, ...podA } = a.spec ?? { containers: [] };
  const { containers: _b, ...podB } = b.spec ?? { containers: [] };
  for (const key of new Set([...Object.keys(podA), ...Object.keys(podB)])) {
    if (!same((podA as Record<string, unknown>)[key], (podB as Record<string, unknown>)[key])) changed.add(key);
  }
  if (!same(a.metadata ?? {}, b.metadata ?? {})) changed.add('metadata');
  return [...changed].sort();
}
