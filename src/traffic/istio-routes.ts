/**
 * Pure readers and writers of a VirtualService's HTTP routes for one ModelVariant. A route carries the
 * model when one of its destinations is `<name>-stable` (by short name, `<svc>.<ns>`, `<svc>.<ns>.svc`
 * or the full `.svc.cluster.local` name) or host `<name>` with subset `stable`; its canary destination
 * is then `<name>-canary`, or host `<name>` with subset `canary`. `withRouteState` writes a RouteState
 * into a copy of `spec.http`: the weights of those two destinations, the mirror on those routes, and
 * the operator's header route (`<name>-canary-header`) in front; every other byte is the
 * user's. `readRouteState` reads the same things back. The I/O is in istio.ts, problems in
 * istio-problems.ts.
 */
import { isDeepStrictEqual } from 'node:util';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import type { HeaderRoute, RouteState, RouteTarget } from './router.ts';

export type VirtualServiceSpec = NonNullable<IVirtualService['spec']>;
export type HttpRoute = NonNullable<VirtualServiceSpec['http']>[number];
export type WeightedDestination = NonNullable<HttpRoute['route']>[number];
export type Destination = WeightedDestination['destination'];
type HttpMatch = NonNullable<HttpRoute['match']>[number];
type HeaderMatches = NonNullable<HttpMatch['headers']>;

/** The names that reach a Service from its own namespace, shortest first. */
export function serviceHosts(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/** True when `host` names `service` of `namespace` in any of the forms a VirtualService accepts. */
export function isServiceHost(host: string | undefined, service: string, namespace: string): boolean {
  return !!host && serviceHosts(service, namespace).includes(host.toLowerCase());
}

/** The fully qualified name the operator writes (managed mode). */
export function serviceFqdn(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

/** The `name` of the HTTP route the operator puts first while a header route is asked. */
export function headerRouteName(model: string): string {
  return `${model}-canary-header`;
}

/** Where the model's destinations are in one HTTP route. */
export interface ModelRoute {
  /** Index of the route in `spec.http`. */
  index: number;
  /** `service`: hosts `<name>-stable` / `<name>-canary`; `subset`: host `<name>`, subsets `stable` / `canary`. */
  form: 'service' | 'subset';
  /** Index of the stable destination in the route's `route` list. */
  stable: number;
  /** Index of the canary destination, when the route has one. */
  canary?: number;
}

function isStable(d: Destination | undefined, t: RouteTarget, form: ModelRoute['form']): boolean {
  if (form === 'service') return isServiceHost(d?.host, t.stableService, t.namespace);
  return isServiceHost(d?.host, t.name, t.namespace) && d?.subset === 'stable';
}

/** True when `d` is the canary of a route of this form (also used for a mirror). */
export function isCanary(d: Destination | undefined, t: RouteTarget, form: ModelRoute['form']): boolean {
  if (form === 'service') return isServiceHost(d?.host, t.canaryService, t.namespace);
  return isServiceHost(d?.host, t.name, t.namespace) && d?.subset === 'canary';
}

/** The HTTP routes that send traffic to this model's stable destination, in order. */
export function findModelRoutes(http: readonly HttpRoute[], target: RouteTarget): ModelRoute[] {
  const found: ModelRoute[] = [];
  http.forEach((route, index) => {
    if (route.name === headerRouteName(target.name)) return;
    const dests = route.route ?? [];
    for (const form of ['service', 'subset'] as const) {
      const stable = dests.findIndex((d) => isStable(d.destination, target, form));
      if (stable < 0) continue;
      const canary = dests.findIndex((d) => isCanary(d.destination, target, form));
      found.push({ index, form, stable, ...(canary >= 0 ? { canary } : {}) });
      return;
    }
  });
  return found;
}

/** The model routes that also have their canary destination: the ones the operator weights. */
function complete(http: readonly HttpRoute[], target: RouteTarget): (ModelRoute & { canary: number })[] {
  return findModelRoutes(http, target).filter((m): m is ModelRoute & { canary: number } => m.canary !== undefined);
}

/**
 * The stable and canary weights for `weight` percent. The two destinations share a pool: 100 when the
 * route has no other destination, else what they carry now (or what the others leave of 100), so the
 * other destinations' share is kept.
 */
export function splitPool(dests: readonly WeightedDestination[], m: { stable: number; canary: number }, weight: number): { stable: number; canary: number } {
  const ours = (dests[m.stable]?.weight ?? 0) + (dests[m.canary]?.weight ?? 0);
  const others = dests.reduce((sum, d, i) => (i === m.stable || i === m.canary ? sum : sum + (d.weight ?? 0)), 0);
  const pool = dests.length <= 2 ? 100 : ours > 0 ? ours : Math.max(0, 100 - others);
  const canary = Math.round((pool * Math.min(100, Math.max(0, weight))) / 100);
  return { stable: pool - canary, canary };
}

/** The header route's matches: each match of the model's routes with the header added (one route with no match: the header alone). */
function headerMatches(models: readonly HttpRoute[], header: HeaderRoute): HttpMatch[] {
  const condition: HeaderMatches = { [header.name.toLowerCase()]: { exact: header.value } };
  if (models.some((r) => !r.match || r.match.length === 0)) return [{ headers: condition }];
  return models.flatMap((r) => (r.match ?? []).map((m) => ({ ...structuredClone(m), headers: { ...structuredClone(m.headers), ...condition } })));
}

/**
 * `http` carrying `state`: the weights of the model's stable and canary destinations, a mirror to the
 * canary on those routes while asked (an operator mirror is removed otherwise; any other mirror is left
 * alone), and the header route first while asked. Every other route and field is copied as it is.
 */
export function withRouteState(http: readonly HttpRoute[], target: RouteTarget, state: RouteState): HttpRoute[] {
  const out = http.filter((r) => r.name !== headerRouteName(target.name)).map((r) => structuredClone(r));
  const models = complete(out, target);
  for (const m of models) {
    const route = out[m.index];
    const dests = route?.route;
    const stable = dests?.[m.stable];
    const canary = dests?.[m.canary];
    if (!route || !dests || !stable || !canary) continue;
    const split = splitPool(dests, m, state.weight);
    if (stable.weight !== split.stable) stable.weight = split.stable;
    if (canary.weight !== split.canary) canary.weight = split.canary;
    if (state.mirrorPercent) {
      route.mirror = structuredClone(canary.destination);
      route.mirrorPercentage = { value: state.mirrorPercent };
    } else if (route.mirror && isCanary(route.mirror, target, m.form)) {
      delete route.mirror;
      delete route.mirrorPercentage;
    }
  }
  const first = models[0];
  const canaryDest = first && out[first.index]?.route?.[first.canary]?.destination;
  if (state.headerRoute && first && canaryDest) {
    out.unshift({
      name: headerRouteName(target.name),
      match: headerMatches(models.map((m) => out[m.index] ?? {}), state.headerRoute),
      route: [{ destination: structuredClone(canaryDest), weight: 100 }],
    });
  }
  return out;
}

/**
 * What `http` carries for the model, or undefined when no route has both destinations: the header
 * route, and the largest canary share and mirror among its complete routes (the header route is read
 * against the first). The operator writes the same to all of them, so they agree unless someone edited
 * one: reading only the first would miss a second route that sends the canary requests.
 */
export function readRouteState(http: readonly HttpRoute[], target: RouteTarget): RouteState | undefined {
  const models = complete(http, target);
  const first = models[0];
  const firstRoute = first && http[first.index];
  if (!first || !firstRoute) return undefined;
  let weight = 0;
  let mirror = 0;
  for (const m of models) {
    const route = http[m.index];
    const stable = route?.route?.[m.stable]?.weight ?? 0;
    const canary = route?.route?.[m.canary]?.weight ?? 0;
    weight = Math.max(weight, stable + canary > 0 ? Math.round((100 * canary) / (stable + canary)) : 0);
    if (route?.mirror && isCanary(route.mirror, target, m.form)) {
      // A mirror that copies nothing is none; one that copies less than 1 % still reads as a mirror.
      const share = route.mirrorPercentage?.value ?? 100;
      if (share > 0) mirror = Math.max(mirror, Math.min(100, Math.max(1, Math.round(share))));
    }
  }
  const state: RouteState = { weight };
  if (mirror > 0) state.mirrorPercent = mirror;
  const headerRoute = readHeaderRoute(http, target, firstRoute);
  if (headerRoute) state.headerRoute = headerRoute;
  return state;
}

/** The operator's header: the exact header match of its route that the model route's first match does not have. */
function readHeaderRoute(http: readonly HttpRoute[], target: RouteTarget, model: HttpRoute): HeaderRoute | undefined {
  const route = http.find((r) => r.name === headerRouteName(target.name));
  const headers = route?.match?.[0]?.headers ?? {};
  const base: HeaderMatches = model.match?.[0]?.headers ?? {};
  for (const [name, condition] of Object.entries(headers)) {
    if (condition.exact !== undefined && !isDeepStrictEqual(base[name], condition)) return { name, value: condition.exact };
  }
  return undefined;
}

/** The HTTP routes of the VirtualService the operator owns (managed mode), carrying `state`. */
export function managedHttp(target: RouteTarget, state: RouteState): HttpRoute[] {
  const destination = (service: string): Destination => ({
    host: serviceFqdn(service, target.namespace),
    ...(target.port > 0 ? { port: { number: target.port } } : {}),
  });
  const base: HttpRoute = { route: [{ destination: destination(target.stableService), weight: 100 }, { destination: destination(target.canaryService), weight: 0 }] };
  return withRouteState([base], target, state);
}
