/**
 * An activation experiment through the gatewayAPI provider on the real control plane (Gateway API CRDs
 * installed by the harness, pods Ready 2 s after they start, no traffic, so the experiment ends
 * Inconclusive at its duration of 10 s). A sampler reads, every 150 ms and in this order, the candidates'
 * Deployments, the live HTTPRoute (raw, not through the router) and the Deployments again: while
 * measuring the route gives each candidate's Service `<name>-exp-<activation>` exactly its weight and
 * stable the rest; it never gives a candidate weight without a ready pod; a candidate's Deployment is
 * never gone while the route still has a backend to it; after the decision the route is back to the
 * two roles and the candidates' Deployments and Services are deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { clusterState, createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { withPodLifecycle } from '../harness/pod-lifecycle.ts';
import { createModelVariant, deployment, modelTemplate, waitForStatus } from './support/model-variants.ts';

const MODEL = 'exp-gw';
const CANDIDATES = { gelu: 10, silu: 20 } as const;
const SERVICES = Object.keys(CANDIDATES).map((a) => `${MODEL}-exp-${a}`);

interface Sample {
  /** Backend name → weight, over the route's rules (one rule in managed mode). */
  backends: Record<string, number>;
  /** Ready pods of each candidate Deployment read after the route; undefined: it is gone. */
  readyAfter: Record<string, number | undefined>;
  /** Candidate Deployments that existed just before the route was read. */
  existedBefore: Record<string, boolean>;
}

let operator: RunningOperator;
let ns: string;
const custom = () => kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const core = () => kubeConfig().makeApiClient(k8s.CoreV1Api);

async function readBackends(): Promise<Record<string, number>> {
  const route = await custom().getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', namespace: ns, name: MODEL })
    .catch(() => undefined) as { spec?: { rules?: { backendRefs?: { name: string; weight?: number }[] }[] } } | undefined;
  return Object.fromEntries((route?.spec?.rules ?? []).flatMap((r) => r.backendRefs ?? []).map((b) => [b.name, b.weight ?? 1]));
}

beforeAll(async () => {
  ns = await createTestNamespace('experiment-routes');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
}, 60_000);

afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
});

describe('an experiment through the gatewayAPI provider', () => {
  it('routes each candidate exactly its weight once ready, and removes them from the HTTPRoute before deleting them', async () => {
    const samples: Sample[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const before = await Promise.all(SERVICES.map((s) => deployment(ns, s)));
        const backends = await readBackends();
        const after = await Promise.all(SERVICES.map((s) => deployment(ns, s)));
        samples.push({
          backends,
          existedBefore: Object.fromEntries(SERVICES.map((s, i) => [s, !!before[i]])),
          readyAfter: Object.fromEntries(SERVICES.map((s, i) => [s, after[i] ? after[i]?.status?.readyReplicas ?? 0 : undefined])),
        });
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      await createModelVariant(ns, MODEL, {
        activation: 'relu', replicas: 2, template: withPodLifecycle(modelTemplate(), { readyDelay: '2s' }),
        traffic: { provider: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public', namespace: 'infra' }], port: 8080 } },
        strategy: {
          steps: [{ setWeight: 50, pause: '1s' }],
          analysis: { interval: '2s', prometheus: { address: clusterState().prometheusUrl, timeout: '2s' }, slis: [{ name: 'accuracy', builtin: 'accuracy', min: 0.2 }] },
          experiment: {
            candidates: Object.entries(CANDIDATES).map(([activation, weight]) => ({ activation, weight })), duration: '10s', minSamples: 4,
            slis: [{ name: 'accuracy', minimumEffect: { absolute: 0.05 } }], rankBy: [{ sli: 'accuracy', prefer: 'higher' }],
          },
        },
      });
      const measuring = await waitForStatus(ns, MODEL, 'measuring', (s) => !!s.experiment?.startedAt);
      expect(measuring.message).toMatch(/gelu 10% \(1 pod\(s\)\), silu 20% \(1 pod\(s\)\)/);
      // Measuring starts only once the live route reads the candidates' weights back.
      expect(await readBackends()).toEqual({ [`${MODEL}-stable`]: 70, [`${MODEL}-canary`]: 0, [`${MODEL}-exp-gelu`]: 10, [`${MODEL}-exp-silu`]: 20 });
      const final = await waitForStatus(ns, MODEL, 'decided', (s) => s.experiment?.phase === 'Decided' && s.phase === 'Healthy', 60_000);
      expect(final.experiment).toMatchObject({ reason: 'Inconclusive' });
      for (const name of SERVICES) {
        await eventually(`${name} deleted`, async () => ((await deployment(ns, name)) ? undefined : true), 20_000);
        await eventually(`Service ${name} deleted`, async () => (await core().readNamespacedService({ namespace: ns, name }).then(() => undefined, () => true)), 20_000);
      }
    } finally {
      sampling = false;
      await sampler;
    }
    expect(await readBackends()).toEqual({ [`${MODEL}-stable`]: 100, [`${MODEL}-canary`]: 0 });

    const routedWithoutReadyPod = samples.flatMap((s) => SERVICES.filter((name) => (s.backends[name] ?? 0) > 0 && !s.readyAfter[name]).map((name) => `${name} ${s.backends[name]}%`));
    expect(routedWithoutReadyPod).toEqual([]);
    // Gone (after it had existed) while the route, read after, still names it.
    const deletedWhileRouted = samples.flatMap((s, i) => SERVICES.filter((name) => {
      const created = samples.findIndex((x) => x.existedBefore[name]);
      return created >= 0 && i > created && !s.existedBefore[name] && name in s.backends;
    }).map((name) => `${name} (sample ${i})`));
    expect(deletedWhileRouted).toEqual([]);
    expect(samples.some((s) => s.backends[`${MODEL}-exp-silu`] === 20 && s.backends[`${MODEL}-stable`] === 70)).toBe(true);
  }, 90_000);
});
