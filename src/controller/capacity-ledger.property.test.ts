/**
 * Property test of the capacity ledger: after any sequence of pod and node informer events (pods
 * created, bound, rebound, finished, deleted, with whole GPUs, MIG slices or both, in requests or only
 * in limits; nodes added, removed, cordoned, tainted, labelled, NotReady, their allocatable changed),
 * the ledger answers exactly what `computeCapacity` computes from the final nodes and pods, as the
 * informer's cache lists them (insertion order, an update keeping its place), for several templates'
 * asks and placements. A failure prints the smallest event sequence found.
 */
import { describe, expect, it } from '@jest/globals';
import type { V1Container, V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import fc from 'fast-check';
import { computeCapacity, type ResourceAsk } from './capacity.ts';
import { CapacityLedger } from './capacity-ledger.ts';
import type { Placement } from './placement.ts';

const GPU = 'nvidia.com/gpu';
const MIG = 'nvidia.com/mig-1g.5gb';
const NODE_NAMES = ['n0', 'n1', 'n2', 'n3'];
const RESERVED: V1Taint = { key: 'gpu', value: 'reserved', effect: 'NoSchedule' };
const SPOT: V1Taint = { key: 'spot', effect: 'PreferNoSchedule' };

const ASKS: ResourceAsk[][] = [[{ resource: GPU, perPod: 1 }], [{ resource: GPU, perPod: 2 }], [{ resource: MIG, perPod: 1 }], [{ resource: GPU, perPod: 1 }, { resource: MIG, perPod: 3 }]];
const PLACEMENTS: Placement[] = [
  { nodeSelector: {}, tolerations: [] },
  { nodeSelector: { pool: 'gpu' }, tolerations: [] },
  { nodeSelector: {}, tolerations: [{ key: 'gpu', operator: 'Exists' }, { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] },
];

const nodeArb: fc.Arbitrary<V1Node> = fc.record({
  name: fc.constantFrom(...NODE_NAMES),
  gpus: fc.integer({ min: 0, max: 8 }),
  slices: fc.integer({ min: 0, max: 7 }),
  ready: fc.boolean(),
  cordoned: fc.boolean(),
  taints: fc.subarray([RESERVED, SPOT]),
  pool: fc.constantFrom('gpu', 'cpu', undefined),
}).map(({ name, gpus, slices, ready, cordoned, taints, pool }) => ({
  metadata: { name, labels: (pool ? { pool } : {}) as Record<string, string> },
  spec: { ...(cordoned ? { unschedulable: true } : {}), ...(taints.length ? { taints } : {}) },
  status: { allocatable: { cpu: '16', [GPU]: String(gpus), ...(slices ? { [MIG]: String(slices) } : {}) }, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
}));

/** A container asking for GPUs and slices in requests, in limits only, or with requests naming only cpu (so its limits are not read). */
const containerArb: fc.Arbitrary<V1Container> = fc.record({
  gpus: fc.integer({ min: 0, max: 3 }),
  slices: fc.integer({ min: 0, max: 2 }),
  where: fc.constantFrom('requests', 'limits', 'cpu-requests-only'),
}).map(({ gpus, slices, where }) => {
  const asks = { ...(gpus ? { [GPU]: String(gpus) } : {}), ...(slices ? { [MIG]: String(slices) } : {}) };
  const resources = where === 'requests' ? { requests: { cpu: '1', ...asks }, limits: asks }
    : where === 'limits' ? { limits: asks } : { requests: { cpu: '1' }, limits: asks };
  return { name: 'c', resources };
});

const podArb: fc.Arbitrary<V1Pod> = fc.record({
  namespace: fc.constantFrom('a', 'b'),
  name: fc.constantFrom('p0', 'p1', 'p2', 'p3', 'p4', 'p5'),
  nodeName: fc.constantFrom(...NODE_NAMES, 'gone', undefined),
  phase: fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed', undefined),
  containers: fc.array(containerArb, { minLength: 1, maxLength: 2 }),
}).map(({ namespace, name, nodeName, phase, containers }) => ({
  metadata: { namespace, name },
  spec: { ...(nodeName ? { nodeName } : {}), containers },
  status: phase ? { phase } : {},
}));

type Event = { kind: 'setNode' | 'deleteNode'; node: V1Node } | { kind: 'setPod' | 'deletePod'; pod: V1Pod };
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 2, arbitrary: nodeArb.map((node) => ({ kind: 'setNode' as const, node })) },
  { weight: 1, arbitrary: nodeArb.map((node) => ({ kind: 'deleteNode' as const, node })) },
  { weight: 4, arbitrary: podArb.map((pod) => ({ kind: 'setPod' as const, pod })) },
  { weight: 2, arbitrary: podArb.map((pod) => ({ kind: 'deletePod' as const, pod })) },
);

describe('CapacityLedger (property)', () => {
  it('after any sequence of pod and node events, answers what computeCapacity computes from the final nodes and pods', () => {
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
      const ledger = new CapacityLedger();
      // What the informers' caches hold: keyed maps, as ListWatch keeps them.
      const nodes = new Map<string, V1Node>();
      const pods = new Map<string, V1Pod>();
      const podKey = (p: V1Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;
      for (const e of events) {
        if (e.kind === 'setNode') { nodes.set(e.node.metadata?.name ?? '', e.node); ledger.setNode(e.node); }
        if (e.kind === 'deleteNode') { nodes.delete(e.node.metadata?.name ?? ''); ledger.deleteNode(e.node); }
        if (e.kind === 'setPod') { pods.set(podKey(e.pod), e.pod); ledger.setPod(e.pod); }
        if (e.kind === 'deletePod') { pods.delete(podKey(e.pod)); ledger.deletePod(e.pod); }
      }
      for (const asks of ASKS) {
        for (const placement of PLACEMENTS) {
          expect(ledger.capacity(asks, placement)).toEqual(computeCapacity([...nodes.values()], [...pods.values()], asks, placement));
        }
      }
    }), { numRuns: Number(process.env.LEDGER_PROPERTY_RUNS ?? 500) });
  });
});
