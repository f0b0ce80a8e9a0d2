import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { MAIN_PATH, spawnVariantServer } from './spawn.ts';

// These start the server as a real process (node runs the .ts source directly), as the demo and e2e do.
describe('the variant server process', () => {
  it('exits 2 at start on an unknown variant, listing the known ones', async () => {
    const child = spawn(process.execPath, [MAIN_PATH], { env: { ...process.env, ACTIVATION: 'swishy' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('unknown variant "swishy" in ACTIVATION; known variants: relu, leaky_relu, elu, selu, gelu, gelu_tanh, silu, mish, softplus, sigmoid, tanh');
  }, 30_000);

  it('prints where it listens on PORT=0, reads the variant from VARIANT_ENV, and drains on SIGTERM', async () => {
    const server = await spawnVariantServer({ env: { VARIANT_ENV: 'MODEL_ACTIVATION', MODEL_ACTIVATION: 'softplus', FAULT_LATENCY_MS: '500' } });
    const listening = JSON.parse(server.logs[0]!) as { msg: string; port: number };
    expect(listening).toMatchObject({ msg: 'listening', port: server.port });
    expect(server.port).toBeGreaterThan(0);
    await server.waitReady();
    expect(await (await fetch(`${server.url}/v1/model`)).json()).toMatchObject({ variant: 'softplus' });

    const inFlight = fetch(`${server.url}/v1/predict`, { method: 'POST', body: JSON.stringify({ inputs: [Array(12).fill(0.5)] }) });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const exitCode = server.stop('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await exitCode).toBe(0);
    const messages = server.logs.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(['listening', 'ready', 'received signal', 'draining', 'stopped']);
  }, 30_000);
});
