/**
 * Why the istio router cannot route a ModelVariant, in one line that says what to fix: the user's
 * VirtualService missing, no HTTP route for the model (or one without its canary destination), a
 * DestinationRule without the `stable` / `canary` subsets. What every router with route objects says
 * alike (a CRD not installed, an object of someone else, a refusal) is in route-objects.ts. Pure;
 * istio.ts does the I/O.
 */
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { LABEL } from '../api/types.ts';
import { findModelRoutes, isServiceHost, type HttpRoute, type ModelRoute } from './istio-routes.ts';
import type { RouteProblem, RouteTarget } from './router.ts';

export const VIRTUAL_SERVICES = 'virtualservices.networking.istio.io';
export const DESTINATION_RULES = 'destinationrules.networking.istio.io';
/** How a missing CRD is named: the version the router uses came with Istio 1.22. */
export const ISTIO_CRD = {
  VirtualService: { crd: `${VIRTUAL_SERVICES}, version v1: Istio 1.22 or later`, kind: 'Istio VirtualService' },
  DestinationRule: { crd: `${DESTINATION_RULES}, version v1: Istio 1.22 or later`, kind: 'Istio DestinationRule' },
} as const;

/** Type guard for the unions the istio router's reads return (an object, a list, or a problem). */
export function isProblem(x: unknown): x is RouteProblem {
  const p = x as Partial<RouteProblem> | undefined;
  return !!p && typeof p === 'object' && typeof p.code === 'string' && typeof p.message === 'string';
}

export function virtualServiceNotFound(target: RouteTarget, name: string): RouteProblem {
  return {
    code: 'RouteNotFound',
    message: `VirtualService ${target.namespace}/${name} not found (traffic.istio.virtualService): create it with an HTTP route whose destinations are ` +
      `{host: ${target.stableService}, weight: 100} and {host: ${target.canaryService}, weight: 0}, or set traffic.istio.hosts instead of virtualService ` +
      `to let the operator create and own VirtualService ${target.name}`,
  };
}

/** Every model route needs its canary destination; at least one route must send to the model. */
export function checkModelRoutes(http: readonly HttpRoute[], target: RouteTarget, name: string): { routes: ModelRoute[] } | RouteProblem {
  const routes = findModelRoutes(http, target);
  const where = `VirtualService ${target.namespace}/${name}`;
  if (routes.length === 0) {
    return {
      code: 'NoRuleForModel',
      message: `${where} has no HTTP route for this model: add one whose route has the destinations {host: ${target.stableService}, weight: 100} ` +
        `and {host: ${target.canaryService}, weight: 0} (or host ${target.name} with subsets stable and canary of a DestinationRule)`,
    };
  }
  const missing = routes.filter((m) => m.canary === undefined);
  if (missing.length > 0) {
    const adds = missing.map((m) => {
      const stable = http[m.index]?.route?.[m.stable]?.destination;
      const canary = m.form === 'service' ? `{host: ${target.canaryService}, weight: 0}` : `{host: ${stable?.host ?? target.name}, subset: canary, weight: 0}`;
      return `http[${m.index}]${http[m.index]?.name ? ` (${http[m.index]?.name})` : ''} routes to ${m.form === 'service' ? target.stableService : `${stable?.host ?? target.name} subset stable`} but not to the canary: add the destination ${canary} to it`;
    });
    return { code: 'NoRuleForModel', message: `${where}: ${adds.join('; ')}` };
  }
  return { routes };
}

type DestinationRuleSubset = NonNullable<NonNullable<IDestinationRule['spec']>['subsets']>[number];

/** True when a subset selects exactly one role of this model's pods. */
function selectsRole(subset: DestinationRuleSubset | undefined, target: RouteTarget, role: 'stable' | 'canary'): boolean {
  const labels = subset?.labels ?? {};
  return labels[LABEL.role] === role && Object.entries(labels).every(([k, v]) => k === LABEL.role || (k === LABEL.model && v === target.name));
}

/**
 * The subset form needs a DestinationRule for host `<name>` in the namespace whose subsets `stable` and
 * `canary` select the roles by the `activationcanary.io/role` label; a problem says what to add.
 */
export function checkDestinationRules(rules: readonly IDestinationRule[], target: RouteTarget): RouteProblem | undefined {
  const subset = (role: 'stable' | 'canary') => `{name: ${role}, labels: {${LABEL.role}: ${role}}}`;
  const forHost = rules.filter((r) => isServiceHost(r.spec?.host, target.name, target.namespace));
  if (forHost.length === 0) {
    return {
      code: 'NoRuleForModel',
      message: `the VirtualService routes to host ${target.name} by subsets, but no DestinationRule in ${target.namespace} has host ${target.name}: ` +
        `create one with host: ${target.name} and subsets [${subset('stable')}, ${subset('canary')}]`,
    };
  }
  if (forHost.some((r) => (['stable', 'canary'] as const).every((role) => selectsRole(r.spec?.subsets?.find((s) => s.name === role), target, role)))) return undefined;
  const rule = forHost[0];
  const fixes = (['stable', 'canary'] as const)
    .filter((role) => !selectsRole(rule?.spec?.subsets?.find((s) => s.name === role), target, role))
    .map((role) => (rule?.spec?.subsets?.some((s) => s.name === role) ? `set the labels of subset ${role} to {${LABEL.role}: ${role}}` : `add the subset ${subset(role)}`));
  return { code: 'NoRuleForModel', message: `DestinationRule ${target.namespace}/${rule?.metadata?.name ?? '?'} (host ${target.name}): ${fixes.join(' and ')}` };
}

/** The subset-form routes need a DestinationRule; true when any model route uses the subset form. */
export function usesSubsets(routes: readonly ModelRoute[]): boolean {
  return routes.some((m) => m.form === 'subset');
}
