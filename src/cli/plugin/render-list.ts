/**
 * `kubectl modelvariant list` as a table, pure: one row per ModelVariant with its desired activation,
 * what stable and canary serve, the phase, the canary weight, the step, the last analysis verdict and
 * the age (plus a NAMESPACE column with --all-namespaces). Rows are sorted by namespace and name so the
 * output is stable between runs.
 */
import type { ModelVariant } from '../../api/types.ts';
import { phaseColour, verdictColour, type Paint } from './colour.ts';
import { stepLabel, weightLabel } from './render-get.ts';
import { formatTable } from './table.ts';
import { ABSENT, formatAge } from './time.ts';

export interface ListOptions {
  allNamespaces: boolean;
  now: number;
  paint: Paint;
}

export function sortByNamespaceAndName(items: readonly ModelVariant[]): ModelVariant[] {
  const key = (mv: ModelVariant) => `${mv.metadata?.namespace ?? ''}/${mv.metadata?.name ?? ''}`;
  return [...items].sort((a, b) => key(a).localeCompare(key(b)));
}

export function renderList(items: readonly ModelVariant[], { allNamespaces, now, paint }: ListOptions): string[] {
  const header = ['NAME', 'ACTIVATION', 'STABLE', 'CANARY', 'PHASE', 'WEIGHT', 'STEP', 'ANALYSIS', 'AGE'];
  const rows = sortByNamespaceAndName(items).map((mv) => {
    const s = mv.status;
    const row = [
      mv.metadata?.name ?? ABSENT,
      mv.spec?.activation ?? ABSENT,
      s?.stableActivation || ABSENT,
      s?.canaryActivation || ABSENT,
      s?.phase ? paint(phaseColour(s.phase), s.phase) : ABSENT,
      weightLabel(mv),
      stepLabel(mv),
      s?.analysis?.verdict ? paint(verdictColour(s.analysis.verdict), s.analysis.verdict) : ABSENT,
      formatAge(mv.metadata?.creationTimestamp, now),
    ];
    return allNamespaces ? [mv.metadata?.namespace ?? ABSENT, ...row] : row;
  });
  return formatTable(allNamespaces ? ['NAMESPACE', ...header] : header, rows);
}

/** What to say when a list is empty (kubectl's wording, with the namespace). */
export function emptyListMessage(namespace: string | undefined): string {
  return namespace ? `No modelvariants found in namespace "${namespace}".` : 'No modelvariants found in any namespace.';
}
