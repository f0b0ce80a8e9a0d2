/**
 * The work queue priority of a ModelVariant's watch event: `high` when it carries something a person
 * (or Argo CD) asked for that the operator has not acted on yet, a spec generation not yet observed or
 * a signal not yet handled, so an abort or a new activation does not wait behind a wave of the
 * operator's own status and child events (those stay `normal`). See src/kube/work-queue.ts for how
 * the priorities are served.
 */
import { SIGNAL_ANNOTATION, type ModelVariant } from '../api/types.ts';
import type { Priority } from '../kube/work-queue.ts';
import { pendingSignal } from './signals.ts';

export function modelVariantEventPriority(mv: ModelVariant): Priority {
  const generation = mv.metadata?.generation;
  if (generation !== undefined && (mv.status?.observedGeneration ?? 0) < generation) return 'high';
  return pendingSignal(mv.metadata?.annotations?.[SIGNAL_ANNOTATION], mv.status?.handledSignal) ? 'high' : 'normal';
}
