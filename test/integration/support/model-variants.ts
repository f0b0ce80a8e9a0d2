/**
 * Small helpers for tests that drive ModelVariants on the real cluster: create one, change its
 * activation or patch its spec, send a signal, read its status, events and Deployments, and wait for
 * what a user would wait for.
 */
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION, type ModelVariant, type ModelVariantSpec } from '../../../src/api/types.ts';
import { eventually, kubeConfig } from '../../harness/env.ts';

const api = () => kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);
const apps = () => kubeConfig().makeApiClient(k8s.AppsV1Api);

export function gpuTemplate(gpus = 1, resource = 'nvidia.com/gpu'): ModelVariantSpec['template'] {
  return {
    metadata: { labels: { app: 'model' } },
    spec: { containers: [{ name: 'server', image: 'example.com/model-server:1.0', ports: [{ name: 'http', containerPort: 8080 }],
      resources: { limits: { [resource]: String(gpus) } } }] },
  };
}

export async function createModelVariant(namespace: string, name: string, spec: ModelVariantSpec): Promise<ModelVariant> {
  return (await api().createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace,
    body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, spec } })) as ModelVariant;
}

export async function getModelVariant(namespace: string, name: string): Promise<ModelVariant> {
  return (await api().getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, name })) as ModelVariant;
}

async function mergePatch(namespace: string, name: string, body: object): Promise<void> {
  await api().patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
}

export const setActivation = (namespace: string, name: string, activation: string) => mergePatch(namespace, name, { spec: { activation } });

let signals = 0;
export const signal = (namespace: string, name: string, verb: string) =>
  mergePatch(namespace, name, { metadata: { annotations: { 'activationcanary.io/signal': `${verb}@test-${Date.now()}-${++signals}` } } });

/** Waits until the status satisfies `pred`; the failure message shows the last status seen. */
export async function waitForStatus(namespace: string, name: string, what: string, pred: (s: NonNullable<ModelVariant['status']>) => boolean, timeoutMs = 90_000) {
  let last: unknown;
  return eventually(`${namespace}/${name} ${what}`, async () => {
    const mv = await getModelVariant(namespace, name);
    last = mv.status;
    return mv.status && pred(mv.status) ? mv.status : undefined;
  }, timeoutMs).catch((err: Error) => { throw new Error(`${err.message}\nlast status: ${JSON.stringify(last, null, 1)}`, { cause: err }); });
}

export async function eventReasons(namespace: string, name: string): Promise<string[]> {
  return (await modelVariantEvents(namespace, name)).map((e) => e.reason);
}

/**
 * The reasons of the ModelVariant's Events once every one of `expected` is among them. The operator
 * records an Event just after the status write a test waits for, so reading Events right after
 * `waitForStatus` races it; this waits (default 15 s) and, on timeout, names the reasons it saw.
 */
export async function eventReasonsIncluding(namespace: string, name: string, expected: string[], timeoutMs = 15_000): Promise<string[]> {
  let last: string[] = [];
  return eventually(`${namespace}/${name} Events ${expected.join(', ')}`, async () => {
    last = await eventReasons(namespace, name);
    return expected.every((r) => last.includes(r)) ? last : undefined;
  }, timeoutMs).catch((err: Error) => { throw new Error(`${err.message}\nreasons seen: ${last.join(', ')}`, { cause: err }); });
}

/**
 * The reasons of the ModelVariant's Events once no new one came for `quietMs` (up to `timeoutMs`): for a
 * test that reads every Event of a settled rollout without knowing the last one to expect. The operator
 * sends Events off the reconcile path, just after the status write the test saw.
 */
export async function settledEventReasons(namespace: string, name: string, quietMs = 500, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let last = await eventReasons(namespace, name);
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await eventReasons(namespace, name);
    if (now.length === last.length || Date.now() > deadline) return now;
    last = now;
  }
}

export async function deployment(namespace: string, name: string): Promise<k8s.V1Deployment | undefined> {
  try {
    return await apps().readNamespacedDeployment({ namespace, name });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export function activationOf(d: k8s.V1Deployment | undefined, env = 'ACTIVATION'): string | undefined {
  return d?.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === env)?.value;
}

/** The image and extra env of the model server container; no extended resource unless `limits` asks for one. */
export function modelTemplate(opts: { image?: string; env?: k8s.V1EnvVar[]; limits?: Record<string, string> } = {}): ModelVariantSpec['template'] {
  return {
    metadata: { labels: { app: 'model' } },
    spec: { containers: [{ name: 'server', image: opts.image ?? 'example.com/model-server:1.0', ports: [{ name: 'http', containerPort: 8080 }],
      ...(opts.env ? { env: opts.env } : {}), ...(opts.limits ? { resources: { limits: opts.limits } } : {}) }] },
  };
}

/** A JSON merge patch of the ModelVariant (arrays, such as the template's containers, are replaced whole). */
export const patchModelVariant = mergePatch;

export interface ModelVariantEvent {
  type: string;
  reason: string;
  message: string;
}

/** The Events recorded for a ModelVariant, oldest first. */
export async function modelVariantEvents(namespace: string, name: string): Promise<ModelVariantEvent[]> {
  const events = await core().listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name},involvedObject.kind=${KIND}` });
  return events.items
    .sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)))
    .map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '' }));
}

/**
 * The ModelVariant's events once every one of `reasons` is among them: the operator records events just
 * after the status they go with, so a test that has seen the status may read the events a moment early.
 */
export async function eventsOnceRecorded(namespace: string, name: string, reasons: string[]): Promise<ModelVariantEvent[]> {
  return eventually(`events ${reasons.join(', ')} of ${namespace}/${name}`, async () => {
    const events = await modelVariantEvents(namespace, name);
    return reasons.every((r) => events.some((e) => e.reason === r)) ? events : undefined;
  });
}

type Status = NonNullable<ModelVariant['status']>;

/** One condition of a status, by type. */
export function conditionOf(status: Status | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}

/** The image and env of every container of a Deployment's pod template: what its pods run. */
export function podTemplateOf(d: k8s.V1Deployment | undefined): { name: string; image: string | undefined; env: k8s.V1EnvVar[] }[] {
  return (d?.spec?.template.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image, env: c.env ?? [] }));
}

export function imageOf(d: k8s.V1Deployment | undefined): string | undefined {
  return d?.spec?.template.spec?.containers[0]?.image;
}
