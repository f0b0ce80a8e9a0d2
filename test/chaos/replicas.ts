/**
 * The operator as a two-replica Deployment would run it, for a chaos run: `count` processes with
 * leader election on one Lease, each started under an identity and an apiserver user of its own
 * (`chaos-op-<n>`, so the audit log tells every process' writes apart), and each started again a
 * second after it exits (killed by the run, or exiting itself after losing the Lease), under a new
 * identity, as a pod replaced by its ReplicaSet. A process that leads therefore leads once.
 */
import * as k8s from '@kubernetes/client-node';
import { kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import type { Replica } from '../integration/support/single-writer.ts';

export interface OperatorReplicas {
  /** The processes running now. */
  running(): RunningOperator[];
  /** Every process started so far (for the audit log: user and identity). */
  everyone(): Replica[];
  /** The Lease's holder, or undefined when it cannot be read or nobody holds it. */
  leader(): Promise<string | undefined>;
  /** How many processes exited and were replaced, and how many exited on their own (not killed by the run). */
  restarts(): { replaced: number; exitedOnTheirOwn: number };
  /** Ends one process with a signal; it is replaced a second later. */
  end(identity: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  stop(): Promise<void>;
}

export interface ReplicaOptions {
  namespace: string;
  leaseName: string;
  /** `--lease-duration` (a duration), e.g. `8s`. */
  leaseDuration: string;
  count?: number;
  log?: (line: string) => void;
}

export function operatorReplicas(o: ReplicaOptions): OperatorReplicas {
  const live = new Map<string, RunningOperator>();
  const started: Replica[] = [];
  const endedByUs = new Set<string>();
  let n = 0;
  let replaced = 0;
  let own = 0;
  let stopping = false;
  const args = ['--namespace', o.namespace, '--leader-elect', '--leader-election-namespace', o.namespace,
    '--leader-election-id', o.leaseName, '--lease-duration', o.leaseDuration];
  const leases = kubeConfig().makeApiClient(k8s.CoordinationV1Api);

  const start = () => {
    const identity = `chaos-op-${++n}`;
    const op = startOperator({ args, identity, user: identity });
    live.set(identity, op);
    started.push({ identity, user: op.user });
    op.child.once('exit', (code, sig) => {
      live.delete(identity);
      if (stopping) return;
      if (!endedByUs.has(identity)) {
        own++;
        o.log?.(`operator ${identity} exited on its own (code ${code}, signal ${sig}); last log lines:\n${op.logs().trim().split('\n').slice(-3).join('\n')}`);
      }
      replaced++;
      setTimeout(() => { if (!stopping) start(); }, 1000);
    });
  };
  for (let i = 0; i < (o.count ?? 2); i++) start();

  return {
    running: () => [...live.values()],
    everyone: () => [...started],
    restarts: () => ({ replaced, exitedOnTheirOwn: own }),
    async leader() {
      try {
        return (await leases.readNamespacedLease({ namespace: o.namespace, name: o.leaseName })).spec?.holderIdentity || undefined;
      } catch {
        return undefined;
      }
    },
    async end(identity, signal) {
      const op = live.get(identity);
      if (!op) return;
      endedByUs.add(identity);
      await (signal === 'SIGKILL' ? op.kill() : op.stop());
    },
    async stop() {
      stopping = true;
      await Promise.all([...live.values()].map((op) => op.stop()));
    },
  };
}
