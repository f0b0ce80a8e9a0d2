/**
 * The `istio` provider: the split is made by the weights of an Istio VirtualService
 * (networking.istio.io/v1). Two modes, as the CRD's `traffic.istio` says:
 *
 * - Managed (`hosts`, optional `gateways`): the operator owns the VirtualService `<name>` (an
 *   ownerReference to the ModelVariant, the model's labels) with one weighted route to the
 *   `<name>-stable` and `<name>-canary` Services (no DestinationRule needed). It is created when
 *   missing, put back whole when edited (create, then whole-object updates, as for the other children),
 *   and never adopted when someone else's object has that name.
 * - Existing (`virtualService`): the user's VirtualService, e.g. kept in Git. The operator acts on its
 *   HTTP routes that send to this model (see istio-routes.ts) and writes, by server-side apply with its
 *   field manager, only the weights of the stable and canary destinations, with one exception while a
 *   step asks for it: its own header route (`activation-canary-<name>-header`) first in `spec.http`, and
 *   `mirror` / `mirrorPercentage` to the canary on those routes. Istio's CRD declares `spec.http` as an
 *   atomic list, so the apply carries the whole list as read from the live object with only those fields
 *   changed, conditional on the resourceVersion read: everything else stays as the user wrote it, and
 *   the operator never overwrites an edit it has not seen.
 *
 * What a user can fix comes back as a RouteProblem, never as a throw; 5xx and network errors throw.
 */
import { PatchStrategy, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { VirtualService, type IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { isDeepStrictEqual } from 'node:util';
import type { IstioTraffic } from '../api/generated/modelvariant.ts';
import { FIELD_MANAGER, isConflict } from '../kube/apply.ts';
import { modelLabels } from '../workload/names.ts';
import { controllerReference } from '../workload/owner.ts';
import type { RouterDeps } from './factory.ts';
import {
  checkDestinationRules, checkModelRoutes, isObjectNotFound, isProblem, notOurs, ownedByAnotherModel, problemFromError, usesSubsets, virtualServiceNotFound,
} from './istio-problems.ts';
import { lastHttpWriter, managedHttp, readRouteState, withRouteState, type HttpRoute } from './istio-routes.ts';
import type { ObservedRoute, RouteProblem, RouteState, RouteTarget, TrafficRouter } from './router.ts';
import { weightedSplit } from './weighted.ts';

const API_VERSION = 'networking.istio.io/v1';
/** Read-modify-write attempts when the VirtualService changes under the operator (409). */
const ATTEMPTS = 3;

type Live = IVirtualService & { metadata: NonNullable<IVirtualService['metadata']> };

/** The shared I/O: reads that turn "not there" into undefined and user-fixable errors into problems. */
function virtualServices(objects: KubernetesObjectApi) {
  const ref = (namespace: string, name: string) => ({ apiVersion: API_VERSION, kind: 'VirtualService', metadata: { name, namespace } });
  const call = async <T>(doing: string, kind: 'VirtualService' | 'DestinationRule', fn: () => Promise<T>): Promise<T | RouteProblem> => {
    try {
      return await fn();
    } catch (err) {
      const problem = problemFromError(err, kind, doing);
      if (problem) return problem;
      throw err;
    }
  };
  return {
    async read(namespace: string, name: string): Promise<Live | undefined | RouteProblem> {
      return call(`read VirtualService ${namespace}/${name}`, 'VirtualService', async () => {
        try {
          return (await objects.read(ref(namespace, name))) as unknown as Live;
        } catch (err) {
          if (isObjectNotFound(err)) return undefined;
          throw err;
        }
      });
    },
    async create(vs: VirtualService): Promise<RouteProblem | undefined> {
      const done = await call(`create VirtualService ${vs.metadata?.namespace}/${vs.metadata?.name}`, 'VirtualService',
        () => objects.create(vs.toJSON() as KubernetesObject, undefined, undefined, FIELD_MANAGER));
      return isProblem(done) ? done : undefined;
    },
    async replace(vs: VirtualService): Promise<RouteProblem | undefined> {
      const done = await call(`update VirtualService ${vs.metadata?.namespace}/${vs.metadata?.name}`, 'VirtualService',
        () => objects.replace(vs.toJSON() as KubernetesObject, undefined, undefined, FIELD_MANAGER));
      return isProblem(done) ? done : undefined;
    },
    /** Server-side apply, forced: the operator takes the fields it sends. */
    async apply(vs: VirtualService): Promise<RouteProblem | undefined> {
      const done = await call(`update VirtualService ${vs.metadata?.namespace}/${vs.metadata?.name}`, 'VirtualService',
        () => objects.patch(vs.toJSON() as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply));
      return isProblem(done) ? done : undefined;
    },
    async delete(vs: Live): Promise<void> {
      try {
        await objects.delete(ref(vs.metadata.namespace ?? '', vs.metadata.name ?? ''), undefined, undefined, undefined, undefined, 'Background',
          { preconditions: { uid: vs.metadata.uid ?? '' } });
      } catch (err) {
        // Gone already, or replaced by an object that is not ours (the uid precondition failed).
        if (!isObjectNotFound(err) && !isConflict(err)) throw err;
      }
    },
    async destinationRules(namespace: string): Promise<IDestinationRule[] | RouteProblem> {
      return call(`list DestinationRules in ${namespace}`, 'DestinationRule',
        async () => (await objects.list(API_VERSION, 'DestinationRule', namespace)).items as unknown as IDestinationRule[]);
    },
  };
}

type VirtualServices = ReturnType<typeof virtualServices>;

/** Re-runs a read-modify-write when the object changed between the read and the write (409). */
async function retryOnConflict<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
    }
  }
}

function controlledBy(vs: Live, target: RouteTarget): boolean {
  return (vs.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === target.owner.uid);
}

function observed(vs: Live, state: RouteState): ObservedRoute {
  const changedBy = lastHttpWriter(vs.metadata.managedFields);
  return { ...state, ...(changedBy ? { changedBy } : {}) };
}

/** Managed mode: the VirtualService `<name>`, created and owned by the operator. */
function managedMode(spec: IstioTraffic, vss: VirtualServices): Omit<TrafficRouter, 'provider' | 'weighted' | 'replicasFor'> {
  const desired = (t: RouteTarget, state: RouteState) => new VirtualService({
    metadata: { name: t.name, namespace: t.namespace, labels: modelLabels(t.name), ownerReferences: [controllerReference(t.owner)] },
    spec: { hosts: [...(spec.hosts ?? [])], ...(spec.gateways?.length ? { gateways: [...spec.gateways] } : {}), http: managedHttp(t, state) },
  });
  const owner = (vs: Live) => {
    const ref = vs.metadata.ownerReferences?.find((r) => r.controller);
    return ref ? `${ref.kind} ${ref.name}` : undefined;
  };
  /** Creates the VirtualService, or puts it back whole (keeping others' labels and annotations) when it is not as built. */
  const converge = (t: RouteTarget, state?: RouteState) => retryOnConflict(async (): Promise<RouteProblem | undefined> => {
    const live = await vss.read(t.namespace, t.name);
    if (isProblem(live)) return live;
    if (!live) return vss.create(desired(t, state ?? { weight: 0 }));
    if (!controlledBy(live, t)) return notOurs(t, owner(live));
    const want = desired(t, state ?? readRouteState(live.spec?.http ?? [], t) ?? { weight: 0 });
    const labelsKept = Object.entries(want.metadata?.labels ?? {}).every(([k, v]) => live.metadata.labels?.[k] === v);
    if (labelsKept && isDeepStrictEqual(live.spec, want.spec)) return undefined;
    const { managedFields: _, ...metadata } = live.metadata;
    return vss.replace(new VirtualService({ ...want, metadata: { ...metadata, labels: { ...live.metadata.labels, ...want.metadata?.labels } } }));
  });
  return {
    reconcile: (t) => converge(t),
    setRoutes: (t, state) => converge(t, state),
    async getRoutes(t) {
      const live = await vss.read(t.namespace, t.name);
      if (isProblem(live)) return live;
      if (!live) return { code: 'RouteNotFound', message: `VirtualService ${t.namespace}/${t.name} does not exist yet: the operator creates it (traffic.istio.hosts)` };
      if (!controlledBy(live, t)) return notOurs(t, owner(live));
      const http = live.spec?.http ?? [];
      const checked = checkModelRoutes(http, t, t.name);
      if (isProblem(checked)) return checked;
      return observed(live, readRouteState(http, t) ?? { weight: 0 });
    },
    async finalize(t) {
      const live = await vss.read(t.namespace, t.name);
      if (live && !isProblem(live) && controlledBy(live, t)) await vss.delete(live);
    },
  };
}

/** Existing mode: the user's VirtualService; only the model's weights (and the header route and mirror while asked) are written. */
function existingMode(name: string, vss: VirtualServices): Omit<TrafficRouter, 'provider' | 'weighted' | 'replicasFor'> {
  /** The live VirtualService and its HTTP routes, when this ModelVariant can use them. */
  const inspect = async (t: RouteTarget): Promise<{ live: Live; http: HttpRoute[]; subsets: boolean } | RouteProblem> => {
    const live = await vss.read(t.namespace, name);
    if (isProblem(live)) return live;
    if (!live) return virtualServiceNotFound(t, name);
    const group = t.owner.apiVersion.split('/')[0];
    const other = live.metadata.ownerReferences?.find((r) => r.kind === t.owner.kind && r.apiVersion.split('/')[0] === group && r.uid !== t.owner.uid);
    if (other) return ownedByAnotherModel(t, name, `${t.namespace}/${other.name}`);
    const http = live.spec?.http ?? [];
    const checked = checkModelRoutes(http, t, name);
    return isProblem(checked) ? checked : { live, http, subsets: usesSubsets(checked.routes) };
  };
  const setRoutes = (t: RouteTarget, state: RouteState) => retryOnConflict(async (): Promise<RouteProblem | undefined> => {
    const found = await inspect(t);
    if (isProblem(found)) return found;
    const http = withRouteState(found.http, t, state);
    if (isDeepStrictEqual(http, found.http)) return undefined;
    const { resourceVersion } = found.live.metadata;
    return vss.apply(new VirtualService({ metadata: { name, namespace: t.namespace, ...(resourceVersion ? { resourceVersion } : {}) }, spec: { http } }));
  });
  return {
    async reconcile(t) {
      const found = await inspect(t);
      if (isProblem(found)) return found;
      if (!found.subsets) return undefined;
      const rules = await vss.destinationRules(t.namespace);
      return isProblem(rules) ? rules : checkDestinationRules(rules, t);
    },
    setRoutes,
    async getRoutes(t) {
      const found = await inspect(t);
      if (isProblem(found)) return found;
      return observed(found.live, readRouteState(found.http, t) ?? { weight: 0 });
    },
    async finalize(t) {
      await setRoutes(t, { weight: 0 });
    },
  };
}

export function createIstioRouter(spec: IstioTraffic, deps: RouterDeps): TrafficRouter {
  const vss = virtualServices(deps.objects);
  const mode = spec.virtualService ? existingMode(spec.virtualService, vss) : managedMode(spec, vss);
  return {
    provider: 'istio',
    weighted: true,
    replicasFor: (total, weight) => weightedSplit(total, weight, deps.canaryReplicas),
    ...mode,
  };
}
