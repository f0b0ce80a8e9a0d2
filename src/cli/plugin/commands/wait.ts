/**
 * `kubectl modelvariant wait NAME --for=promoted|degraded|healthy|decided --timeout=10m`, for CI pipelines:
 * re-reads the object every second (no cache, no watch to lose) until the condition holds (exit 0),
 * the opposite terminal outcome is reached (exit 1, with the reason of the rollback), or the timeout
 * passes (exit 2, with where the rollout stood). A missing object is exit 3 at once. Progress lines
 * go to stderr when the phase, step or message changes; the final line names the outcome.
 */
import { PluginError } from '../errors.ts';
import { writeLines, type Io } from '../io.ts';
import { getModelVariant, type Session } from '../session.ts';
import { formatAge } from '../time.ts';
import { waitOutcome, type WaitTarget } from '../wait-outcome.ts';

export interface WaitFlags {
  for: WaitTarget;
  timeoutMs: number;
  timeoutText: string;
  quiet: boolean;
  intervalMs: number;
}

export async function waitCommand(session: Session, name: string, flags: WaitFlags, io: Io): Promise<number> {
  const ref = `modelvariant ${session.namespace}/${name}`;
  const start = io.now();
  const deadline = start + flags.timeoutMs;
  let mv = await getModelVariant(session, session.namespace, name);
  let lastProgress = '';
  let lastError = '';
  for (;;) {
    const outcome = waitOutcome(mv, flags.for);
    if (outcome.state === 'reached') {
      writeLines(io.stdout, [`${ref}: ${outcome.summary}`]);
      return 0;
    }
    if (outcome.state === 'opposite') {
      writeLines(io.stderr, [`${ref}: ${outcome.summary}`]);
      return 1;
    }
    if (!flags.quiet && outcome.summary !== lastProgress) {
      writeLines(io.stderr, [`[${formatAge(new Date(start), io.now()).padStart(6)}] ${ref}: ${outcome.summary}`]);
      lastProgress = outcome.summary;
    }
    if (io.now() >= deadline) {
      const stale = lastError ? ` (last read failed: ${lastError})` : '';
      throw new PluginError('Timeout', `timed out after ${flags.timeoutText} waiting for ${ref} to be ${flags.for}; last seen: ${outcome.summary}${stale}`);
    }
    await io.sleep(Math.min(flags.intervalMs, Math.max(0, deadline - io.now())));
    try {
      mv = await getModelVariant(session, session.namespace, name);
      lastError = '';
    } catch (err) {
      if (err instanceof PluginError && err.code === 'NotFound') {
        throw new PluginError('NotFound', `${ref} was deleted while waiting for it to be ${flags.for}`, err);
      }
      // A blip of the apiserver is not an outcome: keep the last object and retry until the deadline.
      lastError = err instanceof Error ? err.message : String(err);
    }
  }
}
