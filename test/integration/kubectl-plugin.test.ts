/**
 * `kubectl modelvariant` as users run it: a real child process against the real control plane, with
 * assertions on stdout, stderr and the exit code. The operator does not run here; the test plays its
 * part by writing status through the /status subresource (the real apiserver, no fake), which is all
 * the plugin reads. Covers list and get (table and -o json), the errors for a missing object and for
 * a name in the wrong namespace, a signal refused on a Healthy ModelVariant and one sent during a
 * canary, and every exit code of `wait`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, SIGNAL_ANNOTATION, VERSION, type ModelVariantStatus } from '../../src/api/types.ts';
import { REPO_ROOT } from '../harness/binaries.ts';
import { clusterState, createTestNamespace, deleteTestNamespace, eventually, kubeConfig } from '../harness/env.ts';
import { createModelVariant, getModelVariant, gpuTemplate } from './support/model-variants.ts';

const ENTRY = join(REPO_ROOT, 'src', 'cli', 'kubectl-modelvariant.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  /** What the process has written so far. */
  output: Run;
  done: Promise<Run>;
}

/** Starts the plugin with the test cluster's kubeconfig (plain output: not a TTY). */
function start(args: string[], { kubeconfigFlag = true, env = {} }: { kubeconfigFlag?: boolean; env?: NodeJS.ProcessEnv } = {}): Running {
  const flags = kubeconfigFlag ? ['--kubeconfig', clusterState().kubeconfig] : [];
  const child = spawn(process.execPath, [ENTRY, ...flags, ...args], { env: { ...process.env, NO_COLOR: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Run = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...output, code }));
  });
  return { output, done };
}

const plugin = (args: string[]) => start(args).done;

/** Waits until the running plugin has printed `text` (so it has read the object at least once). */
async function printed(running: Running, text: string, stream: 'stdout' | 'stderr'): Promise<void> {
  await eventually(`the plugin to print ${JSON.stringify(text)}`, async () => (running.output[stream].includes(text) ? true : undefined), 30_000, 100);
}

let ns: string;
let other: string;

/** Writes status the way the operator does: through the status subresource, replacing it whole. */
async function writeStatus(name: string, status: ModelVariantStatus, namespace = ns): Promise<void> {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  await api.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body: [{ op: 'add', path: '/status', value: status }] },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch));
}

const now = () => new Date().toISOString();
const steps = [{ setWeight: 10, pause: '1m' }, { setWeight: 50, pause: '5m' }, { setWeight: 80 }];

/** A ModelVariant moving relu → gelu, at step 2 of 3 with SLI values. */
async function canaryAtStep2(name: string): Promise<void> {
  await createModelVariant(ns, name, { activation: 'gelu', replicas: 2, template: gpuTemplate(1), strategy: { steps } });
  await writeStatus(name, {
    phase: 'Progressing', stableActivation: 'relu', canaryActivation: 'gelu', currentStepIndex: 1, canaryWeight: 50, observedGeneration: 1,
    rolloutStartedAt: now(), stepStartedAt: now(), weightReachedAt: now(), message: 'step 2/3 at 50%: pausing 5m',
    analysis: { lastRunAt: now(), verdict: 'Successful', consecutiveFailures: 0, consecutiveInconclusive: 0, slis: [
      { name: 'saturation', canaryValue: '0.0042', stableValue: '0.0039', threshold: '<= 0.01', verdict: 'Successful', reason: 'WithinBounds', measuredAt: now(), samples: 900, window: '1m' },
      { name: 'accuracy', threshold: '>= 0.9', verdict: 'Inconclusive', reason: 'NoData', message: 'no data for the canary over 5m', measuredAt: now() },
    ] },
    conditions: [{ type: 'Progressing', status: 'True', reason: 'StepPaused', message: 'step 2/3 at 50%', lastTransitionTime: now() }],
  });
}

async function healthyOn(name: string, activation: string, namespace = ns): Promise<void> {
  await createModelVariant(namespace, name, { activation, replicas: 2, template: gpuTemplate(1), strategy: { steps } });
  await writeStatus(name, { phase: 'Healthy', stableActivation: activation, canaryWeight: 0, observedGeneration: 1, message: `stable ${activation} serving` }, namespace);
}

beforeAll(async () => {
  ns = await createTestNamespace('plugin');
  other = await createTestNamespace('plugin-other');
  await canaryAtStep2('sentiment');
  await healthyOn('ranker', 'relu');
});
afterAll(async () => {
  await deleteTestNamespace(ns);
  await deleteTestNamespace(other);
});

describe('kubectl modelvariant list and get', () => {
  it('lists ModelVariants as a table with phase, weight and step', async () => {
    const run = await plugin(['list', '-n', ns]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +ACTIVATION +STABLE +CANARY +PHASE +WEIGHT +STEP +ANALYSIS +AGE$/);
    expect(lines[1]).toMatch(/^ranker +relu +relu +— +Healthy +0% +— +— +\d+s$/);
    expect(lines[2]).toMatch(/^sentiment +gelu +relu +gelu +Progressing +50% +2\/3 +Successful +\d+s$/);
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('lists as a kubectl List with -o json, across namespaces with -A', async () => {
    const run = await plugin(['list', '-A', '-o', 'json']);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { kind: string; items: { metadata: { namespace: string; name: string; managedFields?: unknown }; status?: { phase?: string } }[] };
    expect(list.kind).toBe('List');
    const mine = list.items.filter((i) => i.metadata.namespace === ns).map((i) => [i.metadata.name, i.status?.phase]);
    expect(mine).toEqual([['ranker', 'Healthy'], ['sentiment', 'Progressing']]);
    expect(list.items[0]?.metadata.managedFields).toBeUndefined();
  });

  it('gets one ModelVariant with its steps, SLIs, conditions and events', async () => {
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    const mv = await getModelVariant(ns, 'sentiment');
    await core.createNamespacedEvent({ namespace: ns, body: {
      metadata: { name: 'sentiment.test1' }, involvedObject: { apiVersion: `${GROUP}/${VERSION}`, kind: 'ModelVariant', name: 'sentiment', namespace: ns, uid: mv.metadata?.uid },
      type: 'Normal', reason: 'StepWeightReached', message: 'step 2/3: canary gelu at 50%', firstTimestamp: new Date(), lastTimestamp: new Date(), count: 1,
      source: { component: 'activation-canary' },
    } });
    const run = await plugin(['get', 'sentiment', '-n', ns]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('Phase:        Progressing');
    expect(run.stdout).toContain('Step:         2/3');
    expect(run.stdout).toMatch(/→ 2 +50% +pause 5m/);
    expect(run.stdout).toMatch(/ {2}saturation +0\.0042 +0\.0039 +<= 0\.01 +Successful +WithinBounds +900 +1m/);
    expect(run.stdout).toContain('! accuracy: no data for the canary over 5m');
    expect(run.stdout).toMatch(/Progressing +True +StepPaused/);
    expect(run.stdout).toMatch(/Normal +StepWeightReached +step 2\/3: canary gelu at 50%/);
  });

  it('prints the object with -o json, and takes the namespace from -n after the name', async () => {
    const run = await plugin(['get', 'sentiment', '-o', 'json', '-n', ns]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'ModelVariant', metadata: { name: 'sentiment' }, status: { phase: 'Progressing', canaryWeight: 50 } });
  });

  it('says a missing object is not found in that namespace and how to list, with exit code 3', async () => {
    const run = await plugin(['get', 'nope', '-n', ns]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`Error: modelvariant "nope" not found in namespace "${ns}". List them with: kubectl modelvariant list -n ${ns}\n`);
  });

  it('names the namespace that has the object when the wrong one is given', async () => {
    const run = await plugin(['get', 'sentiment', '-n', other]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`Error: modelvariant "sentiment" not found in namespace "${other}".`);
    // Other test files may own a "sentiment" elsewhere on the shared cluster: ours must be listed.
    expect(run.stderr).toMatch(new RegExp(`found in namespace\\(s\\): [^\\n]*\\b${ns}\\b[^\\n]* — use -n `));
  });

  it('uses $KUBECONFIG and the default namespace when no flags are given', async () => {
    const child = await start(['get', 'sentiment'], { kubeconfigFlag: false, env: { KUBECONFIG: clusterState().kubeconfig } }).done;
    expect(child.code).toBe(3);
    expect(child.stderr).toContain('not found in namespace "default"');
  });
});

describe('kubectl modelvariant signals', () => {
  it('refuses promote on a Healthy ModelVariant, says why, and sets nothing', async () => {
    const run = await plugin(['promote', 'ranker', '-n', ns]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ranker has no rollout in progress (phase Healthy); change spec.activation or spec.template to start one');
    expect((await getModelVariant(ns, 'ranker')).metadata?.annotations?.[SIGNAL_ANNOTATION]).toBeUndefined();
  });

  it('sets the promote annotation during a canary and says what it will do', async () => {
    const run = await plugin(['promote', 'sentiment', '-n', ns]);
    expect(run.code).toBe(0);
    const value = /\(signal (promote@\S+)\)/.exec(run.stdout)?.[1];
    expect(run.stdout).toContain(`modelvariant ${ns}/sentiment: promote requested (signal ${value})`);
    expect(run.stdout).toContain('the operator will skip the remaining steps and promote gelu');
    expect(value).toMatch(/^promote@\d{4}-\d\d-\d\dT/);
    expect((await getModelVariant(ns, 'sentiment')).metadata?.annotations?.[SIGNAL_ANNOTATION]).toBe(value);
  });

  it('with --wait, returns once the operator records the signal as handled', async () => {
    await canaryAtStep2('waiter');
    const running = start(['pause', 'waiter', '-n', ns, '--wait', '--timeout', '30s']);
    await printed(running, 'pause requested', 'stdout');
    const value = (await getModelVariant(ns, 'waiter')).metadata?.annotations?.[SIGNAL_ANNOTATION];
    expect(running.output.stdout).toContain(`(signal ${value})`);
    const mv = await getModelVariant(ns, 'waiter');
    await writeStatus('waiter', { ...mv.status, phase: 'Paused', pausedAt: now(), handledSignal: value, message: 'paused by a signal at step 2/3; send resume to continue' });
    const run = await running.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`the operator acted on ${value}; now Paused step 2/3 weight 50%: paused by a signal`);
  });

  it('with --wait, exits 1 saying the operator may not be running when nothing handles it', async () => {
    await canaryAtStep2('unattended');
    const run = await plugin(['abort', 'unattended', '-n', ns, '--wait', '--timeout', '2s']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the operator did not act on abort@\S+ within 2s; it may not be running/);
  });
});

describe('kubectl modelvariant wait', () => {
  it('exits 0 when the canary is promoted meanwhile', async () => {
    await canaryAtStep2('promotes');
    const running = start(['wait', 'promotes', '-n', ns, '--for=promoted', '--timeout=60s']);
    await printed(running, 'Progressing step 2/3 weight 50%', 'stderr');
    await writeStatus('promotes', { phase: 'Healthy', stableActivation: 'gelu', canaryWeight: 0, observedGeneration: 1, message: 'stable gelu serving' });
    const run = await running.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`modelvariant ${ns}/promotes: promoted: gelu is stable\n`);
  });

  it('exits 1 with the reason when the canary is rolled back instead', async () => {
    await canaryAtStep2('fails');
    const running = start(['wait', 'fails', '-n', ns, '--for', 'promoted', '--timeout', '60s']);
    await printed(running, 'Progressing step 2/3 weight 50%', 'stderr');
    const message = 'rolled back to relu: SLI accuracy failed: canary 0.81 is below the minimum 0.9 over 5m';
    await writeStatus('fails', {
      phase: 'Degraded', stableActivation: 'relu', canaryActivation: 'gelu', currentStepIndex: 1, canaryWeight: 0, observedGeneration: 1, message,
      conditions: [{ type: 'Degraded', status: 'True', reason: 'AnalysisFailed', message, lastTransitionTime: now() }],
    });
    const run = await running.done;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`modelvariant ${ns}/fails: rolled back (Degraded): AnalysisFailed: ${message}`);
  });

  it('exits 2 on timeout, saying where the rollout stood', async () => {
    const run = await plugin(['wait', 'sentiment', '-n', ns, '--for=promoted', '--timeout=2s', '--quiet']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Error: timed out after 2s waiting for modelvariant \S+\/sentiment to be promoted; last seen: Progressing step 2\/3 weight 50%/);
  });

  it('exits 3 for a missing object and for a bad --for', async () => {
    const missing = await plugin(['wait', 'nope', '-n', ns, '--for=degraded']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(`modelvariant "nope" not found in namespace "${ns}"`);
    const usage = await plugin(['wait', 'sentiment', '-n', ns, '--for=done']);
    expect(usage.code).toBe(3);
    expect(usage.stderr).toMatch(/argument 'done' is invalid. Allowed choices are promoted, degraded, healthy/);
  });
});

describe('kubectl modelvariant watch', () => {
  it('prints the view and, with --until-done, exits 0 once Healthy', async () => {
    await canaryAtStep2('watched');
    const running = start(['watch', 'watched', '-n', ns, '--until-done']);
    await printed(running, 'Phase:        Progressing', 'stdout');
    await writeStatus('watched', { phase: 'Healthy', stableActivation: 'gelu', canaryWeight: 0, observedGeneration: 1, message: 'stable gelu serving' });
    const run = await running.done;
    expect(run.code).toBe(0);
    const blocks = run.stdout.split(/^--- /m).filter((b) => b !== '');
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toContain('Phase:        Progressing');
    expect(blocks[1]).toContain('Phase:        Healthy');
    expect(run.stdout).not.toContain('\x1b[');
  });
});
