/**
 * The plugin's connection to a cluster, and the few reads and writes it makes. A `Session` is built
 * from the kubectl-style flags (--kubeconfig, --context, -n): the kubeconfig is found as the operator
 * finds it (src/kube/client.ts), the namespace defaults to the context's, else `default`. Every call
 * turns failures into `PluginError`s that say what to do: a missing object lists the namespaces that
 * do have one by that name, a 404 on the resource itself means the CRD is not installed.
 */
import * as k8s from '@kubernetes/client-node';
import { GROUP, KIND, PLURAL, SIGNAL_ANNOTATION, VERSION, type ModelVariant } from '../../api/types.ts';
import { KubeConfigError, loadKubeConfig } from '../../kube/client.ts';
import { crdNotInstalled, describeApiError, httpStatus, notFound, PluginError, type Target } from './errors.ts';

export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Session {
  /** The namespace to use: -n, else the context's namespace, else `default`. */
  namespace: string;
  target: Target;
  custom: k8s.CustomObjectsApi;
  core: k8s.CoreV1Api;
}

const RESOURCE = { group: GROUP, version: VERSION, plural: PLURAL };

export function openSession(flags: ConnectionFlags): Session {
  let loaded;
  try {
    loaded = loadKubeConfig(flags.kubeconfig ? { path: flags.kubeconfig } : {});
  } catch (err) {
    if (err instanceof KubeConfigError) throw new PluginError('KubeConfig', `${err.message}. Pass --kubeconfig or set KUBECONFIG.`, err);
    throw err;
  }
  const kc = loaded.kc;
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new PluginError('Usage', `context "${flags.context}" is not in ${loaded.description} (contexts: ${known})`);
    }
    kc.setCurrentContext(flags.context);
  }
  const context = kc.getCurrentContext();
  const namespace = flags.namespace || kc.getContextObject(context)?.namespace || 'default';
  return {
    namespace,
    target: { server: kc.getCurrentCluster()?.server ?? '(no server)', context, kubeconfig: loaded.description },
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    core: kc.makeApiClient(k8s.CoreV1Api),
  };
}

/** Reads one ModelVariant; a 404 becomes "not found" (with where it does exist) or "CRD not installed". */
export async function getModelVariant(session: Session, namespace: string, name: string): Promise<ModelVariant> {
  try {
    return (await session.custom.getNamespacedCustomObject({ ...RESOURCE, namespace, name })) as ModelVariant;
  } catch (err) {
    if (httpStatus(err) !== 404) throw describeApiError(err, `get modelvariant ${namespace}/${name}`, session.target);
    if (!(await crdInstalled(session, namespace))) throw crdNotInstalled(session.target);
    throw notFound(name, namespace, await namespacesHaving(session, name));
  }
}

/** Lists ModelVariants in one namespace, or in all when `namespace` is undefined. */
export async function listModelVariants(session: Session, namespace: string | undefined): Promise<ModelVariant[]> {
  try {
    const list = (namespace
      ? await session.custom.listNamespacedCustomObject({ ...RESOURCE, namespace })
      : await session.custom.listClusterCustomObject(RESOURCE)) as { items?: ModelVariant[] };
    return list.items ?? [];
  } catch (err) {
    if (httpStatus(err) === 404) throw crdNotInstalled(session.target);
    throw describeApiError(err, `list modelvariants ${namespace ? `in namespace ${namespace}` : 'in all namespaces'}`, session.target);
  }
}

/** Core/v1 Events about the ModelVariant; failures yield none, since events only explain. */
export async function listEvents(session: Session, namespace: string, name: string): Promise<k8s.CoreV1Event[]> {
  try {
    const list = await session.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name},involvedObject.kind=${KIND}` });
    return list.items;
  } catch {
    return [];
  }
}

/** Sets the signal annotation with a JSON merge patch on metadata (spec is never touched). */
export async function sendSignal(session: Session, namespace: string, name: string, value: string): Promise<ModelVariant> {
  try {
    return (await session.custom.patchNamespacedCustomObject(
      { ...RESOURCE, namespace, name, body: { metadata: { annotations: { [SIGNAL_ANNOTATION]: value } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as ModelVariant;
  } catch (err) {
    if (httpStatus(err) === 404) throw notFound(name, namespace, []);
    throw describeApiError(err, `annotate modelvariant ${namespace}/${name}`, session.target);
  }
}

async function crdInstalled(session: Session, namespace: string): Promise<boolean> {
  try {
    await session.custom.listNamespacedCustomObject({ ...RESOURCE, namespace, limit: 1 });
    return true;
  } catch (err) {
    return httpStatus(err) !== 404;
  }
}

/** Namespaces holding a ModelVariant called `name`; empty when that cannot be listed (RBAC). */
async function namespacesHaving(session: Session, name: string): Promise<string[]> {
  try {
    const list = (await session.custom.listClusterCustomObject({ ...RESOURCE, fieldSelector: `metadata.name=${name}` })) as { items?: ModelVariant[] };
    return (list.items ?? []).map((mv) => mv.metadata?.namespace ?? '').filter((ns) => ns !== '').sort();
  } catch {
    return [];
  }
}
