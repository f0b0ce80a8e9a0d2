/**
 * Calibration of served probabilities, as pure functions: which confidence bin a labelled prediction
 * falls in, the per-bin tallies a server exports, and the expected calibration error (ECE) computed
 * from them, exactly as the `calibrationError` built-in computes it in PromQL from the exported
 * counters (this is its definition and the oracle its query is tested against).
 *
 * A prediction's confidence is its top-label probability max_k p_k; it is correct when that class is
 * the label. With M equal-width bins B_m = ((m−1)/M, m/M] (a confidence of 0 goes to the first bin),
 *
 *   ECE = Σ_m (|B_m| / n) · |acc(B_m) − conf(B_m)| = (1/n) Σ_m |correct_m − Σ_{i∈B_m} conf_i|
 *
 * where acc is the fraction correct and conf the mean confidence in the bin: the second form needs only
 * three counters per bin (predictions, correct, confidence sum), which is what makes it exact in PromQL.
 * ECE was introduced by Naeini, Cooper & Hauskrecht 2015 ("Obtaining well calibrated probabilities using
 * Bayesian binning", AAAI, eq. for ECE); the top-label form with M = 15 bins is Guo, Pleiss, Sun &
 * Weinberger 2017 ("On calibration of modern neural networks", ICML, eq. 3), whose bin count we use.
 */

/** Guo et al. 2017 use 15 equal-width bins. */
export const CALIBRATION_BINS = 15;

/** One bin's tallies. */
export interface CalibrationBin {
  /** Labelled predictions whose confidence fell in the bin. */
  predictions: number;
  /** Of those, how many predicted the label. */
  correct: number;
  /** The sum of their confidences. */
  confidenceSum: number;
}

/** The bin index (0 … bins−1) of a confidence in [0, 1]: bin m covers (m/bins, (m+1)/bins]. */
export function calibrationBinIndex(confidence: number, bins = CALIBRATION_BINS): number {
  return Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
}

/** Empty tallies for `bins` bins. */
export function emptyCalibrationBins(bins = CALIBRATION_BINS): CalibrationBin[] {
  return Array.from({ length: bins }, () => ({ predictions: 0, correct: 0, confidenceSum: 0 }));
}

/**
 * Adds labelled rows to `bins` in place: `probabilities` is rows × classes (row-major), `classes` the
 * predicted class per row (null where not finite: skipped), `labels` the label per row (null or
 * undefined: unlabelled, skipped).
 */
export function tallyCalibration(bins: CalibrationBin[], probabilities: ArrayLike<number>, classes: readonly (number | null)[],
  labels: readonly (number | null | undefined)[], k: number): void {
  for (let r = 0; r < classes.length; r++) {
    const predicted = classes[r];
    const label = labels[r];
    if (predicted === null || predicted === undefined || label === null || label === undefined) continue;
    const confidence = probabilities[r * k + predicted]!;
    const bin = bins[calibrationBinIndex(confidence, bins.length)]!;
    bin.predictions++;
    bin.confidenceSum += confidence;
    if (predicted === label) bin.correct++;
  }
}

/** ECE (a ratio, 0 … 1) from per-bin tallies; NaN when there are no predictions. */
export function expectedCalibrationError(bins: readonly CalibrationBin[]): number {
  let n = 0;
  let gap = 0;
  for (const b of bins) {
    n += b.predictions;
    gap += Math.abs(b.correct - b.confidenceSum);
  }
  return n === 0 ? Number.NaN : gap / n;
}
