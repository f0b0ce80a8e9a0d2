/**
 * The size the operator promises for a ModelVariant's status: at most MAX_STATUS_BYTES of JSON, each
 * field within the CRD's own limits, whatever the spec, the apiserver's refusals or Prometheus' answers
 * put in the messages. Messages are cut (ending in "…") to MAX_MESSAGE_BYTES, `change` to
 * MAX_CHANGE_BYTES; if the whole is still larger, every message is cut shorter, step by step, until it
 * fits. A status the apiserver refused for a field too long would never be written again: the
 * ModelVariant would stay unacted on, its reconcile failing forever (the spec fuzzer found one).
 */
import type { Status } from './model.ts';

/** The bound on `JSON.stringify(status)` in bytes (docs/reliability.md). */
export const MAX_STATUS_BYTES = 64 * 1024;
/** A condition's message and status.message, in UTF-8 bytes (the CRD allows 32768). */
export const MAX_MESSAGE_BYTES = 4096;
/** status.change, in UTF-8 bytes (the CRD allows 4096). */
export const MAX_CHANGE_BYTES = 1024;
/** Shorter and shorter message limits tried when the status is still over MAX_STATUS_BYTES. */
const SHRINK_STEPS = [MAX_MESSAGE_BYTES, 1024, 256] as const;

/** `text` cut to at most `max` UTF-8 bytes, ending in "…" when cut, never splitting a character. */
export function clipBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  let bytes = 0;
  const room = max - Buffer.byteLength('…');
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > room) break;
    out += ch;
    bytes += size;
  }
  return `${out}…`;
}

/** `status` with every message within `max` bytes and `change` within MAX_CHANGE_BYTES. */
function withMessagesCut(status: Status, max: number): Status {
  const s: Status = { ...status };
  if (s.message !== undefined) s.message = clipBytes(s.message, max);
  if (s.change !== undefined) s.change = clipBytes(s.change, MAX_CHANGE_BYTES);
  if (s.conditions) s.conditions = s.conditions.map((c) => ({ ...c, message: clipBytes(c.message, max) }));
  if (s.experiment?.message !== undefined) s.experiment = { ...s.experiment, message: clipBytes(s.experiment.message, max) };
  if (s.analysis) {
    s.analysis = {
      ...s.analysis,
      ...(s.analysis.slis ? { slis: s.analysis.slis.map((x) => (x.message !== undefined ? { ...x, message: clipBytes(x.message, max) } : x)) } : {}),
      ...(s.analysis.burnRate?.message !== undefined ? { burnRate: { ...s.analysis.burnRate, message: clipBytes(s.analysis.burnRate.message, max) } } : {}),
    };
  }
  return s;
}

/** `status` within MAX_STATUS_BYTES and the CRD's field limits; unchanged when it already is. */
export function boundStatus(status: Status): Status {
  let bounded = status;
  for (const max of SHRINK_STEPS) {
    bounded = withMessagesCut(status, max);
    if (Buffer.byteLength(JSON.stringify(bounded)) <= MAX_STATUS_BYTES) break;
  }
  return JSON.stringify(bounded) === JSON.stringify(status) ? status : bounded;
}
