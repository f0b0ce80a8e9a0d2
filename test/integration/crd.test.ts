/**
 * The ModelVariant CRD on a real kube-apiserver: it is Established under the names users type, every
 * sample in deploy/samples is accepted (strictly, so nothing is pruned) and comes back with exactly the
 * defaults `withDefaults` fills, every broken spec of crd-invalid-cases.ts is refused with HTTP 422 and
 * the message the CRD defines while every value at the edge of a bound is accepted, and the operator's
 * status writes go through the status subresource without touching spec. `kubectl get mv` shows the
 * printer columns, and `kubectl scale` works through the scale subresource.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { locateBinaries, REPO_ROOT } from '../harness/binaries.ts';
import { clusterState, createTestNamespace, deleteTestNamespace, kubeConfig } from '../harness/env.ts';
import { GROUP, PLURAL, VERSION, withDefaults, type ModelVariant, type ModelVariantStatus } from '../../src/api/types.ts';
import { isReplaced, writeStatus } from '../../src/kube/apply.ts';
import { INVALID_CASES, VALID_EDGE_CASES, validModelVariant } from './crd-invalid-cases.ts';

const SAMPLES_DIR = join(REPO_ROOT, 'deploy', 'samples');
const SAMPLES = readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.yaml'));

let namespace: string;
let custom: k8s.CustomObjectsApi;

beforeAll(async () => {
  custom = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  namespace = await createTestNamespace('crd');
});

afterAll(async () => {
  if (namespace) await deleteTestNamespace(namespace);
});

const ref = () => ({ group: GROUP, version: VERSION, namespace, plural: PLURAL });

async function create(body: ModelVariant, fieldValidation?: 'Strict'): Promise<ModelVariant> {
  return (await custom.createNamespacedCustomObject({ ...ref(), body, ...(fieldValidation ? { fieldValidation } : {}) })) as ModelVariant;
}

async function read(name: string): Promise<ModelVariant> {
  return (await custom.getNamespacedCustomObject({ ...ref(), name })) as ModelVariant;
}

/** The HTTP status and message of a request the apiserver refused; fails if it was accepted. */
async function refusal(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request;
  } catch (err) {
    if (!(err instanceof k8s.ApiException)) throw err;
    const body = typeof err.body === 'string' ? (JSON.parse(err.body) as { message?: string }) : (err.body as { message?: string });
    return { code: err.code, message: body?.message ?? String(err.body) };
  }
  throw new Error('the apiserver accepted the ModelVariant');
}

describe('the ModelVariant CRD on a real apiserver', () => {
  it('is Established and answers to mv and the activationcanary category', async () => {
    const ext = kubeConfig().makeApiClient(k8s.ApiextensionsV1Api);
    const crd = await ext.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
    const established = crd.status?.conditions?.find((c) => c.type === 'Established');
    expect(established?.status).toBe('True');
    expect(crd.status?.conditions?.find((c) => c.type === 'NamesAccepted')?.status).toBe('True');
    expect(crd.status?.acceptedNames).toMatchObject({ kind: 'ModelVariant', shortNames: ['mv'], categories: ['all', 'activationcanary'] });
  });

  describe('accepts every sample in deploy/samples', () => {
    it.each(SAMPLES)('accepts %s with no unknown field and fills the defaults withDefaults fills', async (file) => {
      const sample = parse(readFileSync(join(SAMPLES_DIR, file), 'utf8')) as ModelVariant;
      sample.metadata = { ...sample.metadata, namespace };
      await create(sample, 'Strict');
      const stored = await read(sample.metadata?.name as string);
      expect(stored.spec).toEqual(withDefaults(sample.spec));
      expect(stored.spec.strategy?.progressDeadline).toBeDefined();
      expect(stored.spec.traffic?.provider).toBe(sample.spec.traffic?.provider ?? 'replicas');
    });
  });

  describe('rejects invalid ModelVariants with a message that says what to fix', () => {
    it.each(INVALID_CASES.map((c, i) => ({ ...c, index: i })))('$name', async ({ mutate, message, metadataName, index }) => {
      const body = validModelVariant(metadataName ?? `invalid-${index}`);
      mutate(body.spec);
      const { code, message: got } = await refusal(create(body));
      expect({ code, message: got }).toEqual({ code: 422, message: expect.stringContaining(message) });
      expect(got).not.toMatch(/evaluation error|no such key|no matching overload|cost budget/i);
    });

    it.each(INVALID_CASES.filter((c) => c.metadataName))('names metadata.name as the field when it $name (not "<nil>")', async ({ metadataName, mutate }) => {
      const body = validModelVariant(metadataName as string);
      mutate(body.spec);
      try {
        await create(body);
      } catch (err) {
        const body = (typeof (err as k8s.ApiException<unknown>).body === 'string'
          ? JSON.parse((err as k8s.ApiException<string>).body) : (err as k8s.ApiException<unknown>).body) as { details?: { causes?: { field?: string }[] } };
        expect(body.details?.causes?.map((c) => c.field)).toContain('metadata.name');
        return;
      }
      throw new Error(`the apiserver accepted ${metadataName}`);
    });

    it('has at least 20 cases, each a different sentence', () => {
      expect(INVALID_CASES.length).toBeGreaterThanOrEqual(20);
      expect(new Set(INVALID_CASES.map((c) => c.name)).size).toBe(INVALID_CASES.length);
    });
  });

  describe('accepts values at the edge of their bounds', () => {
    it.each(VALID_EDGE_CASES.map((c, i) => ({ ...c, index: i })))('$name', async ({ mutate, metadataName, index }) => {
      const body = validModelVariant(metadataName ?? `valid-edge-${index}`);
      mutate(body.spec);
      await create(body, 'Strict');
      expect((await read(body.metadata?.name as string)).spec).toEqual(withDefaults(body.spec));
    });
  });

  it('accepts the valid ModelVariant the invalid cases start from', async () => {
    await create(validModelVariant('valid-base'), 'Strict');
    expect((await read('valid-base')).spec.strategy?.analysis?.slo).toMatchObject({ shortWindow: '1m', longWindow: '5m', burnRateThreshold: 14.4 });
  });

  describe('status', () => {
    const now = '2026-11-28T14:00:00.000Z';
    const status: ModelVariantStatus = {
      phase: 'Progressing',
      stableActivation: 'relu',
      canaryActivation: 'gelu',
      stableRevision: '5d8f7c6b9',
      canaryRevision: '7b4c9d2f1',
      change: 'image reg/model:1 → reg/model:2; activation relu → gelu',
      replicas: 5,
      selector: 'activationcanary.io/model=status-update',
      capacityHoldSince: now,
      maxUnavailable: 1,
      currentStepIndex: 1,
      canaryWeight: 25,
      stepStartedAt: now,
      weightReachedAt: now,
      rolloutStartedAt: now,
      handledSignal: 'resume@2026-11-28T13:59:00Z',
      message: 'step 2/3 (25%): pausing 4m more',
      observedGeneration: 1,
      analysis: {
        lastRunAt: now,
        verdict: 'Successful',
        consecutiveFailures: 0,
        consecutiveInconclusive: 0,
        slis: [
          { name: 'saturation', canaryValue: '0.004', stableValue: '0.003', threshold: '<= 0.01', verdict: 'Successful', reason: 'WithinBounds', measuredAt: now, samples: 1200, stableSamples: 1180.5, window: '1m', message: 'SLI saturation: 0.004 <= 0.01 over 1m' },
          { name: 'latencyP95', canaryValue: 'NaN', threshold: '<= 0.25', verdict: 'Inconclusive', reason: 'NoData', measuredAt: now },
        ],
        burnRate: { shortWindow: '1m', longWindow: '5m', short: '0.4', long: '+Inf', threshold: 14.4, budgetRemaining: '0.97', verdict: 'Successful', reason: 'WithinBudget', message: 'burn rate 0.4 over 1m and +Inf over 5m' },
      },
      conditions: [
        { type: 'Available', status: 'True', reason: 'StableReady', message: 'stable relu: 3/3 ready', lastTransitionTime: now, observedGeneration: 1 },
        { type: 'Progressing', status: 'True', reason: 'StepPausing', message: 'step 2/3 (25%): pausing 4m more', lastTransitionTime: now },
      ],
    };

    it('ignores status sent on create', async () => {
      await create({ ...validModelVariant('status-on-create'), status });
      expect((await read('status-on-create')).status).toBeUndefined();
    });

    it('accepts a status update through /status and leaves spec and generation unchanged', async () => {
      const created = await create(validModelVariant('status-update'));
      const attempt: ModelVariant = { ...created, spec: { ...created.spec, activation: 'silu' }, status };
      await custom.replaceNamespacedCustomObjectStatus({ ...ref(), name: 'status-update', body: attempt });
      const stored = await read('status-update');
      expect(stored.status).toEqual(status);
      expect(stored.spec).toEqual(created.spec);
      expect(stored.metadata?.generation).toBe(created.metadata?.generation);
    });

    it('refuses the operator\'s status write to a ModelVariant deleted and created again under the same name since it was read', async () => {
      const old = await create(validModelVariant('replaced'));
      await custom.deleteNamespacedCustomObject({ ...ref(), name: 'replaced' });
      const again = await create(validModelVariant('replaced'));
      const refused = await writeStatus(custom, namespace, 'replaced', { phase: 'Progressing', currentStepIndex: 1 }, old.metadata?.uid).then(() => undefined, (err: unknown) => err);
      expect(isReplaced(refused)).toBe(true);
      // A status the CRD refuses is a 422 too, but one that names the field: not taken for a replaced object.
      const invalid = await writeStatus(custom, namespace, 'replaced', { phase: 'Sideways' }, again.metadata?.uid).then(() => undefined, (err: unknown) => err);
      expect((invalid as { code?: number }).code).toBe(422);
      expect(isReplaced(invalid)).toBe(false);
      expect((await read('replaced')).status).toBeUndefined();
      // The object that is there now, by its own uid: written.
      await writeStatus(custom, namespace, 'replaced', { phase: 'Healthy' }, again.metadata?.uid);
      expect((await read('replaced')).status).toEqual({ phase: 'Healthy' });
    });

    it('rejects a status with an unknown phase', async () => {
      const created = await create(validModelVariant('status-bad-phase'));
      const body = { ...created, status: { phase: 'Exploding' } } as unknown as ModelVariant;
      const { code, message } = await refusal(custom.replaceNamespacedCustomObjectStatus({ ...ref(), name: 'status-bad-phase', body }));
      expect({ code, message }).toEqual({ code: 422, message: expect.stringContaining('Unsupported value: "Exploding"') });
    });

    it('shows activation, stable, canary, weight and phase in kubectl get mv', () => {
      const out = execFileSync(locateBinaries().kubectl, ['--kubeconfig', clusterState().kubeconfig, 'get', 'mv', 'status-update', '-n', namespace], { encoding: 'utf8' });
      const [header, row] = out.trim().split('\n').map((line) => line.trim().split(/\s+/));
      expect(header).toEqual(['NAME', 'ACTIVATION', 'STABLE', 'CANARY', 'WEIGHT', 'PHASE', 'AGE']);
      expect(row?.slice(0, 6)).toEqual(['status-update', 'gelu', 'relu', 'gelu', '25', 'Progressing']);
    });

    it('adds the change and the stable revision in kubectl get mv -o wide', () => {
      const out = execFileSync(locateBinaries().kubectl, ['--kubeconfig', clusterState().kubeconfig, 'get', 'mv', 'status-update', '-n', namespace, '-o', 'wide'], { encoding: 'utf8' });
      const [header, row] = out.trim().split('\n');
      expect(header?.trim().split(/\s+/)).toEqual(['NAME', 'ACTIVATION', 'STABLE', 'CANARY', 'WEIGHT', 'PHASE', 'AGE', 'CHANGE', 'REVISION']);
      // kubectl pads by bytes, so the multi-byte arrows widen the gap: split on the change text instead.
      const [before, after] = (row ?? '').split(status.change as string);
      expect({ before: before?.trim().split(/\s+/).slice(0, 6), after: after?.trim() }).toEqual({
        before: ['status-update', 'gelu', 'relu', 'gelu', '25', 'Progressing'],
        after: status.stableRevision,
      });
    });
  });

  describe('scale subresource', () => {
    it('kubectl scale sets spec.replicas, and GET /scale reports status.replicas and status.selector', async () => {
      await create(validModelVariant('scaled'));
      execFileSync(locateBinaries().kubectl, ['--kubeconfig', clusterState().kubeconfig, 'scale', 'modelvariant/scaled', '--replicas=3', '-n', namespace], { encoding: 'utf8' });
      const scaled = await read('scaled');
      expect(scaled.spec.replicas).toBe(3);

      await custom.replaceNamespacedCustomObjectStatus({
        ...ref(),
        name: 'scaled',
        body: { ...scaled, status: { replicas: 4, selector: 'activationcanary.io/model=scaled' } },
      });
      const scale = (await custom.getNamespacedCustomObjectScale({ ...ref(), name: 'scaled' })) as k8s.V1Scale;
      expect(scale).toMatchObject({
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        spec: { replicas: 3 },
        status: { replicas: 4, selector: 'activationcanary.io/model=scaled' },
      });
    });

    it('a PUT to /scale changes spec.replicas and nothing else', async () => {
      const created = await create(validModelVariant('scaled-put'));
      const scale = (await custom.getNamespacedCustomObjectScale({ ...ref(), name: 'scaled-put' })) as k8s.V1Scale;
      await custom.replaceNamespacedCustomObjectScale({ ...ref(), name: 'scaled-put', body: { ...scale, spec: { replicas: 7 } } });
      const stored = await read('scaled-put');
      expect(stored.spec).toEqual({ ...created.spec, replicas: 7 });
    });
  });
});
