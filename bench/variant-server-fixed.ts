/**
 * A fixed amount of work for whole-process comparisons (time it from outside, e.g. with
 * `/usr/bin/time -v`, two configurations in turn): starts one variant server in this process, sends it
 * exactly --requests closed-loop requests over real HTTP on 127.0.0.1, and exits. Server, client and
 * start-up share the process, so the difference between two runs that differ in one setting (say
 * --sample-rate 0.1 against 0) is that setting's CPU cost for this much work.
 *
 * usage: node bench/variant-server-fixed.ts [--variant gelu] [--sample-rate 0.1] [--requests 3000]
 *        [--batch 32] [--concurrency 4]
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { parseConfig } from '../src/variant-server/config.ts';
import { runLoad } from '../src/variant-server/load-generator.ts';
import { startVariantServer } from '../src/variant-server/server.ts';

const { values: args } = parseArgs({
  options: {
    variant: { type: 'string', default: 'gelu' }, 'sample-rate': { type: 'string', default: '0.1' },
    requests: { type: 'string', default: '3000' }, batch: { type: 'string', default: '32' }, concurrency: { type: 'string', default: '4' },
  },
});
const result = parseConfig({ ACTIVATION: args.variant, HOST: '127.0.0.1', PORT: '0', TELEMETRY_SAMPLE_RATE: args['sample-rate'] });
if (!result.ok) {
  console.error(result.error.message);
  process.exit(2);
}
const server = await startVariantServer({ config: result.config, logger: pino({ level: 'silent' }) });
await server.ready;
const report = await runLoad({
  urls: [server.url], rate: 0, concurrency: Number(args.concurrency), durationMs: 600_000,
  maxRequests: Number(args.requests), batch: Number(args.batch),
});
await server.shutdown();
console.log(`${args.variant} sample rate ${args['sample-rate']}: ${report.requests} requests, ${report.errors} errors, accuracy ${report.accuracy?.toFixed(4)}`);
