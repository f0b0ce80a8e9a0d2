/**
 * Pure builders of the Services: `<name>` selects every serving pod of the model (the `replicas`
 * provider splits traffic by ready replicas behind it, experiment candidates included), `<name>-stable`
 * and `<name>-canary` select one role each (the targets of a mesh or Gateway API route), and
 * `<name>-exp-<activation>` one experiment candidate.
 */
import type { V1Container, V1ContainerPort, V1PodTemplateSpec, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { stableHash } from './hash.ts';
import {
  ANNOTATION_APPLIED_HASH, EXPERIMENT_ROLE, LABEL_MODEL, LABEL_ROLE, LABEL_VARIANT, childName, experimentChildName, experimentSelector, modelLabels, roleSelector, type Role,
} from './names.ts';
import { controllerReference, type OwnerRef } from './owner.ts';
import { objectsIn } from './template-shape.ts';

/** Port used when neither the traffic config nor the template declares one. */
export const DEFAULT_SERVING_PORT = 8080;

/** The Service ports: the template's declared container ports, else the traffic port, else 8080. */
export function servicePorts(template: V1PodTemplateSpec, trafficPort?: number): V1ServicePort[] {
  const declared = objectsIn<V1Container>(template.spec?.containers).flatMap((c) => objectsIn<V1ContainerPort>(c.ports)).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  if (declared.length > 0) {
    return declared.map((p, i) => ({ name: p.name ?? `port-${i}`, port: p.containerPort, targetPort: p.name ?? p.containerPort, protocol: 'TCP' }));
  }
  const port = trafficPort ?? DEFAULT_SERVING_PORT;
  return [{ name: 'http', port, targetPort: port, protocol: 'TCP' }];
}

export interface ServiceInput {
  namespace: string;
  name: string;
  owner: { apiVersion: string; kind: string; name: string; uid: string };
  ports: V1ServicePort[];
}

function service(input: ServiceInput, name: string, selector: Record<string, string>, labels: Record<string, string> = {}): V1Service {
  const spec = { selector, ports: input.ports, type: 'ClusterIP' };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: input.namespace,
      labels: { ...modelLabels(input.name), ...labels },
      annotations: { [ANNOTATION_APPLIED_HASH]: stableHash(spec) },
      ownerReferences: [controllerReference(input.owner as OwnerRef)],
    },
    spec,
  };
}

/** The three Services of a ModelVariant, in a fixed order. */
export function buildServices(input: ServiceInput): V1Service[] {
  const roles: Role[] = ['stable', 'canary'];
  return [
    service(input, input.name, { [LABEL_MODEL]: input.name }),
    ...roles.map((role) => service(input, childName(input.name, role), roleSelector(input.name, role))),
  ];
}

/**
 * The Service `<name>-exp-<activation>` of an experiment candidate, selecting its pods only; it carries
 * the role and variant labels so the operator finds it again (and removes it after the decision).
 */
export function buildExperimentService(input: ServiceInput, activation: string): V1Service {
  const selector = experimentSelector(input.name, activation);
  return service(input, experimentChildName(input.name, activation), selector, { [LABEL_ROLE]: EXPERIMENT_ROLE, [LABEL_VARIANT]: activation });
}
