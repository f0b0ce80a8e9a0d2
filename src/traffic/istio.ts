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
 *   step asks for it: its own header route (`<name>-canary-header`) first in `spec.http`, and
 *   `mirror` / `mirrorPercentage` to the canary on those routes. Istio's CRD declares `spec.http` as an
 *   atomic list, so the apply carries the whole list as read from the live object with only those fields
 *   changed, conditional on the resourceVersion read: everything else stays as the user wrote it, and
 *   the operator never overwrites an edit it has not seen.
 *
 * What a user can fix comes back as a RouteProblem, never as a throw; 5xx, network errors and a 409 that
 * persists after retries throw, and finalize throws a refusal (it has no problem to return).
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
import { ISTIO_CRD, checkDestinationRules, checkModelRoutes, isProblem, usesSubsets, virtualServiceNotFound } from './istio-problems.ts';
import { managedHttp, readRouteState, withRouteState, type HttpRoute } from './istio-routes.ts';
import {
  httpStatus, isTypeNotServed, lastForeignWriter, objectName, otherModelVariantOwner, ownedByAnother, ownedByTarget, problemOrThrow,
} from './route-objects.ts';
import { RouteRefusedError, type ObservedRoute, type RouteProblem, type RouteState, type RouteTarget, type TrafficRouter } from './router.ts';
import { weightedSplit } from './weighted.ts';

const API_VERSION = 'networking.istio.io/v1';
/** Read-modify-write attempts when the VirtualService changes under the operator (409). */
const ATTEMPTS = 3;
/** The field `changedBy` is about: the HTTP routes (an atomic list, written whole). */
const HTTP_FIELD = ['f:spec', 'f:http'];

type Live = IVirtualService & { metadata: NonNullable<IVirtualService['metadata']> };

/** A typed model as client-node's request body (the two type metadata timestamps differently; bodies sent carry none). */
const toKube = (vs: VirtualService): KubernetesObject => vs.toJSON() as unknown as KubernetesObject;
const isNotFound = (err: unknown) => httpStatus(err) === 404 && !isTypeNotServed(err);

/**
 * The I/O on VirtualServices and DestinationRules: "not there" reads as undefined, what a user can fix
 * as a problem (problemOrThrow); 5xx, network errors and 409s throw.
 */
function virtualServices(objects: KubernetesObjectApi) {
  const ref = (namespace: string, name: string) => ({ apiVersion: API_VERSION, kind: 'VirtualService', metadata: { name, namespace } });
  const describe = (vs: { metadata?: { namespace?: string; name?: string } }) => objectName('VirtualService', vs.metadata?.namespace ?? '', vs.metadata?.name ?? '');
  const write = async (doing: string, vs: VirtualService, fn: () => Promise<unknown>): Promise<RouteProblem | undefined> => {
    try {
      await fn();
      return undefined;
    } catch (err) {
      return problemOrThrow(err, ISTIO_CRD.VirtualService.crd, ISTIO_CRD.VirtualService.kind, `${doing} ${describe(vs)}`);
    }
  };
  return {
    async read(namespace: string, name: string): Promise<Live | undefined | RouteProblem> {
      try {
        return (await objects.read(ref(namespace, name))) as unknown as Live;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        return problemOrThrow(err, ISTIO_CRD.VirtualService.crd, ISTIO_CRD.VirtualService.kind, `reading ${objectName('VirtualService', namespace, name)}`);
      }
    },
    create: (vs: VirtualService) => write('creating', vs, () => objects.create(toKube(vs), undefined, undefined, FIELD_MANAGER)),
    replace: (vs: VirtualService) => write('updating', vs, () => objects.replace(toKube(vs), undefined, undefined, FIELD_MANAGER)),
    /** Server-side apply, forced: the operator takes the fields it sends. */
    apply: (vs: VirtualService) => write('updating', vs, () => objects.patch(toKube(vs), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply)),
    async delete(vs: Live): Promise<void> {
      try {
        await objects.delete(ref(vs.metadata.namespace ?? '', vs.metadata.name ?? ''), undefined, undefined, undefined, undefined, 'Background',
          { preconditions: { uid: vs.metadata.uid ?? '' } });
      } catch (err) {
        // Gone already, or replaced by an object that is not ours (the uid precondition failed).
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    },
    async destinationRules(namespace: string): Promise<IDestinationRule[] | RouteProblem> {
      try {
        return (await objects.list(API_VERSION, 'DestinationRule', namespace)).items as unknown as IDestinationRule[];
      } catch (err) {
        return problemOrThrow(err, ISTIO_CRD.DestinationRule.crd, ISTIO_CRD.DestinationRule.kind, `listing DestinationRules in ${namespace}`);
      }
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

function observed(vs: Live, state: RouteState): ObservedRoute {
  const changedBy = lastForeignWriter(vs.metadata.managedFields, HTTP_FIELD);
  return { ...state, ...(changedBy ? { changedBy } : {}) };
}

/** Managed mode: the VirtualService `<name>`, created and owned by the operator. */
function managedMode(spec: IstioTraffic, vss: VirtualServices): Omit<TrafficRouter, 'provider' | 'weighted' | 'replicasFor'> {
  const desired = (t: RouteTarget, state: RouteState) => new VirtualService({
    metadata: { name: t.name, namespace: t.namespace, labels: modelLabels(t.name), ownerReferences: [controllerReference(t.owner)] },
    spec: { hosts: [...(spec.hosts ?? [])], ...(spec.gateways?.length ? { gateways: [...spec.gateways] } : {}), http: managedHttp(t, state) },
  });
  /** Creates the VirtualService, or puts it back whole (keeping others' labels and annotations) when it is not as built. */
  const converge = (t: RouteTarget, state?: RouteState) => retryOnConflict(async (): Promise<RouteProblem | undefined> => {
    const live = await vss.read(t.namespace, t.name);
    if (isProblem(live)) return live;
    if (!live) return vss.create(desired(t, state ?? { weight: 0 }));
    if (!ownedByTarget(live, t)) return ownedByAnother(objectName('VirtualService', t.namespace, t.name), live, t);
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
      if (!live) return { code: 'RouteNotFound', message: `${objectName('VirtualService', t.namespace, t.name)} not found: the operator creates it when it reconciles the ModelVariant` };
      if (!ownedByTarget(live, t)) return ownedByAnother(objectName('VirtualService', t.namespace, t.name), live, t);
      const http = live.spec?.http ?? [];
      const checked = checkModelRoutes(http, t, t.name);
      if (isProblem(checked)) return checked;
      return observed(live, readRouteState(http, t) ?? { weight: 0 });
    },
    async finalize(t) {
      const live = await vss.read(t.namespace, t.name);
      if (isProblem(live) && live.code === 'Rejected') throw new RouteRefusedError(live);
      if (live && !isProblem(live) && ownedByTarget(live, t)) await vss.delete(live);
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
    if (otherModelVariantOwner(live, t)) return ownedByAnother(objectName('VirtualService', t.namespace, name), live, t);
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
      // Nothing of ours to undo when the VirtualService is gone, not ours, has no route for the model, or
      // Istio is not installed; a refusal is not swallowed.
      const found = await inspect(t);
      if (isProblem(found)) {
        if (found.code === 'Rejected') throw new RouteRefusedError(found);
        return;
      }
      const problem = await setRoutes(t, { weight: 0 });
      if (problem) throw new RouteRefusedError({ ...problem, message: `could not put all traffic back on ${t.stableService} in VirtualService ${t.namespace}/${name}: ${problem.message}` });
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
