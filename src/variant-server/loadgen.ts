/**
 * The load generator CLI: `node src/variant-server/loadgen.ts --url http://127.0.0.1:8080 --rate 50
 * --duration 10s [--url …] [--weights 90,10] [--header 'x-canary: true'] [--batch 8] [--json]`.
 * Prints one line of text (or the report as JSON with --json) when done; exits 2 on bad arguments and
 * 1 when not a single request succeeded. The work is done by runLoad() in load-generator.ts.
 */
import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../util/duration.ts';
import { loadDataset } from './dataset.ts';
import { formatReport, runLoad } from './load-generator.ts';

const collect = (value: string, previous: string[]) => [...previous, value];
const number = (what: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${what} must be a number >= ${min}`);
  return n;
};
const duration = (value: string) => {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('use a duration such as 10s, 500ms or 2m');
  return ms;
};
const header = (value: string, previous: Record<string, string>) => {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError(`expected 'name: value', got '${value}'`);
  return { ...previous, [value.slice(0, colon).trim().toLowerCase()]: value.slice(colon + 1).trim() };
};

const program = new Command('loadgen')
  .description('Send labelled batches from the held-out split to variant servers and report accuracy and latency.')
  .requiredOption('--url <url>', 'server base URL (repeat for several)', collect, [])
  .option('--weights <list>', 'relative share per --url, e.g. 90,10 (default: round-robin)')
  .option('--rate <rps>', 'requests per second in total; 0 = as fast as --concurrency allows', number('--rate', 0), 10)
  .option('--duration <d>', 'how long to send, e.g. 10s', duration, 10_000)
  .option('--requests <n>', 'stop after this many requests (at the latest when --duration runs out)', number('--requests', 0))
  .option('--batch <rows>', 'rows per request', number('--batch', 1), 8)
  .option('--header <h>', "extra request header 'name: value' (repeatable)", header, {})
  .option('--concurrency <n>', 'most requests in flight (workers when --rate 0)', number('--concurrency', 1), 64)
  .option('--timeout <d>', 'per-request timeout', duration, 10_000)
  .option('--data <csv>', 'data set file whose held-out rows are sent (default models/dataset.csv)')
  .option('--json', 'print the report as JSON')
  .showHelpAfterError();

program.parse();
const opts = program.opts<{
  url: string[]; weights?: string; rate: number; duration: number; requests?: number; batch: number; header: Record<string, string>;
  concurrency: number; timeout: number; data?: string; json?: boolean;
}>();

try {
  const report = await runLoad({
    urls: opts.url,
    ...(opts.weights ? { weights: opts.weights.split(',').map(Number) } : {}),
    rate: opts.rate, durationMs: opts.duration, batch: Math.floor(opts.batch), headers: opts.header,
    ...(opts.requests !== undefined ? { maxRequests: Math.floor(opts.requests) } : {}),
    concurrency: Math.floor(opts.concurrency), timeoutMs: opts.timeout,
    ...(opts.data ? { data: loadDataset(opts.data).heldOut } : {}),
  });
  console.log(opts.json ? JSON.stringify(report) : formatReport(report));
  process.exitCode = report.requests > report.errors ? 0 : 1;
} catch (error) {
  console.error(`loadgen: ${(error as Error).message}`);
  process.exitCode = 2;
}
