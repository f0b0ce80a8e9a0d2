/**
 * The one-sentence explanation of a comparison, as status and events will show it: both estimates and
 * sample sizes, the difference with its interval, the margin (and where it came from), the p-value and
 * its test, the verdict's reason, and, unless it passed or failed, what more data it needs and how long
 * that takes. Numbers have 4 significant digits (fmt of the analysis package).
 */
import { fmt } from '../verdict.ts';
import type { Comparison, MinimumEffect } from './compare.ts';

const TEST_NAMES = { mannWhitneyU: 'Mann–Whitney U', twoProportions: 'two-proportion z-test' } as const;

const signed = (v: number): string => (v > 0 ? `+${fmt(v)}` : fmt(v));
const percent = (level: number): string => `${fmt(level * 100)}%`;

/** "3 min", "45 s", "2.5 h": a rough duration for a message. */
export function roughDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'never at the current rates';
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.ceil(seconds / 60)} min`;
  return `${fmt(Number((seconds / 3600).toPrecision(2)))} h`;
}

export function describeComparison(c: Comparison, effect: MinimumEffect): string {
  const what = c.test === 'mannWhitneyU' ? 'median' : 'proportion';
  const unit = c.test === 'mannWhitneyU' ? 'samples' : 'trials';
  const est = (v: number | undefined) => (v === undefined ? 'none' : fmt(v));
  const sides = `candidate ${what} ${est(c.candidate.estimate)} vs baseline ${est(c.baseline.estimate)} (${fmt(c.candidate.n)} and ${fmt(c.baseline.n)} ${unit})`;
  const fromRelative = effect.relative !== undefined && c.margin > 0 && c.margin !== effect.absolute ? ` (${fmt(effect.relative * 100)}% of baseline)` : '';
  const margin = `margin ${fmt(c.margin)}${fromRelative}`;
  const diff = c.difference;
  const numbers = diff && c.pValue !== undefined
    ? `; difference ${signed(diff.estimate)}, ${percent(diff.confidenceLevel)} CI ${signed(diff.lower)} to ${signed(diff.upper)}, ${margin}; ` +
      `p = ${fmt(c.pValue)} (${c.direction === 'either' ? 'two-sided' : 'one-sided'} ${TEST_NAMES[c.test]})`
    : `; ${margin}`;
  const worse = c.direction === 'lowerIsWorse' ? 'lower' : 'higher';
  // Past the margin for sure when even the interval's near end is beyond it.
  const nearEnd = !diff ? 0 : c.direction === 'higherIsWorse' ? diff.lower : c.direction === 'lowerIsWorse' ? -diff.upper
    : Math.max(diff.lower, -diff.upper);
  const byHowMuch = nearEnd > c.margin ? 'by more than the margin' : 'possibly by more than the margin';
  const conclusions: Record<Comparison['reason'], string> = {
    WithinMargin: c.direction === 'either'
      ? `no difference beyond the margin at ${percent(c.confidenceLevel)} confidence`
      : `not ${worse} than baseline by more than the margin at ${percent(c.confidenceLevel)} confidence`,
    WorseThanBaseline: `${worse} than baseline (p < ${fmt(1 - c.confidenceLevel)}), ${byHowMuch}`,
    DifferentFromBaseline: `different from baseline (p < ${fmt(1 - c.confidenceLevel)}), ${byHowMuch}`,
    TooFewSamples: `fewer than minSamples ${c.minSamples} on a side, not judged yet`,
    NotEnoughEvidence: 'neither shown worse nor within the margin yet',
  };
  return `${sides}${numbers}: ${conclusions[c.reason]}${c.verdict === 'Inconclusive' ? needs(c) : ''}`;
}

function needs(c: Comparison): string {
  const { additional, seconds, perSide } = c.sampleSize;
  if (perSide === Infinity) return '; a margin of 0 cannot be shown with any number of samples (set minimumEffect)';
  if (!Number.isFinite(additional.candidate) || !Number.isFinite(additional.baseline)) return '; more samples at the current rates would never be enough';
  if (additional.candidate === 0 && additional.baseline === 0) return `; enough samples for power ${fmt(c.power)}: the difference lies close to the margin`;
  const time = seconds !== undefined ? `, about ${roughDuration(seconds)} at the current rates` : '';
  return `; about ${fmt(additional.candidate)} more candidate and ${fmt(additional.baseline)} more baseline samples for power ${fmt(c.power)}${time}`;
}
