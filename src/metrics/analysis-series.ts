/**
 * Turns a ModelVariant's `status.analysis` (docs/api.md: values as Prometheus text, bounds as text
 * such as "<= 0.25 and <= 1.2 × stable") into the gauge points the operator exports: the canary's and
 * stable's SLI values, each bound of each SLI, and the burn rate on the short and the long window. An
 * absent value (no data) gives no point rather than a 0 that would look like a measurement.
 */
import type { AnalysisStatus } from '../controller/model.ts';
import { parsePromValue } from '../analysis/prom-value.ts';

export interface SeriesPoint {
  metric: 'sliValue' | 'sliThreshold' | 'burnRate';
  labels: Record<string, string>;
  value: number;
}

export type BoundLabel = 'max' | 'min' | 'maxRatioToStable' | 'minRatioToStable';

/** Reads the bounds out of a threshold text; parts it does not recognise are skipped. */
export function parseBounds(threshold: string): { bound: BoundLabel; value: number }[] {
  const out: { bound: BoundLabel; value: number }[] = [];
  for (const part of threshold.split(/\s+and\s+/)) {
    const m = /^(<=|>=)\s*(\S+?)(\s*(?:×|x|\*)\s*stable)?$/.exec(part.trim());
    const value = m ? parsePromValue(m[2]) : undefined;
    if (!m || value === undefined) continue;
    const ratio = m[3] !== undefined;
    const bound: BoundLabel = m[1] === '<=' ? (ratio ? 'maxRatioToStable' : 'max') : (ratio ? 'minRatioToStable' : 'min');
    out.push({ bound, value });
  }
  return out;
}

const record = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const numberOf = (v: unknown): number | undefined => (typeof v === 'number' ? v : parsePromValue(v));

export function analysisSeries(namespace: string, name: string, analysis: AnalysisStatus | undefined): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  if (!analysis) return points;
  const slis = Array.isArray(analysis.slis) ? analysis.slis : [];
  for (const raw of slis) {
    const sli = record(raw);
    if (!sli || typeof sli.name !== 'string') continue;
    for (const [role, field] of [['canary', 'canaryValue'], ['stable', 'stableValue']] as const) {
      const value = numberOf(sli[field]);
      if (value !== undefined) points.push({ metric: 'sliValue', labels: { namespace, name, sli: sli.name, role }, value });
    }
    if (typeof sli.threshold === 'string') {
      for (const { bound, value } of parseBounds(sli.threshold)) points.push({ metric: 'sliThreshold', labels: { namespace, name, sli: sli.name, bound }, value });
    }
  }
  const burn = record(analysis.burnRate);
  for (const window of ['short', 'long'] as const) {
    const value = numberOf(burn?.[window]);
    if (value !== undefined) points.push({ metric: 'burnRate', labels: { namespace, name, window }, value });
  }
  return points;
}
