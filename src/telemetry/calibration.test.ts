import { describe, expect, it } from '@jest/globals';
import { calibrationBinIndex, emptyCalibrationBins, expectedCalibrationError, tallyCalibration } from './calibration.ts';

/** Rows of a 2-class problem whose top-label confidence is `conf` for class 0. */
const rows = (confidences: number[]) => confidences.flatMap((c) => [c, 1 - c]);

describe('expected calibration error', () => {
  it.each([[0, 0], [1 / 15, 0], [1 / 15 + 1e-9, 1], [0.5, 7], [0.6, 8], [0.9, 13], [14 / 15, 13], [0.99, 14], [1, 14]])(
    'puts confidence %d in bin %d of 15 (bins are ((m−1)/15, m/15], 0 goes to the first)', (confidence, bin) =>
      expect(calibrationBinIndex(confidence)).toBe(bin));

  it('works a hand example: 4 rows at 0.9 with 3 right and 2 at 0.6 with 1 right give (|3 − 3.6| + |1 − 1.2|) / 6 = 0.1333', () => {
    // Per bin: acc 0.75 vs conf 0.9 on 4 of 6 rows, acc 0.5 vs conf 0.6 on 2 of 6: 4/6 · 0.15 + 2/6 · 0.1.
    const bins = emptyCalibrationBins();
    tallyCalibration(bins, rows([0.9, 0.9, 0.9, 0.9, 0.6, 0.6]), [0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 1], 2);
    expect(bins[13]).toEqual({ predictions: 4, correct: 3, confidenceSum: expect.closeTo(3.6, 12) });
    expect(bins[8]).toEqual({ predictions: 2, correct: 1, confidenceSum: expect.closeTo(1.2, 12) });
    expect(expectedCalibrationError(bins)).toBeCloseTo(0.8 / 6, 12);
  });

  it('is 0 when confidence matches accuracy in every bin (0.75 confident, 3 of 4 right)', () => {
    const bins = emptyCalibrationBins();
    tallyCalibration(bins, rows([0.75, 0.75, 0.75, 0.75]), [0, 0, 0, 0], [0, 0, 0, 1], 2);
    expect(expectedCalibrationError(bins)).toBeCloseTo(0, 12);
  });

  it('shows over-confidence: always 0.99 sure and right half the time is 0.49', () => {
    const bins = emptyCalibrationBins();
    tallyCalibration(bins, rows([0.99, 0.99]), [0, 0], [0, 1], 2);
    expect(expectedCalibrationError(bins)).toBeCloseTo(0.49, 12);
  });

  it('skips unlabelled rows and rows without a finite prediction, and is NaN with nothing tallied', () => {
    const bins = emptyCalibrationBins();
    tallyCalibration(bins, [0.9, 0.1, Number.NaN, Number.NaN, 0.8, 0.2], [0, null, 0], [0, 0, null], 2);
    expect(bins.reduce((n, b) => n + b.predictions, 0)).toBe(1);
    expect(expectedCalibrationError(emptyCalibrationBins())).toBeNaN();
  });

  it('reads the confidence of the predicted class, not of class 0', () => {
    const bins = emptyCalibrationBins();
    tallyCalibration(bins, [0.2, 0.8], [1], [1], 2);
    expect(bins[11]).toEqual({ predictions: 1, correct: 1, confidenceSum: 0.8 });
  });
});
