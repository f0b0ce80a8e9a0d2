/**
 * compareVariants(): the statistical judge of one SLI, a candidate against a baseline (canary vs
 * stable, or one experiment candidate vs another): Pass, Fail or Inconclusive with the numbers behind
 * it. Pure; the caller brings the data (per-interval samples, or event counts) and the spec.
 *
 * The test suits the data: Mann–Whitney U with the Hodges–Lehmann shift for samples (latency, ratio
 * SLIs sampled once per interval), the two-proportion z-test with Newcombe's interval for counts
 * (errors, correct predictions). The difference is always candidate − baseline.
 *
 * The decision: with α = 1 − confidenceLevel and the margin δ = max(absolute, relative × |baseline
 * estimate|), the smallest change that matters, the interval of the difference is taken at 1 − 2α
 * (a one-sided bound at 1 − α on each side: Schuirmann's two one-sided tests, J. Pharmacokinetics and
 * Biopharmaceutics 15:657–680, 1987) and
 *
 * - **Pass** when the interval's worse end is at most δ: the candidate is shown not to be worse by
 *   more than δ (non-inferiority at level α); for `either`, when the whole interval lies in [−δ, δ]
 *   (equivalence);
 * - **Fail** when the test says worse at level α (one-sided p < α toward worse; for `either`,
 *   two-sided p < α) and the interval reaches past δ;
 * - **Inconclusive** otherwise (neither shown yet: more samples decide), and whenever a side has fewer
 *   than `minSamples`, whatever the numbers. Too few samples widen the interval (to ±∞ when the rank
 *   test cannot bound the shift at all), so they can never pass.
 *
 * So a candidate no worse than baseline fails with probability at most α, one worse by δ or more
 * passes with probability at most α, and a change smaller than δ, significant or not, ends in a Pass.
 * Unlike Kayenta's Mann–Whitney classifier (which passes whatever it cannot show to be high or low),
 * not knowing yet is Inconclusive, never a pass.
 *
 * The sample-size estimate (comparison-sample-size.ts, on the formulas of sample-size.ts) asks for enough samples that both errors stay within the
 * spec: a candidate worse by δ fails, and one no worse passes, each with probability `power` (z_{1−α} +
 * z_{power} standard errors between 0 and δ; for `either`, the larger of z_{1−α/2} + z_{power} and
 * z_{1−α} + z_{1−(1−power)/2}). Counts: Fleiss, Tytun & Ury with baseline's proportion and baseline's
 * ± δ; samples: Noether with p estimated from baseline's own spread shifted by δ.
 *
 * Errors (as values, never thrown): NonFiniteSample (a NaN or infinite sample: drop no-data intervals
 * before judging), InvalidCount, InvalidOption (confidenceLevel, power, margins, minSamples, rates).
 */
import { checkCounts, checkFinite, checkOpenRange, fail, ok, type Result, type StatisticsError } from './errors.ts';
import { mannWhitneyU, type MannWhitneyResult } from './mann-whitney.ts';
import { twoProportionTest, type TwoProportionResult } from './proportions.ts';
import { sampleSizeFor, type SampleSizeEstimate } from './comparison-sample-size.ts';
import { describeComparison } from './comparison-message.ts';
import type { Alternative, Counts, MetricDirection } from './types.ts';

/** The smallest change that matters, in the SLI's unit (absolute) or as a fraction of baseline (relative); the larger applies. */
export interface MinimumEffect {
  absolute?: number;
  relative?: number;
}

export interface ComparisonSpec {
  direction: MetricDirection;
  /** At least one of the two, each ≥ 0. A relative margin of a baseline at 0 is 0: add an absolute one. */
  minimumEffect: MinimumEffect;
  /** 1 − α, in (0.5, 1); default 0.95. */
  confidenceLevel?: number;
  /** For the sample-size estimate, in (0, 1); default 0.8. */
  power?: number;
  /** Fewer samples (or trials) than this on either side is Inconclusive; default 10. */
  minSamples?: number;
}

export type ComparisonInput =
  | { kind: 'samples'; candidate: readonly number[]; baseline: readonly number[] }
  | { kind: 'counts'; candidate: Counts; baseline: Counts };

export interface ComparisonOptions {
  /** Samples (or trials) per second on each side, to say how long the missing samples take. */
  rates?: { candidate: number; baseline: number };
}

export type StatisticalVerdict = 'Pass' | 'Fail' | 'Inconclusive';

export const COMPARISON_REASONS = {
  WithinMargin: 'WithinMargin',
  WorseThanBaseline: 'WorseThanBaseline',
  DifferentFromBaseline: 'DifferentFromBaseline',
  TooFewSamples: 'TooFewSamples',
  NotEnoughEvidence: 'NotEnoughEvidence',
} as const;
export type ComparisonReason = (typeof COMPARISON_REASONS)[keyof typeof COMPARISON_REASONS];

export const COMPARISON_DEFAULTS = { confidenceLevel: 0.95, power: 0.8, minSamples: 10 } as const;

export interface SideSummary {
  /** Samples, or trials for counts. */
  n: number;
  /** Median of the samples, or the proportion; absent when the side has none. */
  estimate?: number;
}

export interface Comparison {
  verdict: StatisticalVerdict;
  reason: ComparisonReason;
  /** One sentence with the numbers: estimates, difference and interval, margin, p-value, and what more data would take. */
  message: string;
  test: 'mannWhitneyU' | 'twoProportions';
  direction: MetricDirection;
  confidenceLevel: number;
  power: number;
  minSamples: number;
  candidate: SideSummary;
  baseline: SideSummary;
  /** The smallest change that matters, absolute, in the SLI's unit. */
  margin: number;
  /** candidate − baseline (Hodges–Lehmann shift, or difference of proportions) with its interval at 1 − 2α; absent when a side is empty. */
  difference?: { estimate: number; lower: number; upper: number; confidenceLevel: number };
  /** difference / |baseline estimate|; absent when that is 0 or unknown. */
  relativeDifference?: number;
  /** Of the Fail test: one-sided toward worse, two-sided for `either`; absent when a side is empty. */
  pValue?: number;
  /** The full test result, for whoever wants more (U, z, rank-biserial, Wald interval, relative risk). */
  mannWhitney?: MannWhitneyResult;
  twoProportions?: TwoProportionResult;
  sampleSize: SampleSizeEstimate;
}

const ALTERNATIVE: Record<MetricDirection, Alternative> = { higherIsWorse: 'greater', lowerIsWorse: 'less', either: 'two-sided' };

export function compareVariants(input: ComparisonInput, spec: ComparisonSpec, options: ComparisonOptions = {}): Result<Comparison, StatisticsError> {
  const checked = checkSpec(spec, options);
  if (!checked.ok) return checked;
  const { confidenceLevel, power, minSamples } = checked.value;
  const inputError = input.kind === 'samples'
    ? checkFinite(input.candidate, 'candidate') ?? checkFinite(input.baseline, 'baseline')
    : checkCounts(input.candidate, 'candidate') ?? checkCounts(input.baseline, 'baseline');
  if (inputError) return fail(inputError);

  const alpha = 1 - confidenceLevel;
  const intervalLevel = 1 - 2 * alpha;
  const alternative = ALTERNATIVE[spec.direction];
  const test = input.kind === 'samples' ? 'mannWhitneyU' : 'twoProportions';
  const sides = summarize(input);
  const baselineEstimate = sides.baseline.estimate;
  const margin = Math.max(spec.minimumEffect.absolute ?? 0, (spec.minimumEffect.relative ?? 0) * Math.abs(baselineEstimate ?? 0));

  let measured: Pick<Comparison, 'difference' | 'pValue' | 'mannWhitney' | 'twoProportions'> = {};
  if (sides.candidate.n > 0 && sides.baseline.n > 0) {
    if (input.kind === 'samples') {
      const r = mannWhitneyU(input.candidate, input.baseline, { alternative, confidenceLevel: intervalLevel });
      if (!r.ok) return r;
      const { estimate, lower, upper } = r.value.shift;
      measured = { difference: { estimate, lower, upper, confidenceLevel: intervalLevel }, pValue: r.value.pValue, mannWhitney: r.value };
    } else {
      const r = twoProportionTest(input.candidate, input.baseline, { alternative, confidenceLevel: intervalLevel });
      if (!r.ok) return r;
      const { lower, upper } = r.value.interval;
      measured = { difference: { estimate: r.value.difference, lower, upper, confidenceLevel: intervalLevel }, pValue: r.value.pValue, twoProportions: r.value };
    }
  }

  const enough = sides.candidate.n >= minSamples && sides.baseline.n >= minSamples;
  const { verdict, reason } = decide(spec.direction, enough, measured.difference, measured.pValue, alpha, margin);
  const sampleSize = sampleSizeFor(input, { direction: spec.direction, alpha, power, margin, minSamples }, options.rates);
  const relative = measured.difference && baselineEstimate ? measured.difference.estimate / Math.abs(baselineEstimate) : undefined;
  const comparison: Comparison = {
    verdict, reason, message: '', test, direction: spec.direction, confidenceLevel, power, minSamples, ...sides, margin,
    ...measured, ...(relative !== undefined && Number.isFinite(relative) ? { relativeDifference: relative } : {}), sampleSize,
  };
  comparison.message = describeComparison(comparison, spec.minimumEffect);
  return ok(comparison);
}

function decide(direction: MetricDirection, enough: boolean, difference: Comparison['difference'], pValue: number | undefined, alpha: number, margin: number):
  { verdict: StatisticalVerdict; reason: ComparisonReason } {
  if (!enough || !difference || pValue === undefined) return { verdict: 'Inconclusive', reason: COMPARISON_REASONS.TooFewSamples };
  const { lower, upper } = difference;
  if (direction === 'either') {
    if (lower >= -margin && upper <= margin) return { verdict: 'Pass', reason: COMPARISON_REASONS.WithinMargin };
    if (pValue < alpha) return { verdict: 'Fail', reason: COMPARISON_REASONS.DifferentFromBaseline };
  } else {
    const worseEnd = direction === 'higherIsWorse' ? upper : -lower;
    if (worseEnd <= margin) return { verdict: 'Pass', reason: COMPARISON_REASONS.WithinMargin };
    if (pValue < alpha) return { verdict: 'Fail', reason: COMPARISON_REASONS.WorseThanBaseline };
  }
  return { verdict: 'Inconclusive', reason: COMPARISON_REASONS.NotEnoughEvidence };
}

function summarize(input: ComparisonInput): { candidate: SideSummary; baseline: SideSummary } {
  const side = (data: readonly number[] | Counts): SideSummary => {
    if ('total' in data) return { n: data.total, ...(data.total > 0 ? { estimate: data.events / data.total } : {}) };
    return { n: data.length, ...(data.length > 0 ? { estimate: median(data) } : {}) };
  };
  return { candidate: side(input.candidate), baseline: side(input.baseline) };
}

export function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function checkSpec(spec: ComparisonSpec, options: ComparisonOptions): Result<{ confidenceLevel: number; power: number; minSamples: number }, StatisticsError> {
  const confidenceLevel = spec.confidenceLevel ?? COMPARISON_DEFAULTS.confidenceLevel;
  const power = spec.power ?? COMPARISON_DEFAULTS.power;
  const minSamples = spec.minSamples ?? COMPARISON_DEFAULTS.minSamples;
  const invalid = (option: string, value: unknown, why: string) => fail({ code: 'InvalidOption', option, value, message: `${option} is ${String(value)}: ${why}` });
  const rangeError = checkOpenRange('confidenceLevel', confidenceLevel, 0.5, 1) ?? checkOpenRange('power', power, 0, 1);
  if (rangeError) return fail(rangeError);
  if (!['higherIsWorse', 'lowerIsWorse', 'either'].includes(spec.direction)) return invalid('direction', spec.direction, 'it is higherIsWorse, lowerIsWorse or either');
  const { absolute, relative } = spec.minimumEffect ?? {};
  if (absolute === undefined && relative === undefined) return invalid('minimumEffect', spec.minimumEffect, 'give the smallest change that matters, absolute or relative (or both)');
  for (const [name, value] of [['minimumEffect.absolute', absolute], ['minimumEffect.relative', relative]] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) return invalid(name, value, 'it is a finite number ≥ 0');
  }
  if (!(Number.isInteger(minSamples) && minSamples >= 1)) return invalid('minSamples', minSamples, 'it is a whole number ≥ 1');
  if (options.rates) {
    for (const side of ['candidate', 'baseline'] as const) {
      const rate = options.rates[side];
      if (!(Number.isFinite(rate) && rate >= 0)) return invalid(`rates.${side}`, rate, 'it is a finite number of samples per second ≥ 0');
    }
  }
  return ok({ confidenceLevel, power, minSamples });
}
