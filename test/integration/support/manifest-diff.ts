/**
 * Compares two manifests object by object, whatever their order: objects are matched by
 * kind/namespace/name, and a pair that differs is reported with the JSON path of every differing
 * value, so a failing test says which field of which object drifted (not a 2,000-line YAML diff).
 */
import type * as k8s from '@kubernetes/client-node';
import { objectKey } from './chart.ts';

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

/** The paths under `path` where `a` and `b` differ, each with both values. */
function valueDifferences(a: unknown, b: unknown, path: string): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a)
      ? [...Array(Math.max(a.length, (b as unknown[]).length)).keys()].map(String)
      : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => valueDifferences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`));
  }
  return a === b ? [] : [`${path || '/'}: expected ${show(a)}, got ${show(b)}`];
}

/**
 * Every difference between the `expected` objects and the `actual` ones: an object missing, one not
 * expected, or a field that differs. Empty when both hold the same objects.
 */
export function manifestDifferences(expected: k8s.KubernetesObject[], actual: k8s.KubernetesObject[]): string[] {
  const byKey = (objects: k8s.KubernetesObject[]) => {
    const map = new Map<string, k8s.KubernetesObject>();
    for (const o of objects) {
      if (map.has(objectKey(o))) throw new Error(`${objectKey(o)} appears twice in one manifest`);
      map.set(objectKey(o), o);
    }
    return map;
  };
  const want = byKey(expected);
  const got = byKey(actual);
  const keys = [...new Set([...want.keys(), ...got.keys()])].sort();
  return keys.flatMap((key) => {
    if (!got.has(key)) return [`${key}: missing`];
    if (!want.has(key)) return [`${key}: not expected`];
    return valueDifferences(want.get(key), got.get(key), '').map((d) => `${key} ${d}`);
  });
}
