/**
 * The conformance suite every traffic router with route objects passes against the real apiserver
 * (after Hono's `runTest({ newRouter })`): `describeRouteConformance(name, fixtures)` runs, in a
 * namespace of its own, in both modes (managed: the router creates and owns the route `<name>`;
 * existing: the user's route), what the planner relies on: weights set and read back, header routes
 * and mirrors on and off, no write when the route already carries the state, finalize run twice,
 * a hand edit by another field manager reported (`changedBy`) and put back, a fresh router instance
 * (an operator restart) reading the same state, each bad input answered with its RouteProblem code
 * and a message naming the object, and the user's route unchanged outside the operator's fields.
 *
 * A provider brings `RouteFixtures`: how to build its routers and the user's route objects, and how
 * someone else edits a weight. ModelVariants are created as the routes' owners (no operator runs in
 * the namespace), so the garbage collector keeps managed routes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../../src/api/types.ts';
import type { RouterDeps } from '../../../src/traffic/factory.ts';
import { isRouteProblem, type ObservedRoute, type RouteProblem, type RouteState, type RouteTarget, type TrafficRouter } from '../../../src/traffic/router.ts';
import { createTestNamespace, deleteTestNamespace, kubeConfig } from '../../harness/env.ts';
import { validModelVariant } from '../crd-invalid-cases.ts';

export interface RouteFixtures {
  /** The route object's apiVersion and kind (e.g. gateway.networking.k8s.io/v1 HTTPRoute). */
  apiVersion: string;
  kind: string;
  /** A router in managed mode: it creates and owns the route object named `target.name`. */
  managed(deps: RouterDeps): TrafficRouter;
  /** A router in existing mode, acting on the user's route `route`. */
  existing(route: string, deps: RouterDeps): TrafficRouter;
  /**
   * The user's route `route` (no namespace: the suite sets it): a part routing the target's model,
   * stable 100 / canary 0, beside parts, filters and backends that are not the model's.
   */
  userRoute(target: RouteTarget, route: string): k8s.KubernetesObject;
  /** The same route whose model part routes to the stable Service only (no canary backend). */
  userRouteWithoutCanary(target: RouteTarget, route: string): k8s.KubernetesObject;
  /** A JSON merge patch of the live route that sets the canary's weight to `weight` (stable 100 − weight). */
  weightEdit(live: k8s.KubernetesObject, target: RouteTarget, weight: number): object;
  /** What of the live route's spec does not route the target's model: never changed by the router. */
  unrelated(live: k8s.KubernetesObject, target: RouteTarget): unknown;
}

const READY = { stable: 4, canary: 1 };
const GITOPS = 'argocd-controller';
const HEADER = { name: 'x-activation-variant', value: 'canary' };
type Mode = 'managed' | 'existing';

export function describeRouteConformance(name: string, fx: RouteFixtures): void {
  describe(`route conformance: ${name}`, () => {
    let ns: string;
    let objects: k8s.KubernetesObjectApi;
    let counter = 0;

    beforeAll(async () => {
      ns = await createTestNamespace('router');
      objects = k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
    });
    afterAll(async () => { await deleteTestNamespace(ns); });

    const ref = (route: string) => ({ apiVersion: fx.apiVersion, kind: fx.kind, metadata: { name: route, namespace: ns } });
    const read = (route: string) => objects.read(ref(route));
    const readOrGone = (route: string) => read(route).catch((err: { code?: number }) => {
      if (err.code === 404) return undefined;
      throw err;
    });
    /** Creates a user's route as Argo CD would (its field manager). */
    const create = (obj: k8s.KubernetesObject) => objects.create({ ...obj, metadata: { ...obj.metadata, namespace: ns } }, undefined, undefined, GITOPS);

    /** A ModelVariant to own the routes, and the target the routers get for it. */
    async function newTarget(prefix: string): Promise<RouteTarget> {
      const mvName = `${prefix}-${++counter}`;
      const mv = await objects.create({ ...validModelVariant(mvName), metadata: { name: mvName, namespace: ns } } as k8s.KubernetesObject);
      return {
        namespace: ns, name: mvName, stableService: `${mvName}-stable`, canaryService: `${mvName}-canary`, port: 8080,
        owner: { apiVersion: API_VERSION, kind: KIND, name: mvName, uid: mv.metadata?.uid ?? '' },
      };
    }

    /** A target, its router in `mode`, the route's name, and (existing mode) the user's route created. */
    async function setUp(mode: Mode, prefix: string, deps: Partial<RouterDeps> = {}) {
      const target = await newTarget(prefix);
      const route = mode === 'managed' ? target.name : `${target.name}-route`;
      const newRouter = () => {
        const d = { objects: k8s.KubernetesObjectApi.makeApiClient(kubeConfig()), ...deps };
        return mode === 'managed' ? fx.managed(d) : fx.existing(route, d);
      };
      if (mode === 'existing') await create(fx.userRoute(target, route));
      const router = newRouter();
      expect(await router.reconcile(target)).toBeUndefined();
      return { target, route, router, newRouter };
    }

    const observed = async (router: TrafficRouter, target: RouteTarget): Promise<ObservedRoute> => {
      const got = await router.getRoutes(target, READY);
      if (isRouteProblem(got)) throw new Error(`getRoutes: ${got.code}: ${got.message}`);
      return got;
    };
    const set = async (router: TrafficRouter, target: RouteTarget, state: RouteState) => {
      expect(await router.setRoutes(target, state)).toBeUndefined();
    };

    describe.each<Mode>(['managed', 'existing'])('%s mode', (mode) => {
      it('sets and reads back weights 0, 5, 50 and 100, written by the operator', async () => {
        const { target, router } = await setUp(mode, 'weights');
        // Until the operator writes them, a user's route's weights are its author's.
        expect(await observed(router, target)).toEqual(mode === 'managed' ? { weight: 0 } : { weight: 0, changedBy: GITOPS });
        for (const weight of [5, 50, 100, 0]) {
          await set(router, target, { weight });
          expect(await observed(router, target)).toEqual({ weight });
        }
      });

      it('turns a header route and a mirror on and off', async () => {
        const { target, router } = await setUp(mode, 'header');
        for (const state of [
          { weight: 0, headerRoute: HEADER }, { weight: 5, headerRoute: HEADER, mirrorPercent: 10 }, { weight: 5, mirrorPercent: 10 },
          { weight: 25, mirrorPercent: 100 }, { weight: 25 }, { weight: 25, headerRoute: { name: 'x-smoke', value: 'yes' } }, { weight: 50 },
        ]) {
          await set(router, target, state);
          expect(await observed(router, target)).toEqual(state);
        }
      });

      it('writes nothing when the route already carries the state', async () => {
        const { target, route, router } = await setUp(mode, 'quiet');
        const state = { weight: 25, headerRoute: HEADER, mirrorPercent: 5 };
        await set(router, target, state);
        const version = (await read(route)).metadata?.resourceVersion;
        await set(router, target, state);
        expect(await router.reconcile(target)).toBeUndefined();
        expect((await read(route)).metadata?.resourceVersion).toBe(version);
      });

      it('leaves all traffic on stable when finalized, twice', async () => {
        const { target, route, router } = await setUp(mode, 'finalize');
        await set(router, target, { weight: 50, headerRoute: HEADER, mirrorPercent: 20 });
        await router.finalize(target);
        await router.finalize(target);
        if (mode === 'managed') {
          expect(await readOrGone(route)).toBeUndefined();
        } else {
          expect(await observed(router, target)).toEqual({ weight: 0 });
        }
      });

      it('reports a weight another field manager changed (changedBy) and puts it back', async () => {
        const { target, route, router } = await setUp(mode, 'drift');
        await set(router, target, { weight: 20 });
        const live = await read(route);
        await objects.patch(fx.weightEdit(live, target, 70) as k8s.KubernetesObject, undefined, undefined, 'kubectl-edit', undefined, k8s.PatchStrategy.MergePatch);
        // reconcile repairs the route's frame but leaves a hand-edited weight for getRoutes to report.
        expect(await router.reconcile(target)).toBeUndefined();
        expect(await observed(router, target)).toEqual({ weight: 70, changedBy: 'kubectl-edit' });
        await set(router, target, { weight: 20 });
        expect(await observed(router, target)).toEqual({ weight: 20 });
      });

      it('reads the same state from a fresh router (an operator restart)', async () => {
        const { target, router, newRouter } = await setUp(mode, 'restart');
        const state = { weight: 33, headerRoute: HEADER, mirrorPercent: 7 };
        await set(router, target, state);
        const restarted = newRouter();
        expect(await restarted.reconcile(target)).toBeUndefined();
        expect(await observed(restarted, target)).toEqual(state);
      });

      it('refuses a route owned by another ModelVariant, naming it, and never takes it over', async () => {
        const target = await newTarget('owned');
        const other = await newTarget('other');
        const route = mode === 'managed' ? target.name : `${target.name}-route`;
        const foreign = fx.userRoute(target, route);
        foreign.metadata = { ...foreign.metadata, ownerReferences: [{ ...other.owner, controller: true }] };
        await create(foreign);
        const before = await read(route);
        const router = mode === 'managed' ? fx.managed({ objects }) : fx.existing(route, { objects });
        const problems: (RouteProblem | ObservedRoute | undefined)[] = [
          await router.reconcile(target), await router.setRoutes(target, { weight: 50 }), await router.getRoutes(target, READY),
        ];
        for (const problem of problems) {
          expect(problem).toEqual({ code: 'OwnedByAnother', message: expect.stringContaining(`${fx.kind} ${ns}/${route}`) });
          expect((problem as RouteProblem).message).toContain(`ModelVariant ${ns}/${other.name}`);
        }
        await router.finalize(target);
        const after = await read(route);
        expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
      });
    });

    it('managed mode: refuses a route of the same name that no ModelVariant owns, and leaves it', async () => {
      const target = await newTarget('taken');
      await create(fx.userRoute(target, target.name));
      const router = fx.managed({ objects });
      expect(await router.reconcile(target)).toEqual({ code: 'OwnedByAnother', message: expect.stringContaining(`${fx.kind} ${ns}/${target.name} belongs to no ModelVariant`) });
      await router.finalize(target);
      expect(await readOrGone(target.name)).toBeDefined();
    });

    it('managed mode: creates the route again when someone deleted it', async () => {
      const { target, route, router } = await setUp('managed', 'recreate');
      await set(router, target, { weight: 5 });
      await objects.delete(ref(route));
      expect(await router.reconcile(target)).toBeUndefined();
      expect(await observed(router, target)).toEqual({ weight: 0 });
      expect((await read(route)).metadata?.ownerReferences).toEqual([expect.objectContaining({ uid: target.owner.uid, controller: true })]);
    });

    it('existing mode: says the route is missing, naming it and how to create it', async () => {
      const target = await newTarget('missing');
      const router = fx.existing('no-such-route', { objects });
      for (const problem of [await router.reconcile(target), await router.setRoutes(target, { weight: 5 }), await router.getRoutes(target, READY)]) {
        expect(problem).toEqual({ code: 'RouteNotFound', message: expect.stringContaining(`${fx.kind} ${ns}/no-such-route not found`) });
        expect((problem as RouteProblem).message).toContain(target.canaryService);
      }
      await expect(router.finalize(target)).resolves.toBeUndefined();
    });

    it('existing mode: says what to add when the route has no canary backend for the model', async () => {
      const target = await newTarget('nocanary');
      const route = `${target.name}-route`;
      await create(fx.userRouteWithoutCanary(target, route));
      const before = await read(route);
      const router = fx.existing(route, { objects });
      for (const problem of [await router.reconcile(target), await router.setRoutes(target, { weight: 5 }), await router.getRoutes(target, READY)]) {
        expect(problem).toEqual({ code: 'NoRuleForModel', message: expect.stringContaining(`${fx.kind} ${ns}/${route}`) });
        expect((problem as RouteProblem).message).toContain(target.canaryService);
      }
      await router.finalize(target);
      expect((await read(route)).metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    });

    it('existing mode: keeps everything outside the operator\'s fields as the user wrote it, through a rollout and finalize', async () => {
      const { target, route, router } = await setUp('existing', 'untouched');
      const before = await read(route);
      const unrelated = JSON.stringify(fx.unrelated(before, target));
      for (const state of [
        { weight: 0, headerRoute: HEADER }, { weight: 5, headerRoute: HEADER, mirrorPercent: 10 }, { weight: 25, mirrorPercent: 10 },
        { weight: 50 }, { weight: 100 },
      ]) {
        await set(router, target, state);
        const live = await read(route);
        expect(JSON.stringify(fx.unrelated(live, target))).toBe(unrelated);
        expect(live.metadata?.labels).toEqual(before.metadata?.labels);
        expect(live.metadata?.annotations).toEqual(before.metadata?.annotations);
      }
      await router.finalize(target);
      await router.finalize(target);
      const after = await read(route);
      expect(JSON.stringify((after as { spec?: unknown }).spec)).toBe(JSON.stringify((before as { spec?: unknown }).spec));
      expect(after.metadata?.labels).toEqual(before.metadata?.labels);
      expect(after.metadata?.annotations).toEqual(before.metadata?.annotations);
      expect(after.metadata?.ownerReferences).toEqual(before.metadata?.ownerReferences);
    });
  });
}
