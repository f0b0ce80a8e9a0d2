/**
 * `make demo`: the main job. For now it brings the local cluster up (control plane, kwok GPU nodes,
 * Prometheus), installs the CRD and shows the fake GPU nodes; the canary walk-through comes with the
 * rollout engine. Leaves the cluster running for exploration; `make cluster-down` stops it.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { launchCluster, readState } from '../test/harness/launcher.ts';

const dir = resolve('.cluster');
const state = readState(dir) ?? await launchCluster(dir);
const kubectl = (...args: string[]) => execFileSync('kubectl', [`--kubeconfig=${state.kubeconfig}`, ...args], { encoding: 'utf8' });
console.log(kubectl('get', 'nodes', '-o', 'custom-columns=NODE:.metadata.name,GPUS:.status.allocatable.nvidia\\.com/gpu,READY:.status.conditions[-1:].status'));
console.log(kubectl('get', 'crd', 'modelvariants.activationcanary.io'));
console.log([
  'The local cluster is up and the ModelVariant CRD is installed.',
  'The canary walk-through (relu -> gelu promoted, a bad variant rolled back) arrives with the rollout engine.',
  `Explore:  export KUBECONFIG=${state.kubeconfig}; kubectl get mv -A`,
  'Stop:     make cluster-down',
].join('\n'));
