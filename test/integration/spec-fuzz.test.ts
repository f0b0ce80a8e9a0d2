/**
 * The spec fuzzer's short run, part of `make test` (the long one is `make fuzz`, bench/fuzz.ts): a few
 * hundred ModelVariants drawn from the CRD's schema, valid and hostile, sent to the real apiserver,
 * every refusal naming its field and none a server error, the analysis queries of every accepted one
 * carrying user text only as label values, and the operator run against the first accepted ones: each
 * acted on or reported SpecValid=False naming a field, no crash, no error line, no reconcile faster
 * than its floor at rest, status within its bound. The seed is fixed, so make test stays repeatable
 * (make fuzz explores with a new seed each run); FUZZ_SEED=<n> runs another one.
 */
import { describe, expect, it } from '@jest/globals';
import { runFuzz } from '../fuzz/run.ts';
import { summaryTable } from '../fuzz/summary.ts';

const SPECS = 200;
const seed = Number(process.env.FUZZ_SEED || 20261130);

describe('hostile ModelVariants (spec fuzzer, short run)', () => {
  it(`are refused naming a field, or acted on by the operator without a crash, loop, unbounded status or PromQL injection (seed ${seed})`, async () => {
    const results = await runFuzz({
      seed, runs: SPECS, concurrency: 4,
      operator: { window: 10, settleTimeoutMs: 30_000, restMs: 1_000, changeRate: 0.3, maxCases: 24 },
    });
    if (results.breaches.length > 0) throw new Error(`${results.breaches.length} breach(es); replay with FUZZ_SEED=${seed}\n${summaryTable(results)}`);
    expect(results.verdicts.accepted).toBeGreaterThan(0);
    expect(results.operator?.run).toBeGreaterThan(0);
  });
});
