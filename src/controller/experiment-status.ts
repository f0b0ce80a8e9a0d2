/**
 * The ranked table of status.experiment from a judgement, pure and bounded: at most 5 candidates of at
 * most 10 SLIs each (the CRD's limits), numbers in Prometheus text form (4 significant digits), and each
 * candidate's reason cut to 1024 bytes (status-bounds.ts bounds the rest), so the table stays within a
 * few kilobytes whatever the data.
 */
import type { CandidateSLIStatus, CandidateStatus } from '../api/types.ts';
import { show, type ExperimentJudgement, type SliRow } from '../analysis/experiment/judge-experiment.ts';
import { clipBytes } from './status-bounds.ts';

const MAX_CANDIDATES = 5;
const MAX_SLIS = 10;
const MAX_REASON_BYTES = 1024;

/** status.experiment.candidates for a judgement, best first. */
export function candidateTable(judgement: ExperimentJudgement): CandidateStatus[] {
  return judgement.candidates.slice(0, MAX_CANDIDATES).map((c) => ({
    activation: c.activation,
    ...(c.rank !== undefined ? { rank: c.rank } : {}),
    verdict: c.verdict,
    reason: clipBytes(c.reason, MAX_REASON_BYTES),
    slis: c.slis.slice(0, MAX_SLIS).map(sliStatus),
  }));
}

function sliStatus(row: SliRow): CandidateSLIStatus {
  const text = (key: keyof CandidateSLIStatus, value: number | undefined) => (value === undefined ? {} : { [key]: show(value) });
  return {
    name: row.name,
    verdict: row.verdict,
    reason: row.reason,
    ...text('value', row.value),
    ...text('stableValue', row.stableValue),
    ...text('difference', row.difference?.estimate),
    ...text('lower', row.difference?.lower),
    ...text('upper', row.difference?.upper),
    ...text('pValue', row.pValue),
    samples: row.samples,
    stableSamples: row.stableSamples,
    moreSamples: row.moreSamples,
  };
}
