/**
 * metav1.Condition bookkeeping: set a condition by type, keeping `lastTransitionTime` when the status
 * does not change (as apimachinery's SetStatusCondition does). Types and reasons are constants.
 */
import type { Condition } from './model.ts';

export { CONDITION_TYPE as CONDITION } from '../api/types.ts';

export function setCondition(
  conditions: Condition[],
  next: Omit<Condition, 'lastTransitionTime'>,
  nowIso: string,
): Condition[] {
  const previous = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = previous && previous.status === next.status ? previous.lastTransitionTime : nowIso;
  const updated: Condition = { ...next, lastTransitionTime };
  return previous ? conditions.map((c) => (c.type === next.type ? updated : c)) : [...conditions, updated];
}

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
