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
import { parse } from 'yaml';
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
      return execFileSync(bin, ['admin', 'settings', 'resource-overrides', command, file, ...rest, '--argocd-cm-path', cm],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
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

/** The signal an action sets, with its id made time-independent (as Argo CD's own tests normalise restartedAt). */
export const normaliseSignal = (value: string) => value.replace(/@argocd-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ-rv/, '@argocd-0001-01-01T00:00:00Z-rv');

export const readYaml = <T>(path: string): T => parse(readFileSync(join(CUSTOMIZATIONS, path), 'utf8')) as T;
