/**
 * The CRD keeps `spec.template` free-form (x-kubernetes-preserve-unknown-fields): only the containers'
 * names and images are checked by the apiserver. The operator reads more of it (each container's env,
 * ports and resources) and must not trip over a value of the wrong shape: `templateShapeProblems` names
 * each such field with what it should be (SpecValid=False), and the builders skip entries that are not
 * objects rather than throw (the spec fuzzer found an env that was not a list making every reconcile
 * throw). Pure.
 */
import type { V1PodTemplateSpec } from '@kubernetes/client-node';

/** "a string", "a list", "null", … for a message. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A list whose items must be objects: the problems with it, each naming its field. */
function listOfObjects(value: unknown, field: string, what: string, example: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [`${field} must be a list of ${what} (it is ${kindOf(value)})`];
  return value.flatMap((item, i) => (isObject(item) ? [] : [`${field}[${i}] must be an object such as ${example} (it is ${kindOf(item)})`]));
}

/** Every field of the template's containers the operator reads that has the wrong shape. */
export function templateShapeProblems(template: V1PodTemplateSpec): string[] {
  const containers: unknown[] = Array.isArray(template.spec?.containers) ? template.spec.containers : [];
  return containers.flatMap((c, i) => {
    if (!isObject(c)) return [];
    const at = `spec.template.spec.containers[${i}]`;
    const problems = [
      ...listOfObjects(c.env, `${at}.env`, '{name, value}', '{name: MODEL, value: x}'),
      ...listOfObjects(c.ports, `${at}.ports`, '{containerPort, name?}', '{containerPort: 8080}'),
    ];
    if (c.resources !== undefined) {
      if (!isObject(c.resources)) problems.push(`${at}.resources must be an object such as {limits: {nvidia.com/gpu: 1}} (it is ${kindOf(c.resources)})`);
      else {
        for (const key of ['limits', 'requests'] as const) {
          const v = c.resources[key];
          if (v !== undefined && !isObject(v)) problems.push(`${at}.resources.${key} must be a map such as {nvidia.com/gpu: 1} (it is ${kindOf(v)})`);
        }
      }
    }
    return problems;
  });
}

/** The items of `value` that are objects, when it is a list; nothing otherwise. */
export function objectsIn<T>(value: unknown): T[] {
  return Array.isArray(value) ? value.filter(isObject) as T[] : [];
}
