/**
 * Micro-benchmark (not a test: it prints figures) of one capacity ask during a rollout, side by side in
 * one process: the pod walk `computeCapacity(nodes, pods, …)` the reconcile did before (over the
 * informer caches' lists, copied as `list()` copies them) against the ledger's `capacity(…)`, which
 * walks the nodes only. Cluster shapes follow the scale bench: 40 GPU nodes (8 GPUs each) plus 10 CPU
 * nodes, N ModelVariants × 3 pods (2 stable, 1 canary; one GPU each) plus 2 other pods per GPU node.
 * Also times the events that keep the ledger (a pod update, a node heartbeat). Figures are µs per call,
 * the median of `--rounds` timed batches, and the ratio; the machine is shared, so read the ratios.
 *
 *   node bench/capacity-ledger.bench.ts [--models 100,300,1000] [--rounds 15]
 */
import { parseArgs } from 'node:util';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { computeCapacity } from '../src/controller/capacity.ts';
import { CapacityLedger } from '../src/controller/capacity-ledger.ts';
import type { Placement } from '../src/controller/placement.ts';

const { values: args } = parseArgs({ options: { models: { type: 'string', default: '100,300,1000' }, rounds: { type: 'string', default: '15' } } });
const ROUNDS = Number(args.rounds);
const GPU_NODES = 40;
const ASKS = [{ resource: 'nvidia.com/gpu', perPod: 1 }];
const PLACEMENT: Placement = { nodeSelector: { 'nvidia.com/gpu.present': 'true' }, tolerations: [] };

const node = (name: string, gpus: number): V1Node => ({
  metadata: { name, labels: gpus ? { 'nvidia.com/gpu.present': 'true' } : {} },
  spec: {},
  status: { allocatable: { cpu: '32', memory: '256Gi', pods: '110', ...(gpus ? { 'nvidia.com/gpu': String(gpus) } : {}) }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const pod = (namespace: string, name: string, nodeName: string, gpus: number): V1Pod => ({
  metadata: { namespace, name, labels: { app: name } },
  spec: { nodeName, containers: [{ name: 'server', resources: { requests: { cpu: '1', ...(gpus ? { 'nvidia.com/gpu': String(gpus) } : {}) }, limits: gpus ? { 'nvidia.com/gpu': String(gpus) } : {} } }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

/** Median µs per call of `fn`, over ROUNDS batches sized to take ~20 ms each. */
function timePerCall(fn: () => void): number {
  let batch = 1;
  for (let t = 0; t < 20; batch *= 2) {
    const s = performance.now();
    for (let i = 0; i < batch; i++) fn();
    t = performance.now() - s;
  }
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const s = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push(((performance.now() - s) * 1000) / batch);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? NaN;
}

console.log(`one capacity ask (40 GPU nodes × 8 GPUs + 10 CPU nodes), µs per call, median of ${ROUNDS} batches\n`);
console.log(`${'ModelVariants'.padStart(13)} ${'pods'.padStart(6)} ${'pod walk'.padStart(10)} ${'ledger'.padStart(10)} ${'walk/ledger'.padStart(12)} ${'pod event'.padStart(10)} ${'node event'.padStart(11)}`);
for (const n of (args.models ?? '').split(',').map(Number)) {
  const nodes = [...Array.from({ length: GPU_NODES }, (_, i) => node(`gpu-${i}`, 8)), ...Array.from({ length: 10 }, (_, i) => node(`cpu-${i}`, 0))];
  const pods: V1Pod[] = [];
  for (let m = 0; m < n; m++) for (let r = 0; r < 3; r++) pods.push(pod('models', `m${m}-${r}`, `gpu-${(m * 3 + r) % GPU_NODES}`, (m * 3 + r) < GPU_NODES * 6 ? 1 : 0));
  for (let i = 0; i < GPU_NODES * 2; i++) pods.push(pod('kube-system', `daemon-${i}`, `gpu-${i % GPU_NODES}`, 0));
  const ledger = new CapacityLedger();
  for (const x of nodes) ledger.setNode(x);
  for (const p of pods) ledger.setPod(p);
  const walk = computeCapacity([...nodes], [...pods], ASKS, PLACEMENT);
  const asked = ledger.capacity(ASKS, PLACEMENT);
  if (JSON.stringify(walk) !== JSON.stringify(asked)) throw new Error(`the ledger and the pod walk disagree at N=${n}:\n${JSON.stringify(walk)}\n${JSON.stringify(asked)}`);
  const tWalk = timePerCall(() => computeCapacity([...nodes], [...pods], ASKS, PLACEMENT));
  const tLedger = timePerCall(() => ledger.capacity(ASKS, PLACEMENT));
  let k = 0;
  const tPod = timePerCall(() => ledger.setPod(pods[k++ % pods.length] as V1Pod));
  const tNode = timePerCall(() => ledger.setNode(nodes[k++ % nodes.length] as V1Node));
  console.log(`${String(n).padStart(13)} ${String(pods.length).padStart(6)} ${tWalk.toFixed(1).padStart(10)} ${tLedger.toFixed(1).padStart(10)} ${(tWalk / tLedger).toFixed(1).padStart(12)} ${tPod.toFixed(2).padStart(10)} ${tNode.toFixed(2).padStart(11)}`);
}
