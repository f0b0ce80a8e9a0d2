/**
 * Samples a live route object (an HTTPRoute or a VirtualService) every `everyMs`, read raw from the
 * apiserver (not through the routers under test), together with the canary's ready pods: what share
 * the route gives the canary, whether it carries a header route or a mirror, and whether that ever
 * points at a canary with no ready pod. Also times each weight change against the step that asked for
 * it (status.stepStartedAt), for the "step start → route carries the weight" figure.
 */
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type ModelVariant } from '../../../src/api/types.ts';
import { kubeConfig } from '../../harness/env.ts';

export type RouteKind = 'httproutes' | 'virtualservices';

export interface RouteSample {
  at: number;
  /** Canary share of ordinary requests, percent; undefined when the route is missing or has no rule for the model. */
  weight?: number;
  header: boolean;
  mirror?: number;
  canaryReady: number;
  stepStartedAt?: string;
}

interface Ref { name?: string; host?: string; subset?: string; weight?: number }

/** Canary weight, header route and mirror of a route object for `model`, read the way a gateway or a mesh would. */
export function readRaw(kind: RouteKind, obj: Record<string, unknown>, model: string): Pick<RouteSample, 'weight' | 'header' | 'mirror'> {
  const isStable = (r: Ref) => (kind === 'httproutes' ? r.name : r.host?.split('.')[0]) === `${model}-stable` || (r.host?.split('.')[0] === model && r.subset === 'stable');
  const isCanary = (r: Ref) => (kind === 'httproutes' ? r.name : r.host?.split('.')[0]) === `${model}-canary` || (r.host?.split('.')[0] === model && r.subset === 'canary');
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const rules = ((kind === 'httproutes' ? spec.rules : spec.http) ?? []) as Record<string, unknown>[];
  const refs = (rule: Record<string, unknown>): Ref[] => (kind === 'httproutes'
    ? (rule.backendRefs ?? []) as Ref[]
    : ((rule.route ?? []) as { destination?: Ref; weight?: number }[]).map((d) => ({ ...d.destination, ...(d.weight !== undefined ? { weight: d.weight } : {}) })));
  const header = rules.some((r) => refs(r).length > 0 && refs(r).every(isCanary) && JSON.stringify(r.matches ?? r.match ?? []).includes('header'));
  const main = rules.find((r) => refs(r).some(isStable));
  if (!main) return { header };
  const w = (pred: (r: Ref) => boolean) => refs(main).filter(pred).reduce((n, r) => n + (r.weight ?? (kind === 'httproutes' ? 1 : 100)), 0);
  const total = w(isStable) + w(isCanary);
  let mirror: number | undefined;
  if (kind === 'httproutes') {
    const f = ((main.filters ?? []) as { type?: string; requestMirror?: { percent?: number; fraction?: { numerator: number; denominator?: number } } }[]).find((x) => x.type === 'RequestMirror');
    if (f) mirror = f.requestMirror?.percent ?? (f.requestMirror?.fraction ? (100 * f.requestMirror.fraction.numerator) / (f.requestMirror.fraction.denominator ?? 100) : 100);
  } else if (main.mirror) {
    mirror = ((main.mirrorPercentage ?? { value: 100 }) as { value: number }).value;
  }
  return { weight: total === 0 ? 0 : Math.round((100 * w(isCanary)) / total), header, ...(mirror !== undefined ? { mirror } : {}) };
}

export interface RouteSampler {
  samples: RouteSample[];
  stop(): Promise<RouteSample[]>;
}

export function startRouteSampler(opts: { namespace: string; model: string; kind: RouteKind; route: string; everyMs?: number }): RouteSampler {
  const custom = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  const [group, version] = opts.kind === 'httproutes' ? ['gateway.networking.k8s.io', 'v1'] : ['networking.istio.io', 'v1'];
  const samples: RouteSample[] = [];
  let stopped = false;
  const readyCanaryPods = async () => (await core.listNamespacedPod({ namespace: opts.namespace, labelSelector: `activationcanary.io/model=${opts.model},activationcanary.io/role=canary` }))
    .items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  // The route is read between two reads of the pods, one after the other, and the sample keeps the larger
  // count: reads made side by side could pair a route from just before a move with pods from just after
  // it (a false "routed to an empty canary"), while a correct operator has ready pods at one end of the
  // sample at least. The price: a violation is caught only once it lasts a whole sample (three reads,
  // tens of ms); a shorter one is seen by the next sample only if it is still there.
  const sample = async () => {
    const readyBefore = await readyCanaryPods();
    const at = Date.now();
    const route = await custom.getNamespacedCustomObject({ group, version, plural: opts.kind, namespace: opts.namespace, name: opts.route }).catch(() => undefined) as Record<string, unknown> | undefined;
    const readyAfter = await readyCanaryPods();
    // Read last: the status of the step that asked for the weight the route carries.
    const mv = await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: opts.namespace, name: opts.model }).catch(() => undefined) as ModelVariant | undefined;
    const stepStartedAt = mv?.status?.stepStartedAt;
    samples.push({ at, ...(route ? readRaw(opts.kind, route, opts.model) : { header: false }), canaryReady: Math.max(readyBefore, readyAfter), ...(stepStartedAt ? { stepStartedAt } : {}) });
  };
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await new Promise((r) => setTimeout(r, opts.everyMs ?? 200));
    }
  })();
  // Stopping takes one last sample, so the state the caller waited for is in the samples even when the
  // loop slept through it.
  return { samples, async stop() { stopped = true; await loop; await sample(); return samples; } };
}

/** Samples where the route sends requests (weight, header or mirror) to a canary with no ready pod. */
export function routedToEmptyCanary(samples: RouteSample[]): RouteSample[] {
  return samples.filter((s) => ((s.weight ?? 0) > 0 || s.header || (s.mirror ?? 0) > 0) && s.canaryReady === 0);
}

/** The distinct canary weights the route carried, in order of first appearance. */
export function weightsCarried(samples: RouteSample[]): number[] {
  const out: number[] = [];
  for (const s of samples) if (s.weight !== undefined && out.at(-1) !== s.weight) out.push(s.weight);
  return out;
}

/** Seconds from each step's start (status.stepStartedAt) to the first sample whose route carries a new weight. */
export function stepToRouteSeconds(samples: RouteSample[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1] as RouteSample, samples[i] as RouteSample];
    if (b.weight !== undefined && a.weight !== undefined && b.weight > a.weight && b.stepStartedAt) out.push((b.at - Date.parse(b.stepStartedAt)) / 1000);
  }
  return out;
}
