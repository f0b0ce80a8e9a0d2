/**
 * Picks the traffic router for a ModelVariant's `spec.traffic` (after Flagger's router factory): the
 * `replicas` provider (no mesh), `gatewayAPI` (an HTTPRoute) or `istio` (a VirtualService). Routers
 * are cheap values built per reconcile from the spec; the route objects they act on are the state.
 */
import type { KubernetesObjectApi } from '@kubernetes/client-node';
import type { Traffic } from '../api/generated/modelvariant.ts';
import { createGatewayApiRouter } from './gateway-api.ts';
import { createIstioRouter } from './istio.ts';
import { createReplicasRouter } from './replicas.ts';
import type { TrafficRouter } from './router.ts';

export interface RouterDeps {
  /** Reads and writes route objects (HTTPRoute, VirtualService, DestinationRule). */
  objects: KubernetesObjectApi;
  /** strategy.canaryReplicas: the canary's fixed pod count below 100 % for weighted routers. */
  canaryReplicas?: number;
}

/** The router for `traffic` (defaults resolved: provider set, and its block present as the CRD requires). */
export function createRouter(traffic: Traffic, deps: RouterDeps): TrafficRouter {
  if (traffic.provider === 'gatewayAPI' && traffic.gatewayAPI) return createGatewayApiRouter(traffic.gatewayAPI, deps);
  if (traffic.provider === 'istio' && traffic.istio) return createIstioRouter(traffic.istio, deps);
  return createReplicasRouter();
}
