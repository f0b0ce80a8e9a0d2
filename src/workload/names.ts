/**
 * Deterministic names and labels of everything the operator creates for a ModelVariant: the
 * `<name>-stable` and `<name>-canary` Deployments and Services, and the `<name>` Service selecting
 * both. Names are derived, never stored, so a restarted operator finds its children again.
 */

import { LABEL, type Role } from '../api/types.ts';

export type { Role };

export const LABEL_MODEL = LABEL.model;
export const LABEL_ROLE = LABEL.role;
export const LABEL_VARIANT = LABEL.variant;
export const LABEL_REVISION = LABEL.revision;
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGER = 'activation-canary';
/** Hash of what the operator last applied to a child; equal hash = nothing to apply. */
export const ANNOTATION_APPLIED_HASH = 'activationcanary.io/applied-hash';

/** Longest ModelVariant name whose `-canary` Service name still fits a 63-character DNS label. */
export const MAX_MODEL_NAME_LENGTH = 63 - '-canary'.length;

export function childName(model: string, role: Role): string {
  return `${model}-${role}`;
}

/** Labels on every child object of a ModelVariant. */
export function modelLabels(model: string): Record<string, string> {
  return { [LABEL_MODEL]: model, [LABEL_MANAGED_BY]: MANAGER };
}

/** Selector of one role's pods (immutable on a Deployment: never includes the variant). */
export function roleSelector(model: string, role: Role): Record<string, string> {
  return { [LABEL_MODEL]: model, [LABEL_ROLE]: role };
}

/** Labels of one role's pods, including which activation and template revision they serve. */
export function podLabels(model: string, role: Role | typeof EXPERIMENT_ROLE, activation: string, revision: string): Record<string, string> {
  return { ...modelLabels(model), [LABEL_ROLE]: role, [LABEL_VARIANT]: activation, [LABEL_REVISION]: revision };
}

/** The `experiment` role of a candidate's pods (beside stable and canary; src/controller/plan-experiment.ts). */
export const EXPERIMENT_ROLE = 'experiment';

/** Selector of one experiment candidate's pods (its activation is fixed for the Deployment's life, so it may be in the selector). */
export function experimentSelector(model: string, activation: string): Record<string, string> {
  return { [LABEL_MODEL]: model, [LABEL_ROLE]: EXPERIMENT_ROLE, [LABEL_VARIANT]: activation };
}

/**
 * `<name>-exp-<activation>`: the Deployment and Service of an experiment candidate. An activation's `_`
 * becomes `-` (Service names are DNS labels; activations never contain `-`, so no two collide); the
 * CRD keeps the result within 63 characters.
 */
export function experimentChildName(model: string, activation: string): string {
  return `${model}-exp-${activation.replaceAll('_', '-')}`;
}

/**
 * True when `service` is named like an experiment candidate's child of `model` (`<model>-exp-…`): how
 * a route's backends to candidates are told apart from the user's own (traffic/http-route.ts).
 */
export function isExperimentChildName(model: string, service: string): boolean {
  return service.startsWith(`${model}-exp-`) && service.length > model.length + 5;
}
