import { describe, expect, it } from '@jest/globals';
import { replicaSplit } from '../traffic/replicas.ts';
import type { Desired, Observed, Status } from './model.ts';
import { plan } from './plan.ts';
import { boundStatus, MAX_STATUS_BYTES } from './status-bounds.ts';
import type { ExperimentJudgement } from '../analysis/experiment/judge-experiment.ts';
import { candidateTable } from './experiment-status.ts';

const T0 = Date.parse('2026-11-28T12:00:00Z');
const desired = (over: Partial<Desired> = {}): Desired => ({
  namespace: 'ml', name: 'sentiment', generation: 1, variant: { activation: 'relu', revision: 'r1' }, change: 'no change', replicas: 1,
  steps: [{ weight: 50, pauseMs: 60_000 }], progressDeadlineMs: 600_000, promotionDeadlineMs: 600_000, capacityTimeoutMs: 1_800_000, problems: [], ...over,
});
const observed: Observed = { stable: { variant: { activation: 'relu', revision: 'r1' }, replicas: 1, ready: 1, settled: true }, routedWeight: 0 };
const healthy: Status = { phase: 'Healthy', stableActivation: 'relu', stableRevision: 'r1', canaryWeight: 0, conditions: [] };

describe('status stays within the CRD and the bound the operator promises (found by the spec fuzzer)', () => {
  it('acts once on a signal longer than status.handledSignal can hold, recording its digest', () => {
    // An annotation may hold 256 KiB; status.handledSignal 4096 bytes. Recorded whole, every status
    // write was refused (422) and the ModelVariant was never acted on again (make fuzz, seed 11).
    const signal = `promote@${'x'.repeat(5000)}`;
    const first = plan(desired({ signal }), observed, healthy, T0, replicaSplit);
    expect(Buffer.byteLength(first.status.handledSignal ?? '')).toBeLessThanOrEqual(4096);
    expect(first.events.map((e) => e.reason)).toEqual(['SignalIgnored']);
    const second = plan(desired({ signal }), observed, first.status, T0 + 1000, replicaSplit);
    expect(second.events).toEqual([]);
    expect(second.status.handledSignal).toBe(first.status.handledSignal);
  });

  it('cuts every message to its bound, so no status outgrows the CRD or MAX_STATUS_BYTES', () => {
    const long = 'é'.repeat(50_000);
    const conditions = ['Available', 'Progressing', 'Degraded', 'MetricsAvailable', 'CapacityAvailable', 'SpecValid', 'ChildrenReconciled', 'TrafficRouted', 'TrafficSplitExact']
      .map((type) => ({ type, status: 'False' as const, reason: 'X', message: long, lastTransitionTime: new Date(T0).toISOString() }));
    const bounded = boundStatus({ ...healthy, message: long, change: long, conditions });
    expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThanOrEqual(MAX_STATUS_BYTES);
    expect(bounded.conditions?.every((c) => c.message.endsWith('…') && Buffer.byteLength(c.message) <= 4096)).toBe(true);
    expect(Buffer.byteLength(bounded.change ?? '')).toBeLessThanOrEqual(1024);
    expect(boundStatus(healthy)).toEqual(healthy);
  });

  it('keeps an invalid spec message within the bound however many problems the spec has', () => {
    const problems = Array.from({ length: 200 }, (_, i) => `spec.strategy.analysis.slis[${i}].query: ${'{{pod}} '.repeat(100)}`);
    const p = plan(desired({ problems }), observed, healthy, T0, replicaSplit);
    expect(Buffer.byteLength(JSON.stringify(p.status))).toBeLessThanOrEqual(MAX_STATUS_BYTES);
    expect(Buffer.byteLength(p.status.conditions?.find((c) => c.type === 'SpecValid')?.message ?? '')).toBeLessThanOrEqual(4096);
  });
});

describe('the experiment table within the status bound', () => {
  it('fits MAX_STATUS_BYTES with 5 candidates × 10 SLIs of the longest names and reasons, beside 20 analysis SLIs and 16 conditions of the longest messages', () => {
    const long = 'é'.repeat(50_000);
    const name = (i: number) => `${'s'.repeat(61)}${String(i).padStart(2, '0')}`;
    const row = (i: number) => ({ name: name(i), verdict: 'Inconclusive' as const, reason: 'NotEnoughEvidence', message: long, value: -1.23456789e-300, stableValue: 1.23456789e300,
      difference: { estimate: -1.2345e-300, lower: -9.8765e300, upper: 9.8765e-300 }, pValue: 0.123456789, samples: 2 ** 31, stableSamples: 2 ** 31, moreSamples: 2 ** 31, moreSeconds: 1e12 });
    const judgement: ExperimentJudgement = { ready: false, message: long, moreSamples: 1, candidates: Array.from({ length: 7 }, (_, c) => ({
      activation: 'a'.repeat(50 - c), verdict: 'Inconclusive' as const, reason: long, beatsStableOn: [], slis: Array.from({ length: 12 }, (_, i) => row(i)) })) };
    const conditions = Array.from({ length: 16 }, (_, i) => ({ type: `Type${i}`, status: 'False' as const, reason: 'X'.repeat(1024), message: long, lastTransitionTime: new Date(T0).toISOString() }));
    const analysis = { slis: Array.from({ length: 20 }, (_, i) => ({ name: name(i), verdict: 'Inconclusive', reason: 'NoData', message: long, window: '24h', threshold: `<= ${'9'.repeat(50)}`, samples: 2 ** 31 })) };
    const status = { ...healthy, message: long, change: long, conditions, analysis,
      experiment: { id: 'f'.repeat(16), phase: 'Running', baseActivation: 'r'.repeat(63), message: long, reason: 'Measuring', candidates: candidateTable(judgement) } } as Status;
    const bounded = boundStatus(status);
    expect(bounded.experiment?.candidates).toHaveLength(5);
    expect(bounded.experiment?.candidates?.every((c) => c.slis?.length === 10 && Buffer.byteLength(c.reason ?? '') <= 1024)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThanOrEqual(MAX_STATUS_BYTES);
  });
});
