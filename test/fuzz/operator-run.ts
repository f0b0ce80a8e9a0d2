/**
 * Runs the real operator (a child process, `--namespace` one namespace of its own) against the specs
 * the apiserver accepted, a few at a time: each is created, must be acted on (status written with
 * `observedGeneration` = `generation`, or `SpecValid=False` with a message that names a field) within
 * `settleTimeoutMs`, is watched at rest for `restMs` (its status size measured, its reconciles counted
 * from the log afterwards), sometimes changed once more (a new activation and new images: a rollout or
 * a direct replacement, so `status.change` is written), and deleted. At most `window` live at once and
 * a cap on Services keep the shared cluster's service range and the two cores out of trouble; a quota of
 * pods keeps `replicas: 1000` cheap, and a quota of no GPU leaves the fake nodes' GPUs to other tests. Prometheus is never reached: the operator's allow-list admits only
 * a closed loopback port.
 */
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, GROUP, PLURAL, VERSION, type ModelVariant } from '../../src/api/types.ts';
import { createTestNamespace, deleteTestNamespace, kubeConfig } from '../harness/env.ts';
import { startOperator, type RunningOperator } from '../harness/operator.ts';
import { createPath, postRaw, TOO_LARGE_TO_STORE } from './apiserver.ts';
import type { FuzzCase } from './generate.ts';
import { parseOperatorLog, reconcilesBetween, type OperatorLog } from './operator-log.ts';

/** The bound the operator promises on `JSON.stringify(status)` (docs/reliability.md). */
export const STATUS_BYTES_BOUND = 64 * 1024;
/** At rest a ModelVariant is reconciled at most once a second on average (docs/reliability.md). */
export const REST_RECONCILE_FLOOR_MS = 1_000;

export interface OperatorRunOptions {
  /** ModelVariants alive at once. */
  window: number;
  settleTimeoutMs: number;
  restMs: number;
  /** Fraction of cases changed a second time (new activation and images). */
  changeRate: number;
  /** Run only the first this many accepted cases (all when undefined). */
  maxCases?: number;
  log?: (line: string) => void;
}

export interface OperatorFinding {
  index: number;
  name: string;
  kind: 'notActedOn' | 'specInvalidUnnamed' | 'statusTooLarge' | 'floorBreach' | 'reconcileError' | 'createFailed';
  detail: string;
}

export interface OperatorResults {
  run: number;
  /** Accepted by the dry run, too large to store (TOO_LARGE_TO_STORE: the apiserver's 500). */
  tooLargeForEtcd: number;
  actedOn: number;
  specInvalid: number;
  changed: number;
  crashes: number;
  errorLines: string[];
  maxStatusBytes: number;
  maxRestReconcilesPerSecond: number;
  findings: OperatorFinding[];
  queries: string[];
}

interface Live {
  c: FuzzCase;
  generation: number;
  createdAt: number;
  state: 'waiting' | 'resting';
  restFrom: number;
  restUntil: number;
  changedOnce: boolean;
  specInvalid: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether case `index` is changed a second time, drawn from its seed so that a replay does the same. */
function changes(c: FuzzCase, rate: number): boolean {
  return ((c.seed >>> 0) % 1000) / 1000 < rate;
}

/** Runs the operator against `cases` (all accepted by the apiserver's dry run). */
export async function runOperatorPhase(cases: FuzzCase[], opts: OperatorRunOptions): Promise<OperatorResults> {
  const kc = kubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const namespace = await createTestNamespace('fuzz-operator');
  // 20 pods at most, and no GPU: on make test's shared cluster, other test files need the fake nodes' GPUs.
  await core.createNamespacedResourceQuota({ namespace, body: { metadata: { name: 'fuzz-pods' }, spec: { hard: { pods: '20', 'requests.nvidia.com/gpu': '0' } } } });
  const args = ['--namespace', namespace, '--leader-elect=false', '--log-level=debug', '--resync=1h', '--prometheus-allowed-addresses=http://127.0.0.1:1'];
  const operators: RunningOperator[] = [startOperator({ args })];
  const results: OperatorResults = { run: 0, tooLargeForEtcd: 0, actedOn: 0, specInvalid: 0, changed: 0, crashes: 0, errorLines: [], maxStatusBytes: 0, maxRestReconcilesPerSecond: 0, findings: [], queries: [] };
  const rests: { c: FuzzCase; from: number; to: number }[] = [];
  const live = new Map<string, Live>();
  const queue = cases.slice(0, opts.maxCases ?? cases.length);
  const find = (l: Live, kind: OperatorFinding['kind'], detail: string) => results.findings.push({ index: l.c.index, name: l.c.name, kind, detail });
  const remove = async (name: string) => {
    live.delete(name);
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, propagationPolicy: 'Background' }).catch(() => undefined);
  };
  try {
    await operators[0]?.port();
    while (queue.length > 0 || live.size > 0) {
      const current = operators[operators.length - 1] as RunningOperator;
      if (current.child.exitCode !== null || current.child.signalCode !== null) {
        results.crashes++;
        opts.log?.(`operator exited (${current.child.exitCode ?? current.child.signalCode}); restarting it\n${current.logs().slice(-2000)}`);
        operators.push(startOperator({ args }));
      }
      const services = (await core.listNamespacedService({ namespace })).items.length;
      while (live.size < opts.window && queue.length > 0 && services + 3 * live.size < opts.window * 3 + 9) {
        const c = queue.shift() as FuzzCase;
        const { code, body } = await postRaw(kc, createPath(namespace, { dryRun: false, fieldValidation: c.fieldValidation }), c.text)
          .catch((err: unknown) => ({ code: 0, body: `no answer: ${String(err)}` }));
        if (code === 500 && TOO_LARGE_TO_STORE.test(body)) {
          results.tooLargeForEtcd++;
          continue;
        }
        if (code < 200 || code >= 300) {
          results.findings.push({ index: c.index, name: c.name, kind: 'createFailed', detail: `HTTP ${code}: ${body.slice(0, 300)}` });
          continue;
        }
        const created = JSON.parse(body) as ModelVariant;
        results.run++;
        if (results.run % 200 === 0) opts.log?.(`${results.run}/${queue.length + results.run} created for the operator`);
        live.set(c.name, { c, generation: created.metadata?.generation ?? 1, createdAt: Date.now(), state: 'waiting', restFrom: 0, restUntil: 0, changedOnce: false, specInvalid: false });
      }
      await sleep(250);
      const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL })) as { items: ModelVariant[] };
      const byName = new Map(list.items.map((mv) => [mv.metadata?.name ?? '', mv]));
      const now = Date.now();
      for (const [name, l] of [...live]) {
        const mv = byName.get(name);
        const status = mv?.status;
        if (status) results.maxStatusBytes = Math.max(results.maxStatusBytes, Buffer.byteLength(JSON.stringify(status)));
        if (status && Buffer.byteLength(JSON.stringify(status)) > STATUS_BYTES_BOUND && !results.findings.some((f) => f.name === name && f.kind === 'statusTooLarge')) {
          find(l, 'statusTooLarge', `${Buffer.byteLength(JSON.stringify(status))} bytes of status`);
        }
        if (l.state === 'waiting') {
          const specValid = status?.conditions?.find((x) => x.type === 'SpecValid');
          if (mv && status?.observedGeneration === l.generation && specValid) {
            if (specValid.status === 'False') {
              l.specInvalid = true;
              if (!/\b(spec|metadata)[.[]/.test(specValid.message ?? '')) find(l, 'specInvalidUnnamed', specValid.message ?? '(no message)');
            }
            l.state = 'resting';
            l.restFrom = now + 500;
            l.restUntil = l.restFrom + opts.restMs;
          } else if (now - l.createdAt > opts.settleTimeoutMs) {
            find(l, 'notActedOn', `no status for generation ${l.generation} after ${opts.settleTimeoutMs} ms; status: ${JSON.stringify(status ?? null).slice(0, 600)}`);
            await remove(name);
          }
        } else if (now >= l.restUntil) {
          rests.push({ c: l.c, from: l.restFrom, to: l.restUntil });
          if (!l.changedOnce && l.specInvalid) results.specInvalid++;
          else if (!l.changedOnce) results.actedOn++;
          if (!l.changedOnce && mv && changes(l.c, opts.changeRate)) {
            const patched = await changeVariant(custom, namespace, mv);
            if (patched) {
              results.changed++;
              Object.assign(l, { state: 'waiting', generation: patched, createdAt: Date.now(), changedOnce: true, specInvalid: false });
              continue;
            }
          }
          await remove(name);
        }
      }
    }
  } finally {
    for (const op of operators) await op.stop();
    await deleteTestNamespace(namespace);
  }
  const logs = operators.map((op) => parseOperatorLog(op.logs()));
  judgeLogs(logs, rests, cases, results, opts.restMs);
  return results;
}

/** A new activation and new images for every container: a new variant. Returns the new generation. */
async function changeVariant(custom: k8s.CustomObjectsApi, namespace: string, mv: ModelVariant): Promise<number | undefined> {
  const containers = (mv.spec.template?.spec?.containers ?? []).map((c) => ({ ...c, image: `${String(c.image ?? '').slice(0, 1000)}-v2` }));
  const activation = `${mv.spec.activation.slice(0, 60)}_v2`;
  try {
    const updated = (await custom.patchNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace, plural: PLURAL, name: mv.metadata?.name ?? '',
      body: { apiVersion: API_VERSION, spec: { activation, template: { ...mv.spec.template, spec: { ...mv.spec.template?.spec, containers } } } },
    }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch))) as ModelVariant;
    return updated.metadata?.generation;
  } catch {
    return undefined;
  }
}

/** Floor breaches, reconcile errors, error lines and crash traces from the operators' logs. */
function judgeLogs(logs: OperatorLog[], rests: { c: FuzzCase; from: number; to: number }[], cases: FuzzCase[], results: OperatorResults, restMs: number): void {
  const byName = new Map(cases.map((c) => [c.name, c]));
  const budget = Math.floor(restMs / REST_RECONCILE_FLOOR_MS) + 1;
  for (const log of logs) {
    results.errorLines.push(...log.errors, ...log.foreign.filter((l) => /Error|at .*\(|uncaught/i.test(l)));
    results.queries.push(...log.queries);
    const errorsByName = new Map<string, { count: number; err: string }>();
    for (const { key, err } of log.reconcileErrors) {
      const name = key.split('/')[1] ?? key;
      const seen = errorsByName.get(name);
      errorsByName.set(name, { count: (seen?.count ?? 0) + 1, err: seen?.err ?? err });
    }
    for (const [name, { count, err }] of errorsByName) {
      results.findings.push({ index: byName.get(name)?.index ?? -1, name, kind: 'reconcileError', detail: `${count} reconcile(s) threw, first: ${err.replace(/\s+/g, ' ').slice(0, 400)}` });
    }
  }
  for (const { c, from, to } of rests) {
    const key = logs.flatMap((log) => [...log.reconciles.keys()]).find((k) => k.endsWith(`/${c.name}`));
    if (!key) continue;
    const n = logs.reduce((sum, log) => sum + reconcilesBetween(log, key, from, to).length, 0);
    results.maxRestReconcilesPerSecond = Math.max(results.maxRestReconcilesPerSecond, n / ((to - from) / 1000));
    if (n > budget) results.findings.push({ index: c.index, name: c.name, kind: 'floorBreach', detail: `${n} reconciles in ${to - from} ms at rest (at most ${budget})` });
  }
}
