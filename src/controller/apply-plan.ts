/**
 * Applies a plan's workloads through a `ChildWriter`: the Services, a ControllerRevision for every
 * template that runs (so stable can be rebuilt exactly after spec.template moved on), the stable and
 * canary Deployments built from the template of the variant each role should serve, the canary's
 * removal, an experiment's candidates (apply-experiment.ts), and the garbage collection of revisions
 * nothing refers to any more.
 */
import type { V1ControllerRevision, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { LABEL_MODEL, LABEL_REVISION, LABEL_ROLE, LABEL_VARIANT, LABEL_MANAGED_BY, childName, type Role } from '../workload/names.ts';
import { buildDeployment, deployedVariant, type WorkloadInput } from '../workload/deployment.ts';
import { buildControllerRevision, revisionName, revisionTemplate } from '../workload/revision.ts';
import { buildServices, type servicePorts } from '../workload/service.ts';
import { applyExperiment } from './apply-experiment.ts';
import type { ChildWriter } from './children.ts';
import type { Caches } from './context.ts';
import { childrenOf } from './model-index.ts';
import type { Plan, Variant } from './model.ts';

export interface ApplyInput extends WorkloadInput {
  /** The desired variant and its template (spec.template). */
  desired: Variant & { template: V1PodTemplateSpec };
  /** Revisions still referred to by status (stable, canary). */
  keepRevisions: string[];
  ports: ReturnType<typeof servicePorts>;
}

/**
 * The pod template of a variant: spec.template for the desired revision, else the ControllerRevision
 * that keeps it, else (a revision lost before it was kept) the live Deployment that runs it, with the
 * operator's labels and env var taken out.
 */
export function templateFor(caches: Caches, input: ApplyInput, variant: Variant): V1PodTemplateSpec | undefined {
  if (variant.revision === input.desired.revision) return input.desired.template;
  const kept = revisionTemplate(caches.revisions.get(input.namespace, revisionName(input.name, variant.revision)));
  if (kept) return kept;
  for (const role of ['stable', 'canary'] as Role[]) {
    const d = caches.deployments.get(input.namespace, childName(input.name, role));
    if (deployedVariant(d, input.variantEnv)?.revision !== variant.revision || !d?.spec?.template) continue;
    const t = structuredClone(d.spec.template);
    for (const key of [LABEL_MODEL, LABEL_ROLE, LABEL_VARIANT, LABEL_REVISION, LABEL_MANAGED_BY]) delete t.metadata?.labels?.[key];
    for (const c of t.spec?.containers ?? []) c.env = c.env?.filter((e) => e.name !== input.variantEnv);
    return t;
  }
  return undefined;
}

export async function applyPlan(caches: Caches, writer: ChildWriter, p: Plan, input: ApplyInput, log: Logger): Promise<void> {
  const { namespace, name, owner } = input;
  if (p.stable) {
    for (const svc of buildServices({ namespace, name, owner, ports: input.ports })) {
      const result = await writer.ensure(svc, caches.services.get(namespace, svc.metadata?.name ?? ''));
      if (result !== 'unchanged') log.info({ service: svc.metadata?.name, result }, `Service ${result}`);
    }
  }
  const revisions = childrenOf(caches.revisions, namespace, name);
  const nextSequence = 1 + Math.max(0, ...revisions.map((r) => Number(r.revision) || 0));
  const ensureRole = async (role: Role, intent: NonNullable<Plan['stable']>) => {
    const template = templateFor(caches, input, intent.variant);
    const deploymentName = childName(name, role);
    if (!template) {
      writer.problems.push({ code: 'Rejected', kind: 'Deployment', name: deploymentName, status: 0,
        message: `the pod template of revision ${intent.variant.revision} (${role}) is lost: its ControllerRevision ${revisionName(name, intent.variant.revision)} was deleted and no Deployment runs it` });
      return;
    }
    const revision = buildControllerRevision({ namespace, name, owner, template, revision: intent.variant.revision, sequence: nextSequence });
    const kept = caches.revisions.get(namespace, revision.metadata?.name ?? '');
    if (!kept) await writer.ensure<V1ControllerRevision>(revision, undefined);
    const want = buildDeployment(input, role, { ...intent.variant, template }, intent.replicas);
    const result = await writer.ensure(want, caches.deployments.get(namespace, deploymentName));
    if (result !== 'unchanged') log.info({ deployment: deploymentName, activation: intent.variant.activation, revision: intent.variant.revision, replicas: intent.replicas }, `Deployment ${result}`);
  };
  if (p.stable) await ensureRole('stable', p.stable);
  if (p.canary) await ensureRole('canary', p.canary);
  else if (p.canary === null) {
    const canaryName = childName(name, 'canary');
    const result = await writer.remove({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: canaryName, namespace } }, caches.deployments.get(namespace, canaryName));
    if (result === 'deleted') log.info({ deployment: canaryName }, 'Deleted canary Deployment');
  }
  await applyExperiment(caches, writer, p, input, log);
  // Revisions nothing refers to any more: not the desired one, not one status names, not one that runs.
  const inUse = new Set([input.desired.revision, ...input.keepRevisions, p.stable?.variant.revision, p.canary?.variant.revision].filter((r): r is string => !!r));
  for (const r of revisions) {
    const revision = r.metadata?.labels?.[LABEL_REVISION];
    if (revision && !inUse.has(revision)) {
      await writer.remove({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: r.metadata?.name ?? '', namespace } }, r);
    }
  }
}
