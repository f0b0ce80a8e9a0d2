/**
 * The experiment section of `kubectl modelvariant get`: the phase and decision of status.experiment,
 * then the ranked table, one row per candidate and judged SLI (rank, verdict against stable, the
 * candidate's and stable's value, the difference with its interval, samples and how many more the
 * decision needs), and under it each candidate's reason, since that sentence says why it was excluded
 * or where it ranks.
 */
import type { ExperimentStatus } from '../../api/types.ts';
import { verdictColour, type Paint } from './colour.ts';
import { formatValue } from './render-analysis.ts';
import { field, formatTable } from './table.ts';
import { ABSENT, formatAge } from './time.ts';

const VERDICT_STYLE = { Pass: 'Successful', Fail: 'Failed', Inconclusive: 'Inconclusive' } as const;

export function renderExperiment(e: ExperimentStatus | undefined, now: number, paint: Paint): string[] {
  if (!e) return [];
  const decision = e.phase === 'Decided'
    ? `Decided ${formatAge(e.decidedAt, now)} ago: ${e.winner ? `winner ${paint('bold', e.winner)}` : 'stable kept'} (${e.reason ?? ABSENT})`
    : `Running against stable ${e.baseActivation ?? ABSENT}${e.startedAt ? `, measuring for ${formatAge(e.startedAt, now)}` : ', deploying candidates'} (${e.reason ?? ABSENT})`;
  const lines = [field('Experiment', decision)];
  if (e.message) lines.push(field('Why', e.message));
  const verdict = (v: string | undefined) => (v ? paint(verdictColour(VERDICT_STYLE[v as keyof typeof VERDICT_STYLE]), v) : ABSENT);
  const rows = (e.candidates ?? []).flatMap((c) => (c.slis?.length ? c.slis : [{ name: ABSENT }]).map((s, i) => [
    i === 0 ? (c.rank !== undefined ? String(c.rank) : ABSENT) : '',
    i === 0 ? c.activation : '',
    i === 0 ? verdict(c.verdict) : '',
    s.name,
    formatValue(s.value),
    formatValue(s.stableValue),
    s.difference !== undefined ? `${formatValue(s.difference)} [${formatValue(s.lower)}, ${formatValue(s.upper)}]` : ABSENT,
    verdict(s.verdict),
    'samples' in s ? `${formatValue(s.samples)}/${formatValue(s.stableSamples)}` : ABSENT,
    'moreSamples' in s && s.moreSamples ? formatValue(s.moreSamples) : '0',
  ]));
  if (rows.length === 0) return lines;
  lines.push('Candidates:', ...formatTable(['RANK', 'CANDIDATE', 'VERDICT', 'SLI', 'VALUE', 'STABLE', 'DIFFERENCE [CI]', 'SLI VERDICT', 'SAMPLES', 'MORE'], rows).map((l) => `  ${l}`));
  for (const c of e.candidates ?? []) if (c.reason) lines.push(`  ${paint(verdictColour(VERDICT_STYLE[c.verdict ?? 'Inconclusive']), c.rank ? `#${c.rank}` : '!')} ${c.activation}: ${c.reason}`);
  return lines;
}
