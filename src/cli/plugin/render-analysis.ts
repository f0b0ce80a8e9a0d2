/**
 * The analysis sections of `get`: the last run's verdict and streaks, one row per SLI (canary and
 * stable value, threshold, verdict, reason, samples, age of the measurement) and the error-budget burn
 * rate. Values arrive as Prometheus text ('0.012', 'NaN', '+Inf') or are absent when there was no
 * data; absent shows as '—'. An SLI that did not pass gets its message printed under the table, since
 * that sentence is what explains a pause or a rollback.
 */
import type { AnalysisStatus, BurnRateStatus, SLIStatus } from '../../api/types.ts';
import { verdictColour, type Paint } from './colour.ts';
import { field, formatTable } from './table.ts';
import { ABSENT, formatAge } from './time.ts';

/** A Prometheus text value shortened for a table cell: at most 4 significant digits. */
export function formatValue(value: string | number | undefined): string {
  if (value === undefined || value === '') return ABSENT;
  const text = String(value);
  const n = Number(text);
  if (!Number.isFinite(n) || text.length <= 7) return text;
  return String(Number(n.toPrecision(4)));
}

export function renderAnalysis(analysis: AnalysisStatus | undefined, now: number, paint: Paint): string[] {
  if (!analysis) return [field('Analysis', '<none>')];
  const streaks = `${analysis.consecutiveFailures ?? 0} failed, ${analysis.consecutiveInconclusive ?? 0} inconclusive in a row`;
  const verdict = analysis.verdict ? paint(verdictColour(analysis.verdict), analysis.verdict) : ABSENT;
  const lines = [field('Analysis', `${verdict}, last run ${ago(analysis.lastRunAt, now)} (${streaks})`)];
  lines.push(...renderSlis(analysis.slis ?? [], now, paint));
  lines.push(...renderBurnRate(analysis.burnRate, paint));
  return lines;
}

function ago(iso: string | undefined, now: number): string {
  const age = formatAge(iso, now);
  return age === ABSENT ? ABSENT : `${age} ago`;
}

export function renderSlis(slis: readonly SLIStatus[], now: number, paint: Paint): string[] {
  if (slis.length === 0) return [field('SLIs', '<none>')];
  const rows = slis.map((s) => [
    s.name,
    formatValue(s.canaryValue),
    formatValue(s.stableValue),
    s.threshold || ABSENT,
    s.verdict ? paint(verdictColour(s.verdict), s.verdict) : ABSENT,
    s.reason || ABSENT,
    formatValue(s.samples),
    s.window || ABSENT,
    formatAge(s.measuredAt, now),
  ]);
  const lines = ['SLIs:', ...formatTable(['NAME', 'CANARY', 'STABLE', 'THRESHOLD', 'VERDICT', 'REASON', 'SAMPLES', 'WINDOW', 'MEASURED'], rows).map((l) => `  ${l}`)];
  for (const s of slis) {
    if (s.verdict && s.verdict !== 'Successful' && s.message) lines.push(`  ${paint(verdictColour(s.verdict), '!')} ${s.name}: ${s.message}`);
  }
  return lines;
}

export function renderBurnRate(burn: BurnRateStatus | undefined, paint: Paint): string[] {
  if (!burn) return [field('Burn rate', '<not judged>')];
  const window = (w: string | undefined) => (w ? ` (${w})` : '');
  const verdict = burn.verdict ? paint(verdictColour(burn.verdict), burn.verdict) : ABSENT;
  const lines = [
    field('Burn rate', `short ${formatValue(burn.short)}${window(burn.shortWindow)}   long ${formatValue(burn.long)}${window(burn.longWindow)}   ` +
      `threshold ${burn.threshold ?? ABSENT}   budget left ${formatValue(burn.budgetRemaining)}   ${verdict}${burn.reason ? ` (${burn.reason})` : ''}`),
  ];
  if (burn.verdict && burn.verdict !== 'Successful' && burn.message) lines.push(`  ${paint(verdictColour(burn.verdict), '!')} burn rate: ${burn.message}`);
  return lines;
}
