/**
 * Applies an experiment's candidates through the same `ChildWriter` as every other child (so drift is
 * repaired and refusals are reported in ChildrenReconciled): for each candidate the plan asks for, the
 * Service and the Deployment `<name>-exp-<activation>` (role `experiment`, the desired template with
 * the candidate's activation); every other cached candidate Deployment or Service of this ModelVariant
 * (labelled role `experiment`) is deleted, so after the decision, or when the experiment is removed from
 * the spec, nothing of it is left running.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { buildExperimentDeployment } from '../workload/deployment.ts';
import { EXPERIMENT_ROLE, LABEL_ROLE, experimentChildName } from '../workload/names.ts';
import { buildExperimentService } from '../workload/service.ts';
import { templateFor, type ApplyInput } from './apply-plan.ts';
import type { ChildWriter } from './children.ts';
import type { Caches } from './context.ts';
import { childrenOf } from './model-index.ts';
import type { Plan } from './model.ts';

export async function applyExperiment(caches: Caches, writer: ChildWriter, p: Plan, input: ApplyInput, log: Logger): Promise<void> {
  const { namespace, name, owner } = input;
  const wanted = new Set<string>();
  for (const intent of p.experiment ?? []) {
    const { activation } = intent.variant;
    const child = experimentChildName(name, activation);
    wanted.add(child);
    const template = templateFor(caches, input, intent.variant);
    if (!template) {
      writer.problems.push({ code: 'Rejected', kind: 'Deployment', name: child, status: 0,
        message: `the pod template of revision ${intent.variant.revision} (experiment candidate ${activation}) is lost: no ControllerRevision or Deployment keeps it` });
      continue;
    }
    const service = buildExperimentService({ namespace, name, owner, ports: input.ports }, activation);
    const serviceResult = await writer.ensure(service, caches.services.get(namespace, child));
    if (serviceResult !== 'unchanged') log.info({ service: child, result: serviceResult }, `Service ${serviceResult}`);
    const deployment = buildExperimentDeployment(input, { ...intent.variant, template }, intent.replicas);
    const result = await writer.ensure(deployment, caches.deployments.get(namespace, child));
    if (result !== 'unchanged') log.info({ deployment: child, activation, replicas: intent.replicas }, `Experiment Deployment ${result}`);
  }
  const leftover = (o: KubernetesObject) => o.metadata?.labels?.[LABEL_ROLE] === EXPERIMENT_ROLE && !wanted.has(o.metadata.name ?? '');
  for (const d of childrenOf(caches.deployments, namespace, name).filter(leftover)) {
    const result = await writer.remove({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: d.metadata?.name ?? '', namespace } }, d);
    if (result === 'deleted') log.info({ deployment: d.metadata?.name }, 'Deleted experiment Deployment');
  }
  for (const s of childrenOf(caches.services, namespace, name).filter(leftover)) {
    const result = await writer.remove({ apiVersion: 'v1', kind: 'Service', metadata: { name: s.metadata?.name ?? '', namespace } }, s);
    if (result === 'deleted') log.info({ service: s.metadata?.name }, 'Deleted experiment Service');
  }
}
