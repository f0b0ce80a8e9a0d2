/**
 * End to end: the demo's three scenarios, headless, on the test cluster — real operator, real
 * Prometheus scraping real variant servers started per kwok pod, real clients. The new activation
 * must be promoted and serving; the failing one rolled back with the failing SLI named; the experiment's
 * winner (gelu) promoted with silu and mish excluded, each reason naming its SLI; and no
 * process the demo started may be left behind.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../harness/binaries.ts';
import { clusterState } from '../harness/env.ts';

interface DemoReport {
  ok: boolean;
  results: { to: string; outcome: string; expected: string; message: string; failedSlis: { name: string; canaryValue?: string }[]; stableActivation?: string;
    clients?: { requests: number; errors: number; byRole: Record<string, number> };
    experiment?: { winner?: string; reason?: string; candidates?: { activation: string; rank?: number; verdict?: string; reason?: string }[] } }[];
  error?: string;
}

/** Variant servers orphaned to init: what a demo that failed to clean up would leave behind. */
function orphanedVariantServers(): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return ps.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[1] === '1' && f.slice(2).join(' ').includes('src/variant-server/main.ts')).map((f) => f[0] as string);
}

describe('make demo, headless', () => {
  it('promotes relu → gelu, rolls gelu → sigmoid back naming the failing SLI, runs an experiment whose winner is promoted, and leaves no process behind', async () => {
    const before = new Set(orphanedVariantServers());
    const state = clusterState();
    const child = spawn(process.execPath, [join(REPO_ROOT, 'hack', 'demo.ts'), '--json', '--pause', '8', '--namespace', `demo-e2e-${process.pid}`,
      '--cluster-dir', dirname(state.kubeconfig)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as DemoReport;
    if (!report.ok) console.error(stdout, stderr);

    expect(report.error).toBeUndefined();
    const [promote, rollback, experiment] = report.results;
    expect(promote).toMatchObject({ to: 'gelu', outcome: 'promoted', stableActivation: 'gelu' });
    expect(rollback).toMatchObject({ to: 'sigmoid', outcome: 'rolled back', stableActivation: 'gelu' });
    expect(rollback?.failedSlis.map((s) => s.name)).toContain('saturation');
    expect(rollback?.message).toMatch(/saturation/);
    // The clients split by the live HTTPRoute's weights: the canary answered some, and the route never
    // sent a share to a Service without ready pods (those would be a gateway's 503s, counted as errors).
    console.log(`demo clients: ${JSON.stringify(report.results.map((r) => ({ to: r.to, ...r.clients })))}`);
    for (const r of [promote, rollback]) {
      expect(r?.clients?.byRole.canary ?? 0).toBeGreaterThan(0);
      expect(r?.clients?.errors ?? 0).toBeLessThanOrEqual(0.01 * (r?.clients?.requests ?? 0));
    }
    // The experiment: gelu wins on accuracy over a relu served with scaled inputs; silu (errors) and mish (latency) are excluded.
    expect(experiment).toMatchObject({ outcome: 'promoted', stableActivation: 'gelu', experiment: { winner: 'gelu', reason: 'WinnerFound' } });
    expect(experiment?.experiment?.candidates?.map((c) => [c.activation, c.rank, c.verdict])).toEqual([['gelu', 1, 'Pass'], ['silu', undefined, 'Fail'], ['mish', undefined, 'Fail']]);
    expect(experiment?.experiment?.candidates?.find((c) => c.activation === 'silu')?.reason).toContain('errorRate worse than stable');
    expect(experiment?.experiment?.candidates?.find((c) => c.activation === 'mish')?.reason).toContain('latencyP95 worse than stable');
    expect(experiment?.clients?.byRole.experiment ?? 0).toBeGreaterThan(0);
    expect(code).toBe(0);
    const leftover = orphanedVariantServers().filter((pid) => !before.has(pid));
    expect(leftover).toEqual([]);
  }, 420_000);
});
