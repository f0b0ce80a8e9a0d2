/**
 * `kubectl modelvariant get NAME [-o table|json|yaml]`: one ModelVariant in full — steps, weights,
 * SLIs with values and thresholds, burn rate, conditions and recent events — or the object itself for
 * scripts. `snapshot` is shared with `watch`, which renders the same view every second.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import type { ModelVariant } from '../../../api/types.ts';
import { stdoutPaint, writeLines, type Io } from '../io.ts';
import { formatObject, withoutManagedFields, type OutputFormat } from '../output.ts';
import { renderModelVariant } from '../render-get.ts';
import { getModelVariant, listEvents, type Session } from '../session.ts';

export interface GetFlags {
  output: OutputFormat;
}

export interface Snapshot {
  mv: ModelVariant;
  events: CoreV1Event[];
}

/** Reads the object and its events afresh (never cached). */
export async function snapshot(session: Session, name: string): Promise<Snapshot> {
  const mv = await getModelVariant(session, session.namespace, name);
  return { mv, events: await listEvents(session, session.namespace, name) };
}

export async function getCommand(session: Session, name: string, flags: GetFlags, io: Io): Promise<number> {
  if (flags.output !== 'table') {
    io.stdout.write(formatObject(withoutManagedFields(await getModelVariant(session, session.namespace, name)), flags.output));
    return 0;
  }
  const { mv, events } = await snapshot(session, name);
  writeLines(io.stdout, renderModelVariant(mv, events, { now: io.now(), paint: stdoutPaint(io) }));
  return 0;
}
