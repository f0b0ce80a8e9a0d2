/** The `istio` provider (a VirtualService): being built for issue 10; see router.ts for the contract. */
import type { IstioTraffic } from '../api/generated/modelvariant.ts';
import type { RouterDeps } from './factory.ts';
import type { TrafficRouter } from './router.ts';
import { weightedSplit } from './weighted.ts';

export function createIstioRouter(_spec: IstioTraffic, deps: RouterDeps): TrafficRouter {
  const unsupported = { code: 'Unsupported' as const, message: 'the istio provider is not implemented yet' };
  return {
    provider: 'istio',
    weighted: true,
    replicasFor: (total, weight) => weightedSplit(total, weight, deps.canaryReplicas),
    reconcile: async () => unsupported,
    setRoutes: async () => unsupported,
    getRoutes: async () => unsupported,
    finalize: async () => undefined,
  };
}
