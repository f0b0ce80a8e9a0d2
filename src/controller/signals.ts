/**
 * Signals (pause, resume, promote, abort, retry) arrive as the annotation
 * `activationcanary.io/signal: <verb>@<id>`. A value is acted on once: the planner records it in
 * `status.handledSignal`, so the operator never edits metadata and a re-applied value is ignored.
 */
import { SIGNAL_ANNOTATION } from '../api/types.ts';
import { SIGNAL_VERBS, type SignalVerb } from './model.ts';

export type ParsedSignal = { verb: SignalVerb; value: string } | { invalid: string; value: string };

/** Parses an annotation value; undefined when absent or already handled. */
export function pendingSignal(value: string | undefined, handled: string | undefined): ParsedSignal | undefined {
  if (!value || value === handled) return undefined;
  const verb = value.split('@', 1)[0]?.trim() ?? '';
  if ((SIGNAL_VERBS as readonly string[]).includes(verb)) return { verb: verb as SignalVerb, value };
  return { invalid: `unknown signal "${verb}" in annotation ${SIGNAL_ANNOTATION}; use one of ${SIGNAL_VERBS.join(', ')} (as <verb>@<id>)`, value };
}

/** The annotation value a client sets to send `verb` now. */
export function signalValue(verb: SignalVerb, now: Date): string {
  return `${verb}@${now.toISOString()}`;
}
