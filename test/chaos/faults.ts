/**
 * Injects the faults of a chaos run, one after another from the seeded schedule (schedule.ts) until
 * told to stop: each waits its gap, picks its target among those present (a replica, the leader, a GPU
 * node, a child of a rollout in flight), does its harm, undoes it after its duration where there is
 * something to undo (thaw, uncordon, create the node again), and is recorded as a FaultWindow. A fault
 * with no target at that moment (no rollout in flight, no leader) is recorded as skipped. The control
 * plane's components are faulted through the supervisor (test/harness/components.ts).
 */
import * as k8s from '@kubernetes/client-node';
import { fakeGpuNode } from '../harness/cluster.ts';
import { controlComponent } from '../harness/components.ts';
import { clusterState, kubeConfig } from '../harness/env.ts';
import type { FaultWindow } from './invariants.ts';
import type { OperatorReplicas } from './replicas.ts';
import { faultPlan, pickOne, type FaultKind, type FaultPlan } from './schedule.ts';
import { retrying } from './retrying.ts';

export interface FaultContext {
  seed: number;
  kinds: readonly FaultKind[];
  namespace: string;
  replicas: OperatorReplicas;
  /** The ModelVariants whose rollout is in flight now (child faults pick among them). */
  inFlight(): string[];
  log(line: string): void;
}

export interface FaultRun {
  windows: FaultWindow[];
  skipped: { kind: FaultKind; why: string }[];
  /** Faults that failed to inject (the error), counted apart. */
  failed: { kind: FaultKind; error: string }[];
  /** Stops after the fault in progress (which is always undone) and resolves with the record. */
  stop(): Promise<FaultRun>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Does one fault; resolves with its target, or a string starting with `skip:` when there was none. */
async function inject(f: FaultPlan, ctx: FaultContext): Promise<string> {
  const state = clusterState();
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  const apps = kubeConfig().makeApiClient(k8s.AppsV1Api);
  const component = (name: string, action: 'freeze' | 'thaw' | 'restart') => controlComponent(state.controlUrl, name, action);
  const nodes = Object.keys(state.gpuNodes).sort();
  switch (f.kind) {
    case 'operator-kill': {
      const target = pickOne(ctx.replicas.running().map((r) => r.identity).sort(), f.pick);
      if (!target) return 'skip: no operator running';
      await ctx.replicas.end(target, 'SIGKILL');
      return target;
    }
    case 'leader-change': {
      const leader = await ctx.replicas.leader();
      if (!leader || !ctx.replicas.running().some((r) => r.identity === leader)) return 'skip: no running leader';
      await ctx.replicas.end(leader, 'SIGTERM');
      return leader;
    }
    case 'prometheus-pause':
    case 'etcd-pause': {
      const name = f.kind === 'etcd-pause' ? 'etcd' : 'prometheus';
      await component(name, 'freeze');
      try {
        await sleep(f.durationMs);
      } finally {
        await component(name, 'thaw');
      }
      return name;
    }
    case 'prometheus-restart':
      await component('prometheus', 'restart');
      return 'prometheus';
    case 'apiserver-restart':
      await component('kube-apiserver', 'restart');
      return 'kube-apiserver';
    case 'node-cordon': {
      const node = pickOne(nodes, f.pick) as string;
      const cordon = (unschedulable: boolean) => retrying(`cordon ${node} ${unschedulable}`, () =>
        core.patchNode({ name: node, body: { spec: { unschedulable } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)));
      await cordon(true);
      try {
        await sleep(f.durationMs);
      } finally {
        await cordon(false);
      }
      return node;
    }
    case 'node-delete': {
      const node = pickOne(nodes, f.pick) as string;
      await retrying(`delete node ${node}`, () => core.deleteNode({ name: node }));
      try {
        await sleep(f.durationMs);
      } finally {
        await retrying(`create node ${node} again`, async () => {
          await core.createNode({ body: fakeGpuNode(node, state.gpuNodes[node] ?? 0) as k8s.V1Node }).catch((err: { code?: number }) => {
            if (err.code !== 409) throw err; // still being deleted: try again
            throw new Error(`node ${node} still exists`, { cause: err });
          });
        });
      }
      return node;
    }
    case 'child-edit':
    case 'child-delete': {
      const model = pickOne(ctx.inFlight().sort(), f.pick);
      if (!model) return 'skip: no rollout in flight';
      const deployments = (await apps.listNamespacedDeployment({ namespace: ctx.namespace, labelSelector: `activationcanary.io/model=${model}` })).items
        .map((d) => d.metadata?.name ?? '').sort();
      const services = f.kind === 'child-delete'
        ? (await core.listNamespacedService({ namespace: ctx.namespace, labelSelector: `activationcanary.io/model=${model}` })).items.map((s) => `service/${s.metadata?.name}`).sort()
        : [];
      const child = pickOne([...deployments, ...services], (f.pick * 7919) % 1);
      if (!child) return `skip: ${model} has no child`;
      if (child.startsWith('service/')) await core.deleteNamespacedService({ namespace: ctx.namespace, name: child.slice('service/'.length) });
      else if (f.kind === 'child-delete') await apps.deleteNamespacedDeployment({ namespace: ctx.namespace, name: child });
      else {
        await apps.patchNamespacedDeployment({
          namespace: ctx.namespace, name: child,
          body: { spec: { template: { spec: { containers: [{ name: 'server', env: [{ name: 'ACTIVATION', value: 'tampered' }] }] } } } },
        }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
      }
      return `${model}:${child}`;
    }
  }
}

/** Starts injecting faults `0, 1, 2, …` of the seed's schedule. */
export function startFaults(ctx: FaultContext): FaultRun {
  const run: FaultRun = { windows: [], skipped: [], failed: [], stop: async () => run };
  if (ctx.kinds.length === 0) return run;
  let stopping = false;
  let wake = () => undefined as void;
  const loop = (async () => {
    for (let k = 0; !stopping; k++) {
      const f = faultPlan(ctx.seed, k, ctx.kinds);
      await new Promise<void>((r) => { const t = setTimeout(r, f.gapMs); wake = () => { clearTimeout(t); r(); }; });
      if (stopping) break;
      const from = Date.now();
      try {
        const target = await inject(f, ctx);
        if (target.startsWith('skip:')) {
          run.skipped.push({ kind: f.kind, why: target.slice(6) });
          continue;
        }
        // A child fault is scoped to its ModelVariant: the window names it.
        const scoped = f.kind === 'child-edit' || f.kind === 'child-delete' ? target.split(':')[0] as string : target;
        run.windows.push({ kind: f.kind, from, to: Date.now(), target: scoped });
        ctx.log(`fault ${k} ${f.kind} on ${target} (${Date.now() - from} ms)`);
      } catch (err) {
        run.failed.push({ kind: f.kind, error: err instanceof Error ? err.message : String(err) });
        ctx.log(`fault ${k} ${f.kind} failed: ${String(err)}`);
      }
    }
  })();
  run.stop = async () => {
    stopping = true;
    wake();
    await loop;
    return run;
  };
  return run;
}
