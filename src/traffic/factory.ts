/**
 * Picks the traffic router for a ModelVariant's `spec.traffic.provider`. Providers other than
 * `replicas` arrive in their own issue; asking for one gives a clear, typed error for the status.
 */
import { createReplicasRouter } from './replicas.ts';
import type { TrafficRouter } from './router.ts';

export type RouterError = { code: 'UnsupportedProvider'; message: string };

export function createRouter(provider: string): TrafficRouter | RouterError {
  if (provider === 'replicas') return createReplicasRouter();
  return {
    code: 'UnsupportedProvider',
    message: `traffic provider "${provider}" is not implemented yet in this operator version; use provider: replicas`,
  };
}
