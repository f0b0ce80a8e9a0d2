/**
 * The pure part of the `gatewayAPI` router: which rules of an HTTPRoute route a model, what they must
 * look like to carry a `RouteState`, what a live route carries, and the HTTPRoute the operator owns in
 * managed mode. Typed with `@kubernetes-models/gateway-api` (gateway.networking.k8s.io/v1).
 *
 * A model's rules are those with a backendRef to `<name>-stable` (a Service in the route's namespace);
 * each must also have one to `<name>-canary`. Carrying a state changes, in those rules only, the two
 * backendRefs' weights (stable 100 − w − Σ candidates, canary w), the backendRefs to an experiment's
 * candidates (`<name>-exp-<activation>`, added with their weights while an experiment measures and
 * removed after it), and a RequestMirror filter to the canary; a header
 * route is one more rule, named `<name>-canary-header` and placed before the first model rule, whose
 * matches are the model rules' matches plus the header (those of the rules that share the first one's
 * filters; see `headerRule`), and whose only backend is the canary. Gateway API ranks a match with
 * more header matches above one with the same path and fewer, so the header rule wins wherever it
 * applies, and nowhere else (a route shared by several models keeps the others' paths untouched). Everything else (other rules, matches, filters, backends, their order) is
 * kept as it is: `spec.rules`, `backendRefs`, `filters` and `matches` are atomic lists in Gateway API's
 * CRDs, so a write carries the whole list and must copy what it does not change.
 *
 * Defaults are written out (group "", kind Service, match type Exact, path prefix /) so that what the
 * operator builds equals what the apiserver stores, and an unchanged route needs no write.
 */
import type { IHTTPBackendRef } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPBackendRef';
import type { IHTTPRouteFilter } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRouteFilter';
import type { IHTTPRouteMatch } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRouteMatch';
import type { IHTTPRouteRule } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRouteRule';
import type { IParentReference } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/ParentReference';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { isDeepStrictEqual } from 'node:util';
import type { GatewayAPITraffic } from '../api/generated/modelvariant.ts';
import { isExperimentChildName, modelLabels } from '../workload/names.ts';
import { controllerReference } from '../workload/owner.ts';
import type { CandidateRoute, HeaderRoute, RouteProblem, RouteState, RouteTarget } from './router.ts';

export const HTTPROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';
export const HTTPROUTE_KIND = 'HTTPRoute';
export const HTTPROUTE_CRD = 'httproutes.gateway.networking.k8s.io';

type BackendObjectRef = Pick<IHTTPBackendRef, 'group' | 'kind' | 'name' | 'namespace'>;

/** The name of the rule the operator adds for a header route. */
export function headerRuleName(target: RouteTarget): string {
  return `${target.name}-canary-header`;
}

/** True when `ref` is the Service `service` of the route's namespace. */
export function refersTo(ref: BackendObjectRef, service: string, namespace: string): boolean {
  return (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service' && ref.name === service && (!ref.namespace || ref.namespace === namespace);
}

/** True when the rule routes this model: it has a backendRef to the stable Service (and is not the header rule). */
export function isModelRule(rule: IHTTPRouteRule, target: RouteTarget): boolean {
  return rule.name !== headerRuleName(target) && (rule.backendRefs ?? []).some((b) => refersTo(b, target.stableService, target.namespace));
}

const isOurMirror = (f: IHTTPRouteFilter, target: RouteTarget): boolean =>
  f.type === 'RequestMirror' && !!f.requestMirror && refersTo(f.requestMirror.backendRef, target.canaryService, target.namespace);

function ruleLabel(rule: IHTTPRouteRule, index: number): string {
  return rule.name ? `rule "${rule.name}" (#${index + 1})` : `rule #${index + 1}`;
}

/**
 * Why the rules cannot carry this model's routes, naming the route (`HTTPRoute ns/name`) and what to
 * add; undefined when they can.
 */
export function checkRules(rules: readonly IHTTPRouteRule[], target: RouteTarget, route: string): RouteProblem | undefined {
  const { stableService: stable, canaryService: canary, port } = target;
  if (!rules.some((r) => isModelRule(r, target))) {
    return {
      code: 'NoRuleForModel',
      message: `${route} has no rule with a backendRef to Service ${stable}: add a rule with backendRefs ` +
        `[{name: ${stable}, port: ${port}, weight: 100}, {name: ${canary}, port: ${port}, weight: 0}]`,
    };
  }
  const lacking = rules.flatMap((r, i) => (isModelRule(r, target) && !(r.backendRefs ?? []).some((b) => refersTo(b, canary, target.namespace)) ? [ruleLabel(r, i)] : []));
  if (lacking.length === 0) return undefined;
  return {
    code: 'NoRuleForModel',
    message: `${lacking.join(', ')} of ${route} ${lacking.length > 1 ? 'send' : 'sends'} to ${stable} but not to ${canary}: ` +
      `add {name: ${canary}, port: ${port}, weight: 0} to ${lacking.length > 1 ? 'their' : 'its'} backendRefs`,
  };
}

/** The RequestMirror filter that copies `percent` % of a rule's requests to the canary. */
export function mirrorFilter(target: RouteTarget, percent: number): IHTTPRouteFilter {
  return { type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: target.canaryService, port: target.port }, percent } };
}

function withHeader(match: IHTTPRouteMatch, header: HeaderRoute): IHTTPRouteMatch {
  const name = header.name.toLowerCase();
  const others = (match.headers ?? []).filter((h) => h.name.toLowerCase() !== name);
  return { ...match, headers: [...others, { type: 'Exact', name, value: header.value }] };
}

const DEFAULT_MATCHES: IHTTPRouteMatch[] = [{ path: { type: 'PathPrefix', value: '/' } }];

/** True when filters rewrite a path prefix: Gateway API then allows a rule exactly one PathPrefix match. */
const rewritesPrefix = (filters: readonly IHTTPRouteFilter[] | undefined): boolean =>
  (filters ?? []).some((f) => f.urlRewrite?.path?.type === 'ReplacePrefixMatch' || f.requestRedirect?.path?.type === 'ReplacePrefixMatch');

/**
 * The header rule: the canary alone, with the first model rule's filters (but the mirror) and other
 * fields, and the matches of the model rules that have those same filters and canary backend, each
 * with the header added (only the first rule's when a filter rewrites a path prefix, which allows one
 * match per rule).
 */
function headerRule(modelRules: IHTTPRouteRule[], target: RouteTarget, header: HeaderRoute): IHTTPRouteRule {
  const [first] = modelRules as [IHTTPRouteRule, ...IHTTPRouteRule[]];
  const filtersOf = (r: IHTTPRouteRule) => (r.filters ?? []).filter((f) => !isOurMirror(f, target));
  const canaryOf = (r: IHTTPRouteRule): IHTTPBackendRef => {
    const { weight: _weight, ...ref } = (r.backendRefs ?? []).find((b) => refersTo(b, target.canaryService, target.namespace))
      ?? { group: '', kind: 'Service', name: target.canaryService, port: target.port };
    return ref;
  };
  const filters = filtersOf(first);
  const canary = canaryOf(first);
  const sources = rewritesPrefix(filters) || rewritesPrefix(canary.filters)
    ? [first]
    : modelRules.filter((r) => isDeepStrictEqual(filtersOf(r), filters) && isDeepStrictEqual(canaryOf(r), canary));
  const matches = sources.flatMap((r) => (r.matches?.length ? r.matches : DEFAULT_MATCHES)).map((m) => withHeader(m, header));
  const { name: _name, matches: _matches, backendRefs: _refs, filters: _filters, ...rest } = first;
  return { ...rest, name: headerRuleName(target), matches, ...(filters.length ? { filters } : {}), backendRefs: [{ ...canary, weight: 1 }] };
}

const percent = (x: number) => Math.min(100, Math.max(0, Math.round(x)));

/** True when `ref` is a Service of the route's namespace named like one of this model's experiment candidates. */
function isCandidateRef(ref: BackendObjectRef, target: RouteTarget): boolean {
  return refersTo(ref, ref.name, target.namespace) && isExperimentChildName(target.name, ref.name);
}

/**
 * A model rule carrying `state`: stable 100 − w − Σ candidates, canary w, each candidate of
 * `state.experiment` its weight (a backendRef appended after the rule's others when it lacks one, with
 * the canary's port), every other candidate backend removed, the mirror set; the rest as it was.
 */
function withWeights(rule: IHTTPRouteRule, target: RouteTarget, state: RouteState): IHTTPRouteRule {
  const w = percent(state.weight);
  const candidates = (state.experiment ?? []).map((c) => ({ service: c.service, weight: percent(c.weight) }));
  const stableWeight = Math.max(0, 100 - w - candidates.reduce((sum, c) => sum + c.weight, 0));
  const backendRefs = (rule.backendRefs ?? []).flatMap((b): IHTTPBackendRef[] => {
    if (refersTo(b, target.stableService, target.namespace)) return [{ ...b, weight: stableWeight }];
    if (refersTo(b, target.canaryService, target.namespace)) return [{ ...b, weight: w }];
    if (!isCandidateRef(b, target)) return [b];
    const candidate = candidates.find((c) => c.service === b.name);
    return candidate ? [{ ...b, weight: candidate.weight }] : [];
  });
  const port = (rule.backendRefs ?? []).find((b) => refersTo(b, target.canaryService, target.namespace))?.port ?? target.port;
  for (const c of candidates) {
    if (!backendRefs.some((b) => refersTo(b, c.service, target.namespace))) backendRefs.push({ group: '', kind: 'Service', name: c.service, port, weight: c.weight });
  }
  const filters = (rule.filters ?? []).filter((f) => !isOurMirror(f, target));
  if (state.mirrorPercent) filters.push(mirrorFilter(target, state.mirrorPercent));
  // Spread first, so keys keep their places and an untouched rule serializes as it was.
  const out: IHTTPRouteRule = { ...rule, backendRefs };
  if (filters.length) out.filters = filters;
  else delete out.filters;
  return out;
}

/**
 * The rules carrying `state` for this model: its rules' weights and mirror set, its header rule added,
 * moved or removed, every other rule and field as given. Expects rules that pass `checkRules`.
 */
export function withRouteState(rules: readonly IHTTPRouteRule[], target: RouteTarget, state: RouteState): IHTTPRouteRule[] {
  const kept = rules.filter((r) => r.name !== headerRuleName(target));
  const out = kept.map((r) => (isModelRule(r, target) ? withWeights(r, target, state) : r));
  const firstModel = kept.findIndex((r) => isModelRule(r, target));
  if (state.headerRoute && firstModel >= 0) {
    out.splice(firstModel, 0, headerRule(kept.filter((r) => isModelRule(r, target)), target, state.headerRoute));
  }
  return out;
}

/**
 * The state the rules carry for this model: its header rule, and the largest canary share and mirror
 * among its rules. The operator writes the same weights and mirror to all of them, so they agree unless
 * someone edited one: reading only the first would then miss a second rule that sends the canary
 * requests (never put back, and the canary's pods removed while it still routes to them).
 */
export function readRouteState(rules: readonly IHTTPRouteRule[], target: RouteTarget): RouteState {
  const models = rules.filter((r) => isModelRule(r, target));
  const state: RouteState = { weight: Math.max(0, ...models.map((r) => canaryShare(r, target))) };
  const header = rules.find((r) => r.name === headerRuleName(target))?.matches?.[0]?.headers?.at(-1);
  if (header) state.headerRoute = { name: header.name.toLowerCase(), value: header.value };
  const mirror = Math.max(0, ...models.map((r) => mirrorShare(r, target)));
  if (mirror > 0) state.mirrorPercent = mirror;
  const experiment = candidateShares(models, target);
  if (experiment.length > 0) state.experiment = experiment;
  return state;
}

/**
 * Each experiment candidate backend of the model's rules with its share of the rule's requests among
 * stable, canary and the candidates, in percent (a weight left out counts 1); the largest share when
 * several rules have it, in the order first seen. A backend of weight 0 is listed (with 0): it is
 * still in the route.
 */
function candidateShares(models: readonly IHTTPRouteRule[], target: RouteTarget): CandidateRoute[] {
  const shares = new Map<string, number>();
  for (const rule of models) {
    const refs = (rule.backendRefs ?? []).filter((b) => refersTo(b, target.stableService, target.namespace) || refersTo(b, target.canaryService, target.namespace) || isCandidateRef(b, target));
    const total = refs.reduce((sum, b) => sum + (b.weight ?? 1), 0);
    for (const b of refs.filter((r) => isCandidateRef(r, target))) {
      const share = total === 0 ? 0 : Math.round((100 * (b.weight ?? 1)) / total);
      shares.set(b.name, Math.max(shares.get(b.name) ?? 0, share));
    }
  }
  return [...shares].map(([service, weight]) => ({ service, weight }));
}

/** The canary's share of a model rule's requests between the two roles, in percent (a weight left out counts 1). */
function canaryShare(rule: IHTTPRouteRule, target: RouteTarget): number {
  const refs = rule.backendRefs ?? [];
  const weightOf = (service: string) => refs.find((b) => refersTo(b, service, target.namespace))?.weight ?? 1;
  const stable = weightOf(target.stableService);
  const canary = refs.some((b) => refersTo(b, target.canaryService, target.namespace)) ? weightOf(target.canaryService) : 0;
  return stable + canary === 0 ? 0 : Math.round((100 * canary) / (stable + canary));
}

/** The percent of a rule's requests its mirror to the canary copies (`fraction` counts too); 0 without one. */
function mirrorShare(rule: IHTTPRouteRule, target: RouteTarget): number {
  const mirror = rule.filters?.find((f) => isOurMirror(f, target))?.requestMirror;
  if (!mirror) return 0;
  const { fraction, percent } = mirror;
  const share = percent ?? (fraction ? (100 * fraction.numerator) / (fraction.denominator ?? 100) : 100);
  // A mirror that copies nothing is none; one that copies less than 1 % still reads as a mirror.
  return share > 0 ? Math.min(100, Math.max(1, Math.round(share))) : 0;
}

/** The parentRefs of a managed route, with the apiserver's defaults written out. */
export function managedParentRefs(spec: GatewayAPITraffic): IParentReference[] {
  return (spec.parentRefs ?? []).map((p) => ({
    group: p.group ?? 'gateway.networking.k8s.io', kind: p.kind ?? 'Gateway', name: p.name,
    ...(p.namespace ? { namespace: p.namespace } : {}), ...(p.sectionName ? { sectionName: p.sectionName } : {}), ...(p.port ? { port: p.port } : {}),
  }));
}

/**
 * The HTTPRoute `<name>` of managed mode carrying `state`: owned by the ModelVariant, attached to
 * spec.parentRefs (and hostnames), one rule splitting `/` between the two Services, plus the header rule.
 */
export function managedHTTPRoute(target: RouteTarget, spec: GatewayAPITraffic, state: RouteState): HTTPRoute {
  const ref = (name: string, weight: number): IHTTPBackendRef => ({ group: '', kind: 'Service', name, port: target.port, weight });
  const split: IHTTPRouteRule = { matches: DEFAULT_MATCHES, backendRefs: [ref(target.stableService, 100), ref(target.canaryService, 0)] };
  return new HTTPRoute({
    metadata: { name: target.name, namespace: target.namespace, labels: modelLabels(target.name), ownerReferences: [controllerReference(target.owner)] },
    spec: {
      parentRefs: managedParentRefs(spec),
      ...(spec.hostnames?.length ? { hostnames: spec.hostnames } : {}),
      rules: withRouteState([split], target, state),
    },
  });
}

/** True when the live managed route has what the operator sets outside the rules (parents, hostnames, labels, owner). */
export function managedFrameMatches(live: HTTPRoute, want: HTTPRoute): boolean {
  const labels = live.metadata?.labels ?? {};
  return isDeepStrictEqual(live.spec.parentRefs ?? [], want.spec.parentRefs ?? [])
    && isDeepStrictEqual(live.spec.hostnames ?? [], want.spec.hostnames ?? [])
    && Object.entries(want.metadata?.labels ?? {}).every(([k, v]) => labels[k] === v)
    && !!live.metadata?.ownerReferences?.some((r) => r.uid === want.metadata?.ownerReferences?.[0]?.uid && r.controller);
}

/**
 * The server-side apply body for an existing route: only `spec.rules`, the whole atomic list copied
 * from the live object with the operator's changes; the resourceVersion read makes it fail (409) if the
 * route changed since, rather than write back rules someone just edited.
 */
export function existingRouteApply(live: HTTPRoute, rules: IHTTPRouteRule[]): HTTPRoute {
  return new HTTPRoute({
    metadata: { name: live.metadata?.name ?? '', namespace: live.metadata?.namespace ?? '', ...(live.metadata?.resourceVersion ? { resourceVersion: live.metadata.resourceVersion } : {}) },
    spec: { rules },
  });
}
