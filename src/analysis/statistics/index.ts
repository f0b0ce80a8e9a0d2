/**
 * The statistical judge (issue 13): compare a candidate with a baseline on one SLI (canary vs stable,
 * or experiment candidates against each other) with a test suited to the data, and say Pass, Fail or
 * Inconclusive with the numbers behind it and how many more samples a decision needs. Pure functions,
 * no I/O; errors are values. Not wired into the planner yet: today's threshold verdicts are
 * ../judge.ts. See docs/analysis.md, "Statistical judge".
 */
export {
  compareVariants, median, COMPARISON_DEFAULTS, COMPARISON_REASONS,
  type Comparison, type ComparisonInput, type ComparisonOptions, type ComparisonReason, type ComparisonSpec, type MinimumEffect, type SideSummary,
  type StatisticalVerdict,
} from './compare.ts';
export { describeComparison, roughDuration } from './comparison-message.ts';
export { sampleSizeFor, type SampleSizeEstimate, type SampleSizeSpec } from './comparison-sample-size.ts';
export type { StatisticsError } from './errors.ts';
export { mannWhitneyU, type MannWhitneyOptions, type MannWhitneyResult, type ShiftEstimate } from './mann-whitney.ts';
export { exactUDistribution, EXACT_MAX_PRODUCT, type ExactUDistribution } from './mann-whitney-exact.ts';
export { normalCdf, normalPdf, normalQuantile, normalSf } from './normal.ts';
export { kthDifference, medianDifference } from './pairwise-differences.ts';
export { newcombeInterval, twoProportionTest, wilsonInterval, type TwoProportionOptions, type TwoProportionResult } from './proportions.ts';
export {
  additionalSamples, noetherSampleSize, shiftedRelativeEffect, twoProportionSampleSize, type AdditionalSamples, type PowerOptions,
} from './sample-size.ts';
export type { Alternative, Counts, Interval, MetricDirection } from './types.ts';
