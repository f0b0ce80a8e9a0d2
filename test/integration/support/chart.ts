/**
 * The chart as tests use it: `helm template` of charts/activation-canary with --set pairs or a values
 * object, a helm command that may fail (its exit status and stderr), the rendered YAML parsed into
 * objects, and kubectl against the test cluster. Shared by the install, chart-values and kustomize
 * tests. helm is the version hack/tools.sh pins, built on first use (minutes): call `helmBin()` once
 * from a `beforeAll` with a long timeout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { helmBinary } from '../../../scripts/gen-deploy.ts';
import { locateBinaries, REPO_ROOT } from '../../harness/binaries.ts';
import { clusterState, scratchDir } from '../../harness/env.ts';

export const CHART = join(REPO_ROOT, 'charts', 'activation-canary');

let helmPath: string | undefined;
let kubectlPath: string | undefined;
/** The pinned helm (built from the Go module proxy on first use). */
export const helmBin = (): string => (helmPath ??= helmBinary());
export const kubectlBin = (): string => (kubectlPath ??= locateBinaries().kubectl);

/** Runs a tool from the repository root; throws (with its stderr) when it exits non-zero. */
export const run = (bin: string, args: string[], input?: string): string =>
  execFileSync(bin, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], cwd: REPO_ROOT });

/** kubectl as the test cluster's admin. */
export const kubectl = (args: string[], input?: string): string => run(kubectlBin(), [`--kubeconfig=${clusterState().kubeconfig}`, ...args], input);

/** Chart values: --set pairs (helm parses their types) and/or a values object (passed with -f, types kept). */
export interface ChartValues {
  set?: Record<string, string>;
  values?: Record<string, unknown>;
}

let valuesDir: string | undefined;
let valuesFiles = 0;

/** helm's flags for `values`; a values object is written to a file of its own (one directory per test file). */
export function valueFlags({ set = {}, values }: ChartValues = {}): string[] {
  const flags = Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  if (values) {
    valuesDir ??= scratchDir('values');
    const file = join(valuesDir, `values-${++valuesFiles}.yaml`);
    writeFileSync(file, JSON.stringify(values, null, 2)); // JSON is YAML
    flags.push('-f', file);
  }
  return flags;
}

/** `helm template` of the chart; `set` are --set pairs, `values` a values object. */
export const template = (release: string, namespace: string, set: Record<string, string> = {}, values?: Record<string, unknown>): string =>
  run(helmBin(), ['template', release, CHART, '--namespace', namespace, ...valueFlags({ set, ...(values ? { values } : {}) })]);

/** A helm command that may fail: its exit status, stdout and stderr. */
export function helmResult(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(helmBin(), args, { encoding: 'utf8', cwd: REPO_ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The objects of a multi-document YAML stream (empty documents left out). */
export const documents = (yaml: string): k8s.KubernetesObject[] =>
  parseAllDocuments(yaml).map((d) => d.toJS() as k8s.KubernetesObject).filter(Boolean);

/** kind/namespace/name: what identifies an object in a manifest. */
export const objectKey = (o: k8s.KubernetesObject): string => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
