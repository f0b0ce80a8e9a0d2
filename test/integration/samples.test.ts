/**
 * Every sample in deploy/samples is acted on by the operator, not only accepted by the CRD: applied
 * as a user would (with the HTTPRoute an existing-mode sample names, written as docs/traffic.md says),
 * each gets SpecValid and TrafficRouted True and its stable Deployment at spec.replicas, and a change
 * of its activation starts a rollout. The samples' GPU nodeSelectors (GPU product labels) match no
 * fake node, so they are dropped: the pods must run, since a change before anything served replaces
 * stable directly instead of starting a rollout.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { ModelVariant } from '../../src/api/types.ts';
import { REPO_ROOT } from '../harness/binaries.ts';
import { createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { conditionOf, createModelVariant, deployment, setActivation, waitForStatus } from './support/model-variants.ts';

const SAMPLES_DIR = join(REPO_ROOT, 'deploy', 'samples');
const SAMPLES = readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.yaml')).map((file) => ({ file, mv: parse(readFileSync(join(SAMPLES_DIR, file), 'utf8')) as ModelVariant }));

let operator: RunningOperator;
let ns: string;

beforeAll(async () => {
  ns = await createTestNamespace('samples');
  operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false'] });
  await operator.port();
});
afterAll(async () => {
  await operator?.stop();
  await deleteTestNamespace(ns);
});

/** The HTTPRoute an existing-mode sample names, as docs/traffic.md tells a user to write it. */
async function createNamedRoute(mv: ModelVariant): Promise<void> {
  const gw = mv.spec.traffic?.gatewayAPI;
  if (!gw?.httpRoute) return;
  const name = mv.metadata?.name ?? '';
  await kubeConfig().makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
    group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', namespace: ns,
    body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: gw.httpRoute },
      spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: `${name}-stable`, port: gw.port, weight: 100 }, { name: `${name}-canary`, port: gw.port, weight: 0 }] }] } },
  });
}

describe('the samples in deploy/samples', () => {
  it('have distinct names, so they can be applied side by side', () => {
    expect(new Set(SAMPLES.map((s) => s.mv.metadata?.name)).size).toBe(SAMPLES.length);
  });

  it.each(SAMPLES)('$file is acted on: stable deployed, route usable, and a new activation starts a rollout', async ({ mv }) => {
    const name = mv.metadata?.name ?? '';
    await createNamedRoute(mv);
    const spec = structuredClone(mv.spec);
    if (spec.template.spec) delete spec.template.spec.nodeSelector;
    await createModelVariant(ns, name, spec);
    const s = await waitForStatus(ns, name, 'SpecValid and TrafficRouted True', (x) =>
      conditionOf(x, 'SpecValid')?.status === 'True' && conditionOf(x, 'TrafficRouted')?.status === 'True' && !!x.stableActivation);
    expect(s.stableActivation).toBe(mv.spec.activation);
    await eventually(`${name}-stable at spec.replicas`, async () => ((await deployment(ns, `${name}-stable`))?.spec?.replicas === (mv.spec.replicas ?? 1) ? true : undefined), 30_000);
    await waitForStatus(ns, name, 'Healthy', (x) => x.phase === 'Healthy', 60_000);
    await setActivation(ns, name, `${mv.spec.activation}x`);
    await waitForStatus(ns, name, 'a rollout started', (x) => x.canaryActivation === `${mv.spec.activation}x`);
  });
});
