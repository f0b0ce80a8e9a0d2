/**
 * Runs the ModelVariant's Argo CD Lua (deploy/argocd/argocd-cm.yaml) in the interpreter Argo CD
 * embeds, through the real binary's offline commands (`argocd admin settings resource-overrides
 * health | list-actions | run-action <object.yaml> --argocd-cm-path <argocd-cm.yaml>`), and reads and
 * writes the recorded fixtures in Argo CD's own test layout (health_test.yaml, actions/action_test.yaml,
 * testdata/), so the same files can go upstream.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CUSTOMIZATIONS, SNIPPET } from '../../../scripts/gen-argocd.ts';
import { REPO_ROOT } from '../../harness/binaries.ts';

export { CUSTOMIZATIONS };

export interface Health {
  status: string;
  message: string;
}

export interface DiscoveredAction {
  name: string;
  disabled: boolean;
}

/** health_test.yaml: one case per recorded fixture. */
export interface HealthTests {
  tests: { healthStatus: Health; inputPath: string }[];
}

/** actions/action_test.yaml: which actions are enabled per fixture, and what each action writes. */
export interface ActionTests {
  discoveryTests: { inputPath: string; result: DiscoveredAction[] }[];
  actionTests: { action: string; inputPath: string; expectedOutputPath: string }[];
}

/** The Lua runner: `bin` is the argocd binary (hack/tools.sh argocd). */
export function argocdLua(bin: string) {
  const cm = join(REPO_ROOT, SNIPPET);
  const run = (command: string, object: string, ...rest: string[]): string => {
    const dir = mkdtempSync(join(tmpdir(), 'argocd-lua-'));
    try {
      const file = join(dir, 'object.yaml');
      writeFileSync(file, object);
      // TMPDIR: run-action leaves an argocd-diff* directory in the temp directory; this one is removed below.
      return execFileSync(bin, ['admin', 'settings', 'resource-overrides', command, file, ...rest, '--argocd-cm-path', cm],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: dir } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return {
    /** The health Argo CD would show for this object (YAML text). */
    health(object: string): Health {
      const out = run('health', object);
      const status = /^STATUS: (.*)$/m.exec(out)?.[1];
      if (status === undefined) throw new Error(`argocd printed no STATUS for the health check:\n${out}`);
      return { status, message: /^MESSAGE: (.*)$/m.exec(out)?.[1] ?? '' };
    },
    /** The actions and whether each is disabled, sorted by name. */
    actions(object: string): DiscoveredAction[] {
      const lines = run('list-actions', object).trim().split('\n').filter((l) => !l.startsWith('{'));
      return lines.slice(1).map((l) => l.trim().split(/\s+/)).map(([name = '', disabled]) => ({ name, disabled: disabled === 'true' }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    /** The lines an action adds (`> …`) and removes (`< …`), from the diff argocd prints. */
    runAction(object: string, action: string): { added: string[]; removed: string[] } {
      const out = run('run-action', object, action);
      return { added: out.split('\n').filter((l) => l.startsWith('> ')).map((l) => l.slice(2)), removed: out.split('\n').filter((l) => l.startsWith('< ')).map((l) => l.slice(2)) };
    },
  };
}

/** What health.lua and discovery.lua give for one object of `everyObject`, or the Lua error each raised. */
export interface Judged {
  health: Health | { error: string };
  actions: DiscoveredAction[] | { error: string };
}

const FIELD = '\u001f';
const RECORD = '\u001e';

/**
 * health.lua and actions/discovery.lua on many objects in ONE argocd run (one run costs about half a
 * second): each script, as in the snippet, becomes the body of a Lua function of `obj`, and a health
 * script of a made-up kind (test.activationcanary.io/Batch, in a temporary argocd-cm) calls both on
 * each item under pcall and returns the answers as its message. The same interpreter and libraries as
 * for a ModelVariant (base and table, no string library); a Lua error shows as `error`.
 */
export function everyObject(bin: string, objects: unknown[]): Judged[] {
  const data = (parse(readFileSync(join(REPO_ROOT, SNIPPET), 'utf8')) as { data: Record<string, string> }).data;
  const healthLua = data['resource.customizations.health.activationcanary.io_ModelVariant'] ?? '';
  const actionsYaml = parse(data['resource.customizations.actions.activationcanary.io_ModelVariant'] ?? '') as { 'discovery.lua': string };
  const batch = [
    `local function health(obj)\n${healthLua}\nend`,
    `local function discovery(obj)\n${actionsYaml['discovery.lua']}\nend`,
    'local names = {"abort", "pause", "promote", "resume", "retry"}',
    'local out = ""',
    'for _, o in ipairs(obj.items) do',
    '  local ok, hs = pcall(health, o)',
    `  if ok then out = out .. hs.status .. "${FIELD}" .. hs.message else out = out .. "error${FIELD}" .. tostring(hs) end`,
    '  local okActions, actions = pcall(discovery, o)',
    '  if okActions then',
    '    for _, name in ipairs(names) do',
    `      out = out .. "${FIELD}" .. name .. "=" .. tostring(actions[name] ~= nil and actions[name].disabled)`,
    '    end',
    `  else out = out .. "${FIELD}error=" .. tostring(actions) end`,
    `  out = out .. "${RECORD}"`,
    'end',
    'return {status = "Healthy", message = out}',
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'argocd-lua-batch-'));
  try {
    const cm = join(dir, 'argocd-cm.yaml');
    writeFileSync(cm, stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm' }, data: { 'resource.customizations.health.test.activationcanary.io_Batch': batch } }));
    const file = join(dir, 'batch.yaml');
    writeFileSync(file, stringify({ apiVersion: 'test.activationcanary.io/v1', kind: 'Batch', metadata: { name: 'batch' }, items: objects }));
    const out = execFileSync(bin, ['admin', 'settings', 'resource-overrides', 'health', file, '--argocd-cm-path', cm],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: dir } });
    const message = out.slice(out.indexOf('MESSAGE: ') + 'MESSAGE: '.length).replace(/\n$/, '');
    const records = message.split(RECORD).slice(0, -1);
    if (records.length !== objects.length) throw new Error(`argocd answered for ${records.length} of ${objects.length} objects:\n${out}`);
    return records.map((r) => {
      const [status = '', text = '', ...rest] = r.split(FIELD);
      const pairs = rest.map((p) => p.split(/=(.*)/s));
      return {
        health: status === 'error' ? { error: text } : { status, message: text },
        actions: pairs[0]?.[0] === 'error' ? { error: pairs[0][1] ?? '' } : pairs.map(([name = '', disabled]) => ({ name, disabled: disabled === 'true' })),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The signal an action sets, with its id made time-independent (as Argo CD's own tests normalise restartedAt). */
export const normaliseSignal = (value: string) => value.replace(/@argocd-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ-rv/, '@argocd-0001-01-01T00:00:00Z-rv');

export const readYaml = <T>(path: string): T => parse(readFileSync(join(CUSTOMIZATIONS, path), 'utf8')) as T;
