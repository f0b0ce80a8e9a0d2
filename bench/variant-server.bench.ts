/**
 * Benchmark of the reference variant server (not a test: it prints figures). Each server runs as its
 * own process, the load comes from this process (closed loop: `--concurrency` workers sending
 * `--batch`-row requests back to back), and the server's CPU time per request is read from
 * /proc/<pid>/schedstat. Part 1: requests per second, p95 latency and CPU per request for every
 * activation variant, the variants taking turns round by round. Part 2: the cost of activation
 * telemetry, a server at the default sampling rate (and one at rate 1) against one with telemetry off,
 * interleaved A B A B … and reported as per-pair ratios, since the machine is shared and noisy; each
 * run of Part 2 gets a fresh server process, so no process keeps a lucky or unlucky placement. With
 * taskset available, servers are pinned to the last CPU and this process (the client) to the first. Part 3:
 * the same cost measured in-process, without HTTP: CPU time of the forward pass with and without the
 * telemetry observer, interleaved, which is far less noisy than throughput on a shared machine.
 *
 * usage: node bench/variant-server.bench.ts [--duration 2s] [--rounds 5] [--pairs 8] [--batch 32]
 *        [--concurrency 4] [--variants relu,gelu] [--telemetry-variant gelu] [--skip-variants] [--json]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ACTIVATION_NAMES, isActivationName } from '../src/telemetry/activations.ts';
import { DEFAULT_SAMPLE_RATE } from '../src/telemetry/activation-telemetry.ts';
import { Registry } from 'prom-client';
import { createActivationTelemetry } from '../src/telemetry/activation-telemetry.ts';
import { runLoad } from '../src/variant-server/load-generator.ts';
import { predict } from '../src/variant-server/mlp.ts';
import { createRandom } from '../src/variant-server/random.ts';
import { DEFAULT_MODEL_DIR, loadWeights } from '../src/variant-server/weights.ts';
import { spawnVariantServer, type SpawnedServer } from '../src/variant-server/spawn.ts';
import { parseDuration } from '../src/util/duration.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '2s' }, rounds: { type: 'string', default: '5' }, pairs: { type: 'string', default: '8' },
    batch: { type: 'string', default: '32' }, concurrency: { type: 'string', default: '4' }, variants: { type: 'string' },
    'telemetry-variant': { type: 'string', default: 'gelu' }, 'skip-variants': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const durationMs = parseDuration(args.duration) ?? 2000;
const rounds = Number(args.rounds);
const pairs = Number(args.pairs);
const batch = Number(args.batch);
const concurrency = Number(args.concurrency);
const variants = (args.variants ?? ACTIVATION_NAMES.join(',')).split(',').filter(isActivationName);
const telemetryVariant = isActivationName(args['telemetry-variant']) ? args['telemetry-variant'] : 'gelu';

interface Run { rps: number; p95Ms: number; cpuUsPerRequest: number; errors: number }

/** Nanoseconds the process has spent on a CPU (schedstat), falling back to clock ticks from stat. */
function cpuNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 1e7;
  }
}

async function measure(server: SpawnedServer, ms = durationMs): Promise<Run> {
  const before = cpuNs(server.child.pid!);
  const report = await runLoad({ urls: [server.url], rate: 0, concurrency, durationMs: ms, batch });
  const cpu = cpuNs(server.child.pid!) - before;
  return {
    rps: report.requests / report.durationSeconds, p95Ms: (report.latency.p95 ?? Number.NaN) * 1000,
    cpuUsPerRequest: cpu / 1000 / Math.max(1, report.requests), errors: report.errors,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f = (x: number, digits = 0) => x.toFixed(digits);

/** Pins every thread of a process to one CPU, when taskset exists; returns whether it did. */
function pin(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const cpuCount = cpus().length;
const pinned = cpuCount > 1 && pin(process.pid, 0);

async function start(env: Record<string, string>): Promise<SpawnedServer> {
  const server = await spawnVariantServer({ env: { LOG_LEVEL: 'warn', ...env } });
  if (pinned) pin(server.child.pid!, cpuCount - 1);
  await server.waitReady();
  await measure(server, 500); // JIT warm-up under real requests, not counted
  return server;
}

const out: Record<string, unknown> = {
  node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, loadavgStart: loadavg().map((x) => f(x, 2)),
  settings: { durationMs, rounds, pairs, batch, concurrency, sampleRate: DEFAULT_SAMPLE_RATE },
};
const lines: string[] = [
  `variant-server benchmark: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}, load average ${loadavg().map((x) => f(x, 2)).join(' ')}`,
  `closed loop, ${concurrency} workers, ${batch} rows per request, ${f(durationMs / 1000, 1)} s per run; figures are medians` +
  (pinned ? `; servers pinned to CPU ${cpuCount - 1}, client to CPU 0` : ''),
];

if (!args['skip-variants']) {
  const servers = new Map<string, SpawnedServer>();
  for (const variant of variants) servers.set(variant, await start({ ACTIVATION: variant }));
  const runs = new Map<string, Run[]>(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no variant always runs first or last.
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    for (const variant of order) runs.get(variant)!.push(await measure(servers.get(variant)!));
  }
  await Promise.all([...servers.values()].map((s) => s.stop()));
  const base = runs.get(variants[0]!)!;
  const table = variants.map((variant) => {
    const r = runs.get(variant)!;
    const ratio = median(r.map((run, i) => run.rps / base[i]!.rps));
    return {
      variant, rps: median(r.map((x) => x.rps)), p95Ms: median(r.map((x) => x.p95Ms)),
      cpuUsPerRequest: median(r.map((x) => x.cpuUsPerRequest)), rpsRatioToFirst: ratio, errors: r.reduce((a, x) => a + x.errors, 0),
    };
  });
  out.variants = table;
  lines.push('', `Part 1: per variant (${rounds} rounds, order rotated each round; ratio = median of per-round ratios to ${variants[0]})`, '',
    `| variant | req/s | rows/s | p95 latency | server CPU per request | req/s vs ${variants[0]} |`, '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...table.map((t) => `| ${t.variant} | ${f(t.rps)} | ${f(t.rps * batch)} | ${f(t.p95Ms, 1)} ms | ${f(t.cpuUsPerRequest)} µs | ${f(t.rpsRatioToFirst, 2)} |`));
}

const configs = [
  { name: `sampling ${DEFAULT_SAMPLE_RATE} (default)`, env: { TELEMETRY_SAMPLE_RATE: String(DEFAULT_SAMPLE_RATE) } },
  { name: 'sampling 1 (every request)', env: { TELEMETRY_SAMPLE_RATE: '1' } },
];
/** A fresh server for one measurement, stopped right after it. */
async function measureFresh(env: Record<string, string>): Promise<Run> {
  const server = await start(env);
  try {
    return await measure(server);
  } finally {
    await server.stop();
  }
}
const offEnv = { ACTIVATION: telemetryVariant, TELEMETRY_SAMPLE_RATE: '0' };
const telemetry = [];
const offCpu: number[] = [];
for (const config of configs) {
  const onEnv = { ACTIVATION: telemetryVariant, ...config.env };
  const rps: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < pairs; i++) {
    // A B, then B A: each goes first half the time.
    const [a, b] = i % 2 === 0
      ? [await measureFresh(onEnv), await measureFresh(offEnv)]
      : (([y, x]) => [x, y])([await measureFresh(offEnv), await measureFresh(onEnv)]);
    rps.push(a!.rps / b!.rps);
    cpu.push(a!.cpuUsPerRequest / b!.cpuUsPerRequest);
    offCpu.push(b!.cpuUsPerRequest);
  }
  telemetry.push({
    config: config.name, pairs, rpsRatio: median(rps), rpsRatioMin: Math.min(...rps), rpsRatioMax: Math.max(...rps),
    cpuRatio: median(cpu), cpuRatioMin: Math.min(...cpu), cpuRatioMax: Math.max(...cpu),
  });
}
out.telemetry = telemetry;
lines.push('', `Part 2: telemetry on vs off (${telemetryVariant}; ${pairs} interleaved pairs, a fresh server per run; ratio on/off, median and min–max)`, '',
  '| telemetry | req/s ratio | server CPU per request ratio | throughput cost from CPU (1 - 1/ratio) |', '| --- | ---: | ---: | ---: |',
  ...telemetry.map((t) => `| ${t.config} | ${f(t.rpsRatio, 3)} (${f(t.rpsRatioMin, 3)}–${f(t.rpsRatioMax, 3)}) | ` +
    `${f(t.cpuRatio, 3)} (${f(t.cpuRatioMin, 3)}–${f(t.cpuRatioMax, 3)}) | ${f((1 - 1 / t.cpuRatio) * 100, 1)}% |`));

// Part 3: in-process, no HTTP. CPU microseconds of one forward pass of `batch` rows, with and without
// the telemetry observer, interleaved; the difference is what one sampled request costs.
const { model } = loadWeights(DEFAULT_MODEL_DIR, telemetryVariant);
const random = createRandom(7);
const input = new Float64Array(batch * model.inputSize).map(() => random.gaussian());
const recorder = createActivationTelemetry({ registry: new Registry(), variant: telemetryVariant, activation: telemetryVariant, sampleRate: 1 });
const observe = (layer: string, pre: Float64Array, post: Float64Array) => { recorder.observeLayer(layer, pre, post); };
const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };
const timeIt = (fn: () => void, n = 2000) => { const t = cpuUs(); for (let i = 0; i < n; i++) fn(); return (cpuUs() - t) / n; };
const plain: number[] = [];
const observed: number[] = [];
for (let i = 0; i < 12; i++) {
  plain.push(timeIt(() => predict(model, input, batch)));
  observed.push(timeIt(() => predict(model, input, batch, observe)));
}
const perSampled = median(observed.map((o, i) => o - plain[i]!));
const serverCpu = median(offCpu);
const units = batch * model.layers.slice(0, -1).reduce((a, l) => a + l.outputs, 0);
out.inProcess = { forwardUs: median(plain), telemetryUsPerSampledRequest: perSampled, unitsPerRequest: units, serverCpuUsPerRequest: serverCpu };
lines.push('', `Part 3: in-process, ${telemetryVariant}, ${batch} rows (${units} hidden units) per request; CPU time, medians of 12 interleaved repetitions`, '',
  `forward pass ${f(median(plain))} µs; with activation telemetry ${f(median(observed))} µs: ${f(perSampled)} µs per sampled request ` +
  `(${f((perSampled * 1000) / units, 1)} ns per unit).`,
  `At rate ${DEFAULT_SAMPLE_RATE} that is ${f(perSampled * DEFAULT_SAMPLE_RATE, 1)} µs per request, ` +
  `${f(((perSampled * DEFAULT_SAMPLE_RATE) / serverCpu) * 100, 1)}% of the server's ${f(serverCpu)} µs CPU per request with telemetry off (Part 2); ` +
  `at rate 1, ${f((perSampled / serverCpu) * 100, 1)}%.`);
out.loadavgEnd = loadavg().map((x) => f(x, 2));
lines.push('', `load average at the end: ${loadavg().map((x) => f(x, 2)).join(' ')}`);
console.log(args.json ? JSON.stringify(out, null, 2) : lines.join('\n'));
