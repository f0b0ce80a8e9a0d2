/**
 * Signals (pause, resume, promote, abort, retry) arrive as the annotation
 * `activationcanary.io/signal: <verb>@<id>`. A value is acted on once: the planner records it in
 * `status.handledSignal`, so the operator never edits metadata and a re-applied value is ignored.
 */
import { createHash } from 'node:crypto';
import { SIGNAL_ANNOTATION } from '../api/types.ts';
import { SIGNAL_VERBS, type SignalVerb } from './model.ts';

/** `value` is what goes into status.handledSignal: the annotation value, or its digest (see signalKey). */
export type ParsedSignal = { verb: SignalVerb; value: string } | { invalid: string; value: string };

/** The most status.handledSignal holds (UTF-8 bytes, the CRD's maxLength). */
export const MAX_HANDLED_SIGNAL_BYTES = 4096;

/**
 * What status.handledSignal records for an annotation value: the value itself, or, for a value longer
 * than the field holds (an annotation may have 256 KiB), `sha256:<hex>` of it, so it is still acted on
 * once and the status write is not refused.
 */
export function signalKey(value: string): string {
  return Buffer.byteLength(value) <= MAX_HANDLED_SIGNAL_BYTES ? value : `sha256:${createHash('sha256').update(value).digest('hex')}`;
}

/** Parses an annotation value; undefined when absent or already handled. */
export function pendingSignal(value: string | undefined, handled: string | undefined): ParsedSignal | undefined {
  if (!value) return undefined;
  const key = signalKey(value);
  if (key === handled) return undefined;
  const verb = value.split('@', 1)[0]?.trim() ?? '';
  if ((SIGNAL_VERBS as readonly string[]).includes(verb)) return { verb: verb as SignalVerb, value: key };
  return { invalid: `unknown signal ${JSON.stringify(verb.slice(0, 64))} in annotation ${SIGNAL_ANNOTATION}; use one of ${SIGNAL_VERBS.join(', ')} (as <verb>@<id>)`, value: key };
}

/** The annotation value a client sets to send `verb` now. */
export function signalValue(verb: SignalVerb, now: Date): string {
  return `${verb}@${now.toISOString()}`;
}
