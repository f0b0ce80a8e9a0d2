/**
 * Pure builder of a role's Deployment: the user's pod template with the activation passed in the
 * configured env var of every container, role/variant labels, an ownerReference, and a rolling update
 * that never asks for more GPUs than the Deployment already holds (maxSurge 0, maxUnavailable 1):
 * during a promotion the canary keeps serving while the stable pods are replaced one by one.
 */
import type { V1Container, V1Deployment, V1EnvVar, V1PodTemplateSpec } from '@kubernetes/client-node';
import { stableHash } from './hash.ts';
import { ANNOTATION_APPLIED_HASH, childName, podLabels, modelLabels, roleSelector, type Role } from './names.ts';
import { controllerReference, type OwnerRef } from './owner.ts';

export interface WorkloadInput {
  namespace: string;
  name: string;
  owner: OwnerRef;
  template: V1PodTemplateSpec;
  variantEnv: string;
}

function withVariantEnv(container: V1Container, variantEnv: string, activation: string): V1Container {
  const env: V1EnvVar[] = (container.env ?? []).filter((e) => e.name !== variantEnv);
  return { ...container, env: [...env, { name: variantEnv, value: activation }] };
}

export function buildDeployment(input: WorkloadInput, role: Role, activation: string, replicas: number): V1Deployment {
  const { namespace, name, template, variantEnv } = input;
  const labels = podLabels(name, role, activation);
  const podSpec = template.spec ?? { containers: [] };
  const podTemplate: V1PodTemplateSpec = {
    metadata: {
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      labels: { ...(template.metadata?.labels ?? {}), ...labels },
    },
    spec: {
      ...podSpec,
      containers: podSpec.containers.map((c) => withVariantEnv(c, variantEnv, activation)),
      ...(podSpec.initContainers ? { initContainers: podSpec.initContainers } : {}),
    },
  };
  const spec = {
    replicas,
    selector: { matchLabels: roleSelector(name, role) },
    template: podTemplate,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: childName(name, role),
      namespace,
      labels: { ...modelLabels(name), 'activationcanary.io/role': role },
      annotations: { [ANNOTATION_APPLIED_HASH]: stableHash(spec) },
      ownerReferences: [controllerReference(input.owner)],
    },
    spec,
  };
}

/** The activation a Deployment's pods serve, read back from the env var of its first container. */
export function deployedActivation(deployment: V1Deployment | undefined, variantEnv: string): string | undefined {
  const container = deployment?.spec?.template.spec?.containers[0];
  return container?.env?.find((e) => e.name === variantEnv)?.value;
}
