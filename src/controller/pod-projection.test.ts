// The pod cache's projection keeps every field its readers read: each reader runs over a whole pod that
// records the fields read, and each of those fields must read the same in the projected pod.
import { describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1Node, V1Pod } from '@kubernetes/client-node';
import type { ModelVariant } from '../api/types.ts';
import { CapacityLedger } from './capacity-ledger.ts';
import { computeCapacity, holdsResources, podRequest } from './capacity.ts';
import { podSignature } from './controller.ts';
import { gpusHeld } from './gpus-held.ts';
import { observeRole, roleProblem } from './observe.ts';
import { projectPod } from './pod-projection.ts';

/** A pod as the informer gets it (JSON: timestamps are strings), with fields no reader needs (managedFields, env, volumes, …). */
function wholePod(overrides: { nodeName?: string; phase?: string; scheduled?: boolean; waiting?: string; deleting?: boolean } = {}): V1Pod {
  return JSON.parse(JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: 'm-stable-6f5fd8c55f-wh4f8', namespace: 'ml', uid: '7c2de571', resourceVersion: '913', generateName: 'm-stable-6f5fd8c55f-',
      labels: { 'activationcanary.io/model': 'm', 'activationcanary.io/role': 'stable', 'activationcanary.io/variant': 'relu', 'activationcanary.io/revision': 'r1',
        'app.kubernetes.io/managed-by': 'activation-canary' },
      annotations: { note: 'x'.repeat(200) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'm-stable-6f5fd8c55f', uid: '2468', controller: true }],
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:spec': { 'f:containers': {} } } }],
      ...(overrides.deleting ? { deletionTimestamp: new Date('2026-11-30T12:00:00Z') } : {}),
    },
    spec: {
      ...(overrides.nodeName !== undefined ? { nodeName: overrides.nodeName } : { nodeName: 'gpu-a' }),
      containers: [
        { name: 'server', image: 'example.com/model-server:1.0', env: [{ name: 'ACTIVATION', value: 'relu' }], ports: [{ containerPort: 8080 }],
          resources: { requests: { 'nvidia.com/gpu': '1', cpu: '2' }, limits: { 'nvidia.com/gpu': '1' } },
          volumeMounts: [{ name: 'token', mountPath: '/var/run/secrets' }] },
        { name: 'sidecar', image: 'example.com/proxy:1', resources: { limits: { 'nvidia.com/mig-1g.5gb': '2' } } },
      ],
      volumes: [{ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      serviceAccountName: 'default',
    },
    status: {
      phase: overrides.phase ?? 'Running', hostIP: '10.0.0.1', podIP: '10.244.0.7', startTime: new Date('2026-11-30T11:00:00Z'),
      conditions: [
        { type: 'PodScheduled', status: overrides.scheduled === false ? 'False' : 'True', ...(overrides.scheduled === false ? { reason: 'Unschedulable', message: '0/3 nodes are available' } : {}) },
        { type: 'Ready', status: overrides.waiting ? 'False' : 'True' },
      ],
      containerStatuses: [{ name: 'server', image: 'example.com/model-server:1.0', imageID: 'sha256:1', ready: !overrides.waiting, restartCount: 0,
        state: overrides.waiting ? { waiting: { reason: overrides.waiting, message: 'Back-off pulling image' } } : { running: { startedAt: new Date('2026-11-30T11:00:01Z') } } }],
    },
  } satisfies V1Pod)) as V1Pod;
}

const pods = [wholePod(), wholePod({ nodeName: '', scheduled: false, phase: 'Pending' }), wholePod({ waiting: 'ImagePullBackOff' }), wholePod({ deleting: true }),
  wholePod({ phase: 'Succeeded' })];
const node: V1Node = { metadata: { name: 'gpu-a', labels: { 'kubernetes.io/hostname': 'gpu-a' } }, spec: {},
  status: { allocatable: { 'nvidia.com/gpu': '8', 'nvidia.com/mig-1g.5gb': '7' }, conditions: [{ type: 'Ready', status: 'True' }] } };
const mv = { metadata: { name: 'm', namespace: 'ml' }, spec: { activation: 'relu' } } as ModelVariant;
/** A Deployment not settled, so the observation looks at its pods' readiness, binding and problems. */
const rolling: V1Deployment = { metadata: { name: 'm-stable', generation: 2 },
  spec: { replicas: 2, selector: {}, template: { metadata: { labels: { 'activationcanary.io/revision': 'r1', 'activationcanary.io/variant': 'relu' } }, spec: { containers: [{ name: 'server' }] } } },
  status: { observedGeneration: 1, replicas: 2, updatedReplicas: 1, readyReplicas: 1 } };
const asks = [{ resource: 'nvidia.com/gpu', perPod: 1 }, { resource: 'nvidia.com/mig-1g.5gb', perPod: 1 }];

/** Every reader of the pod cache, over `list`: what each returns. */
function readAll(list: V1Pod[]): unknown[] {
  const ledger = new CapacityLedger();
  ledger.setNode(node);
  for (const p of list) ledger.setPod(p);
  const out: unknown[] = [
    list.map((p) => [holdsResources(p), podRequest(p, 'nvidia.com/gpu'), podRequest(p, 'nvidia.com/mig-1g.5gb'), podSignature(p)]),
    computeCapacity([node], list, asks), ledger.capacity(asks, { nodeSelector: {}, tolerations: [] }),
    observeRole(mv, 'stable', rolling, 'ACTIVATION', list), roleProblem(rolling, list), gpusHeld(list, 'm', 'stable'),
  ];
  for (const p of list) ledger.deletePod(p);
  out.push(ledger.capacity(asks, { nodeSelector: {}, tolerations: [] }));
  return out;
}

/** `obj` behind a proxy that appends the path of every field read (at any depth) to `reads`. */
function recording<T extends object>(obj: T, reads: string[][], path: string[] = []): T {
  return new Proxy(obj, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol') return value;
      const at = [...path, key];
      reads.push(at);
      return value && typeof value === 'object' ? recording(value, reads, at) : value;
    },
  });
}
const at = (obj: unknown, path: string[]): unknown => path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);

describe('the pod cache projection', () => {
  it('keeps every field a reader reads: each reads the same in the projected pod', () => {
    for (const pod of pods) {
      const reads: string[][] = [];
      readAll([recording(pod, reads)]);
      const projected = projectPod(pod);
      // The leaves read (a primitive, undefined, or an array method): an object read is followed by reads of its fields.
      const leaves = reads.filter((path) => { const v = at(pod, path); return !v || typeof v !== 'object'; });
      expect(leaves.map((path) => path.join('.'))).toEqual(expect.arrayContaining(['spec.nodeName', 'status.phase', 'metadata.labels.activationcanary.io/role']));
      for (const path of leaves) expect({ path: path.join('.'), value: at(projected, path) }).toEqual({ path: path.join('.'), value: at(pod, path) });
    }
  });

  it('answers every reader as the whole pods do', () => {
    expect(readAll(pods.map(projectPod) as V1Pod[])).toEqual(readAll(pods));
  });

  it('drops the rest, keeps the cache keys, and is idempotent', () => {
    const pod = wholePod({ deleting: true });
    const projected = projectPod(pod);
    expect(projected.metadata).toEqual({ name: pod.metadata?.name, namespace: 'ml', uid: '7c2de571', resourceVersion: '913', labels: pod.metadata?.labels,
      deletionTimestamp: pod.metadata?.deletionTimestamp });
    expect(projected.spec).toEqual({ nodeName: 'gpu-a', containers: [{ name: 'server', resources: pod.spec?.containers[0]?.resources }, { name: 'sidecar', resources: pod.spec?.containers[1]?.resources }] });
    expect(Object.keys(projected.status ?? {})).toEqual(['phase', 'conditions', 'containerStatuses']);
    expect(projected.status?.containerStatuses?.[0]).toEqual({ name: 'server', state: pod.status?.containerStatuses?.[0]?.state });
    expect(projectPod(projected)).toEqual(projected);
    expect(JSON.stringify(projected).length).toBeLessThan(JSON.stringify(pod).length / 2);
    expect(projectPod({ metadata: { name: 'bare', resourceVersion: '1' } })).toEqual({ metadata: { name: 'bare', resourceVersion: '1' } });
  });
});
