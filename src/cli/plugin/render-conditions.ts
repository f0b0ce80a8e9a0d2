/**
 * The Conditions section of `get`: each metav1.Condition of status.conditions as a row (type, status,
 * reason, age of the last transition, message). `Degraded=True` and a `False` on a positive condition
 * are painted as problems; the message comes last so long sentences do not push the columns apart.
 */
import type { StatusCondition } from '../../api/types.ts';
import type { Colour, Paint } from './colour.ts';
import { field, formatTable } from './table.ts';
import { formatAge } from './time.ts';

/** Colour of a condition's status: Degraded is bad when True, every other type when False. */
export function conditionColour(c: Pick<StatusCondition, 'type' | 'status'>): Colour {
  if (c.status === 'Unknown') return 'yellow';
  const good = c.type === 'Degraded' ? c.status === 'False' : c.status === 'True';
  return good ? 'green' : c.type === 'Degraded' || c.type === 'SpecValid' ? 'red' : 'yellow';
}

export function renderConditions(conditions: readonly StatusCondition[] | undefined, now: number, paint: Paint): string[] {
  if (!conditions || conditions.length === 0) return [field('Conditions', '<none>')];
  const rows = conditions.map((c) => [c.type, paint(conditionColour(c), c.status), c.reason || '—', formatAge(c.lastTransitionTime, now), c.message.replace(/\s*\n\s*/g, ' ')]);
  return ['Conditions:', ...formatTable(['TYPE', 'STATUS', 'REASON', 'AGE', 'MESSAGE'], rows).map((l) => `  ${l}`)];
}
