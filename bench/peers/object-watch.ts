/**
 * Watches namespaced collections (one API path each, e.g. `/apis/apps/v1/namespaces/ml/replicasets`)
 * and keeps the latest object of each name, calling `onChange` after every event with the time it
 * arrived. A watch the apiserver ends is started again (its first events re-list what exists), so the
 * view stays whole for as long as the bench runs. This is how the bench sees, the same way for every
 * controller, the moment a route weight or a ReplicaSet's size changes.
 */
import * as k8s from '@kubernetes/client-node';

/** API path → object name → latest object. */
export type Objects = ReadonlyMap<string, ReadonlyMap<string, k8s.KubernetesObject>>;

export interface ObjectWatch {
  objects: Objects;
  stop(): void;
}

export async function watchObjects(kc: k8s.KubeConfig, paths: readonly string[], onChange: (objects: Objects, at: number) => void): Promise<ObjectWatch> {
  const objects = new Map<string, Map<string, k8s.KubernetesObject>>(paths.map((p) => [p, new Map()]));
  const watch = new k8s.Watch(kc);
  const aborts = new Map<string, AbortController>();
  let stopped = false;
  const start = async (path: string): Promise<void> => {
    const byName = objects.get(path)!;
    const controller = await watch.watch(path, {}, (phase, obj: k8s.KubernetesObject) => {
      const name = obj.metadata?.name;
      if (!name) return;
      if (phase === 'DELETED') byName.delete(name);
      else if (phase === 'ADDED' || phase === 'MODIFIED') byName.set(name, obj);
      else return;
      onChange(objects, Date.now());
    }, () => {
      if (!stopped) setTimeout(() => { void start(path).catch(() => undefined); }, 200);
    });
    aborts.set(path, controller);
  };
  await Promise.all(paths.map(start));
  return {
    objects,
    stop() {
      stopped = true;
      for (const a of aborts.values()) a.abort();
    },
  };
}
