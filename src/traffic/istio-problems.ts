/**
 * Why the istio router cannot route a ModelVariant, in one line that says what to fix: the Istio CRDs
 * missing, the VirtualService missing or owned by someone else, no HTTP route for the model (or one
 * without its canary destination), a DestinationRule without the `stable` / `canary` subsets, and
 * apiserver refusals. Also which apiserver errors mean what: a 404 on the resource type (the CRD is
 * not installed) is told apart from a 404 on the object. Pure; istio.ts does the I/O.
 */
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { LABEL } from '../api/types.ts';
import { findModelRoutes, isServiceHost, type HttpRoute, type ModelRoute } from './istio-routes.ts';
import type { RouteProblem, RouteTarget } from './router.ts';

export const VIRTUAL_SERVICES = 'virtualservices.networking.istio.io';
export const DESTINATION_RULES = 'destinationrules.networking.istio.io';

const ISTIO_KINDS: Record<string, string> = { VirtualService: VIRTUAL_SERVICES, DestinationRule: DESTINATION_RULES };

/** Type guard for the unions the istio router's reads return (an object, a list, or a problem). */
export function isProblem(x: unknown): x is RouteProblem {
  const p = x as Partial<RouteProblem> | undefined;
  return !!p && typeof p === 'object' && typeof p.code === 'string' && typeof p.message === 'string';
}

function httpCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function statusBody(err: unknown): { message?: unknown; reason?: unknown; details?: { name?: unknown } } | undefined {
  let body = (err as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return body && typeof body === 'object' ? (body as ReturnType<typeof statusBody>) : undefined;
}

/** The apiserver's own message (a Status body), else the error's, on one line. */
export function apiMessage(err: unknown): string {
  const message = statusBody(err)?.message;
  const text = typeof message === 'string' ? message : err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}

/** A 404 for an object that does not exist (a Status naming it), not for a resource type that does not. */
export function isObjectNotFound(err: unknown): boolean {
  const body = statusBody(err);
  return httpCode(err) === 404 && body?.reason === 'NotFound' && typeof body.details?.name === 'string' && body.details.name !== '';
}

/**
 * The resource type is not served: client-node's discovery of the group version got a 404, found no
 * such kind in it, or the apiserver answered a request with its bare "404 page not found".
 */
export function isTypeNotServed(err: unknown): boolean {
  if (err instanceof Error && err.message.startsWith('Unrecognized API version and kind')) return true;
  return httpCode(err) === 404 && !isObjectNotFound(err);
}

/** The CRD that serves `kind` is not installed. */
export function crdNotInstalled(kind: 'VirtualService' | 'DestinationRule'): RouteProblem {
  return {
    code: 'CRDNotInstalled',
    message: `the Istio CRD ${ISTIO_KINDS[kind]} (version v1, Istio 1.22 or later) is not installed in the cluster: install Istio, or choose another traffic.provider`,
  };
}

/**
 * What an apiserver error means for the route: a CRD not installed, or a refusal (any other 4xx) with
 * the apiserver's message. Undefined for what is not the user's to fix (5xx, network): the caller throws.
 */
export function problemFromError(err: unknown, kind: 'VirtualService' | 'DestinationRule', doing: string): RouteProblem | undefined {
  if (isTypeNotServed(err)) return crdNotInstalled(kind);
  const code = httpCode(err);
  if (code !== undefined && code >= 400 && code < 500) {
    return { code: 'Rejected', message: `the apiserver refused to ${doing} (HTTP ${code}): ${apiMessage(err)}` };
  }
  return undefined;
}

export function virtualServiceNotFound(target: RouteTarget, name: string): RouteProblem {
  return {
    code: 'RouteNotFound',
    message: `VirtualService ${target.namespace}/${name} (traffic.istio.virtualService) does not exist: create it with an HTTP route ` +
      `whose destinations are ${target.stableService} and ${target.canaryService}, or set traffic.istio.hosts instead to let the operator create and own one`,
  };
}

/** A managed VirtualService `<name>` that this ModelVariant does not control: never adopted. */
export function notOurs(target: RouteTarget, owner?: string): RouteProblem {
  return {
    code: 'OwnedByAnother',
    message: `VirtualService ${target.namespace}/${target.name} already exists and ${owner ? `is owned by ${owner}` : 'was not created by this ModelVariant'}; ` +
      `the operator never adopts it: delete or rename it, or set traffic.istio.virtualService: ${target.name} to use it as your own VirtualService`,
  };
}

/** An existing VirtualService that another ModelVariant owns. */
export function ownedByAnotherModel(target: RouteTarget, name: string, owner: string): RouteProblem {
  return {
    code: 'OwnedByAnother',
    message: `VirtualService ${target.namespace}/${name} is owned by ModelVariant ${owner}, not by ${target.name}: ` +
      `give this ModelVariant a VirtualService of its own (traffic.istio.virtualService or traffic.istio.hosts)`,
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
