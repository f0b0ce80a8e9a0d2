/**
 * Machine-readable output for scripts (`-o json|yaml`): the object exactly as the apiserver returned
 * it, and a list wrapped as kubectl wraps one (`kind: List`), so `jq '.items[].status.phase'` works
 * the same as on `kubectl get -o json`. Like kubectl, metadata.managedFields is left out.
 */
import { stringify } from 'yaml';
import type { ModelVariant } from '../../api/types.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The object as JSON (2-space indent) or YAML, ending with a newline. */
export function formatObject(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}

/** The object without metadata.managedFields, which kubectl also hides from -o json|yaml. */
export function withoutManagedFields(mv: ModelVariant): ModelVariant {
  if (!mv.metadata?.managedFields) return mv;
  const { managedFields: _managedFields, ...metadata } = mv.metadata;
  return { ...mv, metadata };
}

/** A list of ModelVariants in kubectl's `List` envelope. */
export function asList(items: readonly ModelVariant[]): { apiVersion: 'v1'; kind: 'List'; metadata: { resourceVersion: '' }; items: ModelVariant[] } {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: items.map(withoutManagedFields) };
}
