/**
 * Pure builder of a role's Deployment (and of an experiment candidate's, `<name>-exp-<activation>`): a variant's pod template (the user's, as kept for that revision)
 * with the activation passed in the configured env var of every container, role/variant/revision
 * labels, an ownerReference, and a rolling update that never asks for more GPUs than the Deployment
 * already holds (maxSurge 0, maxUnavailable 1). The planner counts the pod such an update takes down
 * before it moves anything else, and promotion adds a canary pod first when one pod fewer would break
 * the serving floor (see docs/operator.md, Invariants, for the one exception).
 */
import type { V1Container, V1Deployment, V1EnvVar, V1PodTemplateSpec } from '@kubernetes/client-node';
import { stableHash } from './hash.ts';
import {
  ANNOTATION_APPLIED_HASH, EXPERIMENT_ROLE, LABEL_REVISION, LABEL_VARIANT, childName, experimentChildName, experimentSelector, podLabels, modelLabels, roleSelector, type Role,
} from './names.ts';
import { controllerReference, type OwnerRef } from './owner.ts';
import { objectsIn } from './template-shape.ts';

export interface WorkloadInput {
  namespace: string;
  name: string;
  owner: OwnerRef;
  variantEnv: string;
}

/** A variant with the pod template its revision names. */
export interface VariantTemplate {
  activation: string;
  revision: string;
  template: V1PodTemplateSpec;
}

function withVariantEnv(container: V1Container, variantEnv: string, activation: string): V1Container {
  // A template of the wrong shape (templateShapeProblems) is reported as an invalid spec; the builder just never throws.
  const env: V1EnvVar[] = objectsIn<V1EnvVar>(container.env).filter((e) => e.name !== variantEnv);
  return { ...container, env: [...env, { name: variantEnv, value: activation }] };
}

export function buildDeployment(input: WorkloadInput, role: Role, variant: VariantTemplate, replicas: number): V1Deployment {
  return buildWorkload(input, { name: childName(input.name, role), role, selector: roleSelector(input.name, role) }, variant, replicas);
}

/** The Deployment `<name>-exp-<activation>` of an experiment candidate (role `experiment`, selected by its activation too). */
export function buildExperimentDeployment(input: WorkloadInput, variant: VariantTemplate, replicas: number): V1Deployment {
  return buildWorkload(input, { name: experimentChildName(input.name, variant.activation), role: EXPERIMENT_ROLE, selector: experimentSelector(input.name, variant.activation) },
    variant, replicas);
}

interface WorkloadIdentity {
  name: string;
  role: Role | typeof EXPERIMENT_ROLE;
  selector: Record<string, string>;
}

function buildWorkload(input: WorkloadInput, identity: WorkloadIdentity, variant: VariantTemplate, replicas: number): V1Deployment {
  const { namespace, name, variantEnv } = input;
  const { template, activation, revision } = variant;
  const labels = podLabels(name, identity.role, activation, revision);
  const podSpec = template.spec ?? { containers: [] };
  const podTemplate: V1PodTemplateSpec = {
    metadata: {
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      labels: { ...(template.metadata?.labels ?? {}), ...labels },
    },
    spec: { ...podSpec, containers: podSpec.containers.map((c) => withVariantEnv(c, variantEnv, activation)) },
  };
  const spec = {
    replicas,
    selector: { matchLabels: identity.selector },
    template: podTemplate,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: identity.name,
      namespace,
      labels: { ...modelLabels(name), 'activationcanary.io/role': identity.role },
      annotations: { [ANNOTATION_APPLIED_HASH]: stableHash(spec) },
      ownerReferences: [controllerReference(input.owner)],
    },
    spec,
  };
}

/**
 * The variant a Deployment's pod template serves: the activation from the env var of its first
 * container, the revision from its pod label. Undefined when either is missing (a Deployment written
 * before revisions existed, or edited by hand).
 */
export function deployedVariant(deployment: V1Deployment | undefined, variantEnv: string): { activation: string; revision: string } | undefined {
  const template = deployment?.spec?.template;
  const activation = objectsIn<V1EnvVar>(template?.spec?.containers[0]?.env).find((e) => e.name === variantEnv)?.value ?? template?.metadata?.labels?.[LABEL_VARIANT];
  const revision = template?.metadata?.labels?.[LABEL_REVISION];
  return activation && revision ? { activation, revision } : undefined;
}
