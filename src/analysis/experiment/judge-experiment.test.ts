/**
 * judgeExperiment on hand-built data: a clear winner, a candidate failing an SLI, none better than
 * stable, too few samples (measuring, then Inconclusive at the duration), missing data; and a
 * property test that no excluded or undecided candidate ever wins, whatever the data.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { judgeExperiment, type ExperimentData, type ExperimentJudgeSpec, type SideData } from './judge-experiment.ts';

/** n per-interval latencies around `center` (seconds), spread ±2 ms, deterministic. */
const latencies = (center: number, n = 30): SideData => ({ kind: 'samples', values: Array.from({ length: n }, (_, i) => center + ((i * 7) % 9 - 4) * 0.0005), ratePerSecond: 1 / 30 });
const accuracy = (correct: number, total: number): SideData => ({ kind: 'counts', events: correct, total, ratePerSecond: 2 });

const spec = (candidates: string[]): ExperimentJudgeSpec => ({
  candidates,
  slis: [
    { name: 'accuracy', direction: 'lowerIsWorse', minimumEffect: { absolute: 0.01 }, minSamples: 100 },
    { name: 'latencyP95', direction: 'higherIsWorse', minimumEffect: { relative: 0.1 }, minSamples: 10 },
  ],
  rankBy: [{ sli: 'accuracy', prefer: 'higher' }, { sli: 'latencyP95', prefer: 'lower' }],
  confidenceLevel: 0.95,
  power: 0.8,
});

function data(stable: { acc: SideData; lat: SideData }, candidates: Record<string, { acc: SideData; lat: SideData }>): ExperimentData {
  const pick = (k: 'acc' | 'lat') => Object.fromEntries(Object.entries(candidates).map(([a, d]) => [a, d[k]]));
  return { accuracy: { stable: stable.acc, candidates: pick('acc') }, latencyP95: { stable: stable.lat, candidates: pick('lat') } };
}

const stable = { acc: accuracy(9000, 10000), lat: latencies(0.1) };

describe('judgeExperiment', () => {
  it('names the clearly better candidate the winner, and excludes one that fails an SLI with the reason', () => {
    const j = judgeExperiment(spec(['gelu', 'silu', 'mish']), data(stable, {
      gelu: { acc: accuracy(9600, 10000), lat: latencies(0.1) },
      silu: { acc: accuracy(9600, 10000), lat: latencies(0.2) },
      mish: { acc: accuracy(9010, 10000), lat: latencies(0.1) },
    }), false);
    expect(j.decision).toEqual(expect.objectContaining({ winner: 'gelu', reason: 'WinnerFound' }));
    expect(j.candidates.map((c) => [c.activation, c.rank, c.verdict])).toEqual([['gelu', 1, 'Pass'], ['mish', 2, 'Pass'], ['silu', undefined, 'Fail']]);
    const silu = j.candidates.find((c) => c.activation === 'silu');
    expect(silu?.reason).toMatch(/^latencyP95 worse than stable/);
    expect(silu?.slis.find((s) => s.name === 'latencyP95')).toEqual(expect.objectContaining({ verdict: 'Fail', reason: 'WorseThanBaseline', value: expect.any(Number), stableValue: expect.any(Number) }));
  });

  it('breaks a tie on the first objective with the second: equal accuracy, lower latency ranks first', () => {
    const j = judgeExperiment(spec(['gelu', 'silu']), data(stable, {
      gelu: { acc: accuracy(9600, 10000), lat: latencies(0.1) },
      silu: { acc: accuracy(9600, 10000), lat: latencies(0.08) },
    }), false);
    expect(j.candidates.map((c) => c.activation)).toEqual(['silu', 'gelu']);
    expect(j.decision?.winner).toBe('silu');
  });

  it('keeps stable when no candidate is better, and says so', () => {
    const j = judgeExperiment(spec(['gelu', 'silu']), data(stable, {
      gelu: { acc: accuracy(9005, 10000), lat: latencies(0.1) },
      silu: { acc: accuracy(8995, 10000), lat: latencies(0.1) },
    }), false);
    expect(j.decision).toEqual(expect.objectContaining({ reason: 'NoCandidateBetter' }));
    expect(j.decision?.winner).toBeUndefined();
    expect(j.decision?.message).toMatch(/^stable kept: no candidate is significantly better/);
  });

  it('keeps stable when a candidate is significantly better by less than the minimum effect (superiority needs the whole interval beyond it)', () => {
    // 0.95 vs 0.925 of 1000 each: p ≈ 0.01, but the 90 % interval of the difference [0.007, 0.043] is not wholly beyond 0.03.
    const wide = { ...spec(['gelu']), slis: [{ name: 'accuracy', direction: 'lowerIsWorse' as const, minimumEffect: { absolute: 0.03 }, minSamples: 100 }],
      rankBy: [{ sli: 'accuracy', prefer: 'higher' as const }] };
    const j = judgeExperiment(wide, { accuracy: { stable: accuracy(925, 1000), candidates: { gelu: accuracy(950, 1000) } } }, false);
    expect(j.decision).toEqual(expect.objectContaining({ reason: 'NoCandidateBetter' }));
    const clear = judgeExperiment(wide, { accuracy: { stable: accuracy(850, 1000), candidates: { gelu: accuracy(950, 1000) } } }, false);
    expect(clear.decision).toEqual(expect.objectContaining({ reason: 'WinnerFound', winner: 'gelu' }));
  });

  it('keeps stable when every candidate is worse', () => {
    const j = judgeExperiment(spec(['gelu', 'silu']), data(stable, {
      gelu: { acc: accuracy(8000, 10000), lat: latencies(0.1) },
      silu: { acc: accuracy(9000, 10000), lat: latencies(0.3) },
    }), false);
    expect(j.decision).toEqual(expect.objectContaining({ reason: 'AllCandidatesExcluded' }));
    expect(j.candidates.every((c) => c.rank === undefined)).toBe(true);
  });

  it('keeps measuring with too few samples, saying how many more and how long; at the duration it is Inconclusive, never a pass', () => {
    const few = data({ acc: accuracy(45, 50), lat: latencies(0.1, 4) }, {
      gelu: { acc: accuracy(49, 50), lat: latencies(0.1, 4) },
      silu: { acc: accuracy(48, 50), lat: latencies(0.1, 4) },
    });
    const running = judgeExperiment(spec(['gelu', 'silu']), few, false);
    expect(running.decision).toBeUndefined();
    expect(running.ready).toBe(false);
    expect(running.moreSamples).toBeGreaterThan(0);
    expect(running.moreSeconds).toBeGreaterThan(0);
    expect(running.message).toMatch(/^measuring: the decision needs \d+ more sample\(s\) per side \(about \d+s at the current traffic\)/);
    const ended = judgeExperiment(spec(['gelu', 'silu']), few, true);
    expect(ended.decision).toEqual(expect.objectContaining({ reason: 'Inconclusive' }));
    expect(ended.decision?.winner).toBeUndefined();
    expect(ended.decision?.message).toMatch(/the duration ended while the decision still needed \d+ more sample/);
  });

  it('treats a side without data as Inconclusive (NoData), not ready', () => {
    const j = judgeExperiment(spec(['gelu', 'silu']), data(stable, {
      gelu: { acc: { kind: 'missing', reason: 'NoData', message: 'no labelled predictions' }, lat: latencies(0.1) },
      silu: { acc: accuracy(9600, 10000), lat: latencies(0.1) },
    }), false);
    expect(j.ready).toBe(false);
    expect(j.candidates.find((c) => c.activation === 'gelu')?.slis[0]).toEqual(expect.objectContaining({ verdict: 'Inconclusive', reason: 'NoData' }));
  });

  it('never lets an excluded or undecided candidate win, and a winner always beats stable (property)', () => {
    const side = fc.oneof(
      fc.record({ n: fc.integer({ min: 0, max: 40 }), center: fc.double({ min: 0.05, max: 0.3, noNaN: true }) }).map(({ n, center }) => latencies(center, n)),
      fc.constant<SideData>({ kind: 'missing', reason: 'NoData', message: 'no data' }),
    );
    const acc = fc.record({ total: fc.integer({ min: 0, max: 5000 }), p: fc.double({ min: 0.5, max: 1, noNaN: true }) })
      .map(({ total, p }) => accuracy(Math.round(total * p), total));
    const names = ['gelu', 'silu', 'mish'];
    fc.assert(fc.property(acc, side, fc.array(fc.tuple(acc, side), { minLength: 3, maxLength: 3 }), fc.boolean(), (sa, sl, cands, final) => {
      const j = judgeExperiment(spec(names), data({ acc: sa, lat: sl }, Object.fromEntries(cands.map(([a, l], i) => [names[i] as string, { acc: a, lat: l }]))), final);
      const winner = j.candidates.find((c) => c.activation === j.decision?.winner);
      if (j.decision?.winner) {
        expect(winner?.verdict).toBe('Pass');
        expect(winner?.slis.every((s) => s.verdict === 'Pass')).toBe(true);
        expect(winner?.beatsStableOn.length).toBeGreaterThan(0);
      }
      if (!final && !j.ready) expect(j.decision).toBeUndefined();
      for (const c of j.candidates) if (c.verdict !== 'Pass') expect(c.rank).toBeUndefined();
      expect(j.candidates.filter((c) => c.rank !== undefined).map((c) => c.rank)).toEqual(j.candidates.filter((c) => c.rank !== undefined).map((_, i) => i + 1));
    }), { numRuns: 150 });
  });
});
