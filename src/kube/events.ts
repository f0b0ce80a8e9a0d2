/**
 * Kubernetes Events for a ModelVariant (core/v1, so `kubectl describe mv` and `kubectl get events`
 * show them), with distinct CamelCase reasons per transition. A failed event write is logged, never
 * fatal: events explain, status decides.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, KIND } from '../api/types.ts';

export interface EventTarget {
  namespace: string;
  name: string;
  uid: string;
}

export interface EventRecorder {
  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export function createEventRecorder(core: CoreV1Api, logger: Logger, component = 'activation-canary', now = () => new Date()): EventRecorder {
  let seq = 0;
  return {
    async record(target, type, reason, message) {
      const at = now();
      const name = `${target.name}.${at.getTime().toString(16)}${(seq++ % 4096).toString(16).padStart(3, '0')}`;
      try {
        await core.createNamespacedEvent({
          namespace: target.namespace,
          body: {
            metadata: { name, namespace: target.namespace },
            involvedObject: { apiVersion: API_VERSION, kind: KIND, name: target.name, namespace: target.namespace, uid: target.uid },
            type, reason, message: message.slice(0, 1024),
            source: { component }, reportingComponent: component, reportingInstance: component,
            firstTimestamp: at, lastTimestamp: at, count: 1,
          },
        });
      } catch (err) {
        logger.warn({ err: String(err), reason, modelVariant: `${target.namespace}/${target.name}` }, 'Failed to record event');
      }
    },
  };
}
