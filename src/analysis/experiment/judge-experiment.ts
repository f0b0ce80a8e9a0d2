/**
 * judgeExperiment(): the statistical judge of an activation experiment (issue 13), pure. Every
 * candidate is compared with stable on every judged SLI by `compareVariants` (Mann–Whitney U on
 * per-interval samples, the two-proportion test on counts; see ../statistics/compare.ts), the eligible
 * ones are ranked against each other on the ranked objective, and the winner is named, or why stable
 * stays. The caller brings the measured data; this module never does I/O.
 *
 * The rules (docs/experiments.md):
 * - a candidate **fails** (is excluded) when any judged SLI is worse than stable (compareVariants Fail);
 *   it **passes** when every judged SLI passes; otherwise it is **inconclusive** and cannot win;
 * - candidate A **beats** B on an objective SLI when B is significantly worse than A by more than the
 *   SLI's minimum effect (compareVariants of B against A, toward the objective's worse side, says Fail,
 *   and the interval of the difference lies wholly beyond the minimum effect);
 * - the eligible candidates are ranked lexicographically by their Copeland score on each objective in
 *   order (wins − losses against the other eligible candidates; rank-candidates.ts), then in spec order,
 *   so the order is total and deterministic even when pairwise results are not transitive;
 * - the winner is the best-ranked eligible candidate that beats stable on at least one objective.
 *
 * When to decide: `ready` is true once every candidate-vs-stable comparison is decided (Pass or Fail,
 * which needs at least minSamples) or has the samples its sample-size estimate asks for (the configured
 * effect at the confidence level and power). `final` (the experiment's duration passed) decides with
 * whatever is there; too few samples is Inconclusive then, never a pass. Deciding as soon as every
 * comparison is decided looks at the data once per interval, which raises the error rates above α
 * (no α-spending yet; docs/experiments.md says so): set minSamples to the estimate status reports for
 * a fixed-size design.
 */
import { fmt } from '../verdict.ts';
import { compareVariants, type Comparison, type ComparisonInput, type MinimumEffect, type StatisticalVerdict } from '../statistics/index.ts';
import { rankCandidates, type Objective } from './rank-candidates.ts';

/** One side's measurement of one SLI over the experiment so far. */
export type SideData =
  | { kind: 'samples'; values: readonly number[]; /** Samples per second (1 / interval). */ ratePerSecond?: number }
  | { kind: 'counts'; events: number; total: number; /** Trials per second. */ ratePerSecond?: number }
  /** No data, or the query failed: the comparison is Inconclusive with this message. */
  | { kind: 'missing'; reason: 'NoData' | 'Error'; message: string };

export interface JudgedSli {
  name: string;
  direction: 'higherIsWorse' | 'lowerIsWorse';
  minimumEffect: MinimumEffect;
  /** Fewest samples (intervals, or trials for counts) per side, ≥ 1. */
  minSamples: number;
}

export interface ExperimentJudgeSpec {
  candidates: readonly string[];
  slis: readonly JudgedSli[];
  rankBy: readonly Objective[];
  confidenceLevel: number;
  power: number;
}

/** Per SLI name: stable's data and each candidate's (by activation). */
export type ExperimentData = Record<string, { stable: SideData; candidates: Record<string, SideData> }>;

export interface SliRow {
  name: string;
  verdict: StatisticalVerdict;
  /** WithinMargin, WorseThanBaseline, TooFewSamples, NotEnoughEvidence, NoData or Error. */
  reason: string;
  message: string;
  value?: number;
  stableValue?: number;
  difference?: { estimate: number; lower: number; upper: number };
  pValue?: number;
  samples: number;
  stableSamples: number;
  /** More samples per side (the larger of the two) the configured effect needs; 0 when enough. */
  moreSamples: number;
  /** How long those take at the current rates, in seconds; absent when unknown. */
  moreSeconds?: number;
}

export interface CandidateRow {
  activation: string;
  /** 1 = best; absent when excluded or undecided. */
  rank?: number;
  verdict: StatisticalVerdict;
  /** Why it ranks where it does or was excluded. */
  reason: string;
  /** Objectives on which it beats stable. */
  beatsStableOn: string[];
  slis: SliRow[];
}

export type ExperimentReason = 'WinnerFound' | 'NoCandidateBetter' | 'AllCandidatesExcluded' | 'Inconclusive' | 'Measuring';

export interface ExperimentJudgement {
  /** Ranked candidates first (by rank), then the inconclusive, then the excluded, each in spec order. */
  candidates: CandidateRow[];
  /** True once every comparison with stable is decided or has the samples its estimate asks for. */
  ready: boolean;
  /** Present when decided (ready or final). */
  decision?: { winner?: string; reason: Exclude<ExperimentReason, 'Measuring'>; message: string };
  /** While measuring: what the decision still needs, as a sentence. */
  message: string;
  /** The most samples per side an undecided comparison with stable still needs, and how long that takes (s). */
  moreSamples: number;
  moreSeconds?: number;
}

/** Judges the experiment on `data`; `final` when its duration has passed. Never throws. */
export function judgeExperiment(spec: ExperimentJudgeSpec, data: ExperimentData, final: boolean): ExperimentJudgement {
  const rows = spec.candidates.map((activation) => judgeCandidate(spec, data, activation));
  const eligible = rows.filter((r) => r.verdict === 'Pass');
  const ranked = rankCandidates(eligible.map((r) => r.activation), spec.rankBy, (objective, a, b) => beats(spec, data, objective, a, b));
  ranked.forEach((activation, i) => {
    const row = rows.find((r) => r.activation === activation) as CandidateRow;
    row.rank = i + 1;
    row.beatsStableOn = spec.rankBy.filter((o) => beats(spec, data, o, activation, undefined)).map((o) => o.sli);
    row.reason = row.beatsStableOn.length > 0 ? `better than stable on ${row.beatsStableOn.join(', ')}; no judged SLI worse`
      : 'no judged SLI worse than stable, none significantly better';
  });
  const ordered = [...ranked.map((a) => rows.find((r) => r.activation === a) as CandidateRow),
    ...rows.filter((r) => r.verdict === 'Inconclusive'), ...rows.filter((r) => r.verdict === 'Fail')];

  const pending = rows.flatMap((r) => r.slis);
  const open = pending.filter((s) => s.verdict === 'Inconclusive');
  const moreSamples = Math.max(0, ...open.map((s) => s.moreSamples));
  const seconds = open.filter((s) => s.moreSamples > 0).map((s) => s.moreSeconds ?? Infinity);
  const moreSeconds = seconds.length > 0 ? Math.max(...seconds) : 0;
  const ready = open.every((s) => s.moreSamples === 0);
  const needs = moreSamples > 0
    ? `${moreSamples} more sample(s) per side${Number.isFinite(moreSeconds) ? ` (about ${Math.ceil(moreSeconds)}s at the current traffic)` : ' (no traffic to measure yet)'}`
    : 'data for every comparison';
  const judgement: ExperimentJudgement = { candidates: ordered, ready, message: `measuring: the decision needs ${needs}`, moreSamples,
    ...(Number.isFinite(moreSeconds) ? { moreSeconds } : {}) };
  if (!ready && !final) return judgement;
  judgement.decision = decide(ordered, final && !ready ? needs : undefined);
  judgement.message = judgement.decision.message;
  return judgement;
}

function decide(rows: CandidateRow[], shortBy: string | undefined): NonNullable<ExperimentJudgement['decision']> {
  const winner = rows.find((r) => r.rank !== undefined && r.beatsStableOn.length > 0);
  const cut = shortBy ? ` (the duration ended while the decision still needed ${shortBy})` : '';
  if (winner) return { winner: winner.activation, reason: 'WinnerFound', message: `${winner.activation} wins: ${winner.reason}` };
  const excluded = rows.filter((r) => r.verdict === 'Fail');
  const undecided = rows.filter((r) => r.verdict === 'Inconclusive');
  const why = [...excluded.map((r) => `${r.activation} excluded (${r.reason})`), ...undecided.map((r) => `${r.activation} undecided (${r.reason})`)];
  if (rows.some((r) => r.rank !== undefined)) {
    return { reason: 'NoCandidateBetter', message: `stable kept: no candidate is significantly better than stable on any objective` +
      `${why.length > 0 ? `; ${why.join('; ')}` : ''}${cut}` };
  }
  if (undecided.length === 0) return { reason: 'AllCandidatesExcluded', message: `stable kept: every candidate is worse than stable: ${why.join('; ')}` };
  return { reason: 'Inconclusive', message: `stable kept: not enough evidence to judge${cut}: ${why.join('; ')}` };
}

function judgeCandidate(spec: ExperimentJudgeSpec, data: ExperimentData, activation: string): CandidateRow {
  const slis = spec.slis.map((sli) => sliRow(spec, sli, data[sli.name]?.candidates[activation], data[sli.name]?.stable));
  const failed = slis.filter((s) => s.verdict === 'Fail');
  const open = slis.filter((s) => s.verdict === 'Inconclusive');
  if (failed.length > 0) {
    return { activation, verdict: 'Fail', beatsStableOn: [], slis, reason: failed.map((s) => `${s.name} worse than stable: ${s.message}`).join('; ') };
  }
  if (open.length > 0) {
    return { activation, verdict: 'Inconclusive', beatsStableOn: [], slis, reason: open.map((s) => `${s.name}: ${s.message}`).join('; ') };
  }
  return { activation, verdict: 'Pass', beatsStableOn: [], slis, reason: 'no judged SLI worse than stable' };
}

/** A comparison of two sides' data, or why there is none. */
function compare(spec: ExperimentJudgeSpec, sli: JudgedSli, direction: JudgedSli['direction'], candidate: SideData | undefined, baseline: SideData | undefined):
  { ok: true; value: Comparison } | { ok: false; reason: 'NoData' | 'Error'; message: string } {
  const missing = [candidate, baseline].find((d): d is Extract<SideData, { kind: 'missing' }> | undefined => !d || d.kind === 'missing');
  if (missing !== undefined || !candidate || !baseline || candidate.kind === 'missing' || baseline.kind === 'missing') {
    return { ok: false, reason: missing?.reason ?? 'NoData', message: missing?.message ?? 'no data measured yet' };
  }
  if (candidate.kind !== baseline.kind) return { ok: false, reason: 'Error', message: `the sides were measured differently (${candidate.kind} and ${baseline.kind})` };
  const input: ComparisonInput = candidate.kind === 'samples' && baseline.kind === 'samples'
    ? { kind: 'samples', candidate: candidate.values, baseline: baseline.values }
    : { kind: 'counts', candidate: counts(candidate), baseline: counts(baseline) };
  const rates = candidate.ratePerSecond !== undefined && baseline.ratePerSecond !== undefined ? { rates: { candidate: candidate.ratePerSecond, baseline: baseline.ratePerSecond } } : {};
  const r = compareVariants(input, { direction, minimumEffect: sli.minimumEffect, confidenceLevel: spec.confidenceLevel, power: spec.power, minSamples: sli.minSamples }, rates);
  return r.ok ? r : { ok: false, reason: 'Error', message: r.error.message };
}

const counts = (d: SideData) => (d.kind === 'counts' ? { events: Math.min(d.events, d.total), total: d.total } : { events: 0, total: 0 });
const sizeOf = (d: SideData | undefined) => (!d || d.kind === 'missing' ? 0 : d.kind === 'samples' ? d.values.length : d.total);

function sliRow(spec: ExperimentJudgeSpec, sli: JudgedSli, candidate: SideData | undefined, stable: SideData | undefined): SliRow {
  const samples = { samples: sizeOf(candidate), stableSamples: sizeOf(stable) };
  const r = compare(spec, sli, sli.direction, candidate, stable);
  if (!r.ok) return { name: sli.name, verdict: 'Inconclusive', reason: r.reason, message: r.message, ...samples, moreSamples: Math.max(sli.minSamples - Math.min(samples.samples, samples.stableSamples), 1) };
  const c = r.value;
  const more = Math.ceil(Math.max(c.sampleSize.additional.candidate, c.sampleSize.additional.baseline));
  return {
    name: sli.name, verdict: c.verdict, reason: c.reason, message: c.message, ...samples, moreSamples: more,
    ...(c.sampleSize.seconds !== undefined && more > 0 ? { moreSeconds: c.sampleSize.seconds } : {}),
    ...(c.candidate.estimate !== undefined ? { value: c.candidate.estimate } : {}),
    ...(c.baseline.estimate !== undefined ? { stableValue: c.baseline.estimate } : {}),
    ...(c.difference ? { difference: { estimate: c.difference.estimate, lower: c.difference.lower, upper: c.difference.upper } } : {}),
    ...(c.pValue !== undefined ? { pValue: c.pValue } : {}),
  };
}

/**
 * True when `a` is significantly better than `b` (stable when undefined) on the objective by more than
 * the SLI's minimum effect: compareVariants of b against a says Fail, and the whole interval of the
 * difference lies beyond δ (superiority by a margin), so a significant change smaller than δ never makes
 * a winner.
 */
function beats(spec: ExperimentJudgeSpec, data: ExperimentData, objective: Objective, a: string, b: string | undefined): boolean {
  const sli = spec.slis.find((s) => s.name === objective.sli);
  const d = data[objective.sli];
  if (!sli || !d) return false;
  const side = (x: string | undefined) => (x === undefined ? d.stable : d.candidates[x]);
  const direction = objective.prefer === 'higher' ? 'lowerIsWorse' : 'higherIsWorse';
  const r = compare(spec, sli, direction, side(b), side(a));
  if (!r.ok || r.value.verdict !== 'Fail' || !r.value.difference) return false;
  // Superiority by the margin: even the interval's end nearest to no difference is worse than δ.
  const { lower, upper } = r.value.difference;
  return (direction === 'higherIsWorse' ? lower : -upper) > r.value.margin;
}

/** A number as status shows it (Prometheus text form, 4 significant digits). */
export const show = (value: number | undefined): string | undefined => (value === undefined ? undefined : fmt(value));
