/**
 * One operator per test, in a namespace of its own (`--namespace <ns> --leader-elect=false`), so a
 * test sees only its own ModelVariants, Events and reconciles; and the operator's metrics as a test
 * reads them (`activation_canary_reconcile_total`, to tell a quiet operator from a hot loop).
 */
import { execFileSync } from 'node:child_process';
import { locateBinaries } from '../../harness/binaries.ts';
import { clusterState, createTestNamespace, deleteTestNamespace } from '../../harness/env.ts';
import { startOperator, type RunningOperator } from '../../harness/operator.ts';

export interface IsolatedOperator {
  ns: string;
  operator: RunningOperator;
  /** Stops the operator and deletes the namespace. */
  stop(): Promise<void>;
}

/** A fresh namespace and an operator watching only it, serving metrics; `args` are extra flags. */
export async function isolatedOperator(prefix: string, args: string[] = []): Promise<IsolatedOperator> {
  const ns = await createTestNamespace(prefix);
  const operator = startOperator({ args: ['--namespace', ns, '--leader-elect=false', ...args] });
  await operator.port();
  return {
    ns, operator,
    async stop() {
      await operator.stop();
      await deleteTestNamespace(ns);
    },
  };
}

/** Reconciles the operator has run so far, whatever their result. */
export async function reconcileCount(operator: RunningOperator): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${await operator.port()}/metrics`)).text();
  return [...text.matchAll(/^activation_canary_reconcile_total\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
}

/** Runs kubectl against the test cluster, as a user would; returns its stdout. */
export function kubectl(...args: string[]): string {
  return execFileSync(locateBinaries().kubectl, ['--kubeconfig', clusterState().kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
