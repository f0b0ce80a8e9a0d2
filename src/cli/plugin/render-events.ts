/**
 * A ModelVariant's recent Events for `get` and `watch`: core/v1 Events about the object, newest last
 * (as `kubectl describe` lists them), each with its age, type, reason, repeat count and message. Sorting
 * uses lastTimestamp, then eventTime, firstTimestamp and the creation time, because different writers
 * fill different fields.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import type { Paint } from './colour.ts';
import { field, formatTable } from './table.ts';
import { formatAge } from './time.ts';

/** How many events `get` shows by default. */
export const RECENT_EVENTS = 10;

/** When an event last happened, in epoch ms (0 when it carries no time at all). */
export function eventTime(e: CoreV1Event): number {
  for (const t of [e.lastTimestamp, e.eventTime, e.firstTimestamp, e.metadata?.creationTimestamp]) {
    if (t === undefined || t === null) continue;
    const ms = t instanceof Date ? t.getTime() : Date.parse(String(t));
    if (!Number.isNaN(ms)) return ms;
  }
  return 0;
}

/** The `limit` most recent events, oldest first; ties keep the apiserver's (name) order. */
export function recentEvents(events: readonly CoreV1Event[], limit = RECENT_EVENTS): CoreV1Event[] {
  return events
    .map((e, i) => ({ e, i, t: eventTime(e) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .slice(-limit)
    .map(({ e }) => e);
}

/** The Events section: a table, or a line saying there are none. */
export function renderEvents(events: readonly CoreV1Event[], now: number, paint: Paint, limit = RECENT_EVENTS): string[] {
  const shown = recentEvents(events, limit);
  if (shown.length === 0) return [field('Events', '<none>')];
  const title = events.length > shown.length ? `Events (last ${shown.length} of ${events.length}):` : 'Events:';
  const rows = shown.map((e) => {
    const count = (e.count ?? 1) > 1 ? ` (x${e.count})` : '';
    const type = e.type ?? '—';
    return [formatAge(new Date(eventTime(e)), now) + count, e.type === 'Warning' ? paint('yellow', type) : type, e.reason ?? '—', oneLine(e.message ?? '')];
  });
  return [title, ...formatTable(['AGE', 'TYPE', 'REASON', 'MESSAGE'], rows).map((l) => `  ${l}`)];
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
