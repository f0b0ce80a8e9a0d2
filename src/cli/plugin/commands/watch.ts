/**
 * `kubectl modelvariant watch NAME [--until-done]`: the `get` view, re-read and re-rendered every
 * second until Ctrl-C. On a terminal the screen is redrawn in place (first cleared, then overwritten); elsewhere (a CI log, a pipe) a
 * new timestamped block is printed only when the object or its events changed. With --until-done the
 * watch ends when the rollout does: exit 0 once Healthy without a canary, 1 once Degraded. A failed
 * refresh is shown and retried; a deleted object ends the watch with exit 3.
 */
import type { ModelVariant } from '../../../api/types.ts';
import { EXIT, PluginError } from '../errors.ts';
import { stdoutPaint, writeLines, type Io } from '../io.ts';
import { renderModelVariant } from '../render-get.ts';
import type { Session } from '../session.ts';
import { caughtUp } from '../wait-outcome.ts';
import { snapshot, type Snapshot } from './get.ts';

export interface WatchFlags {
  untilDone: boolean;
  intervalMs: number;
}

// Redraw in place without flicker: cursor home, each line erased to its end, the rest of the screen erased.
const HOME = '\x1b[H';
const ERASE_LINE_END = '\x1b[K';
const ERASE_BELOW = '\x1b[J';
const CLEAR_SCREEN = '\x1b[2J';

/** What changed between two snapshots, ignoring the clock (ages move every second). */
export function fingerprint({ mv, events }: Snapshot): string {
  return JSON.stringify([mv.metadata?.resourceVersion, events.map((e) => [e.metadata?.name, e.count, String(e.lastTimestamp ?? '')])]);
}

/** The exit code once the rollout is over, or undefined while it goes on. */
export function doneExitCode(mv: ModelVariant): number | undefined {
  if (!caughtUp(mv)) return undefined;
  if (mv.status?.phase === 'Degraded') return EXIT.failed;
  if (mv.status?.phase === 'Healthy' && !mv.status.canaryActivation) return EXIT.ok;
  return undefined;
}

export async function watchCommand(session: Session, name: string, flags: WatchFlags, io: Io): Promise<number> {
  const tty = io.stdout.isTTY === true;
  const paint = stdoutPaint(io);
  const title = `kubectl modelvariant watch ${session.namespace}/${name}`;
  let last = '';
  let lastError = '';
  for (;;) {
    let snap: Snapshot;
    try {
      snap = await snapshot(session, name);
      lastError = '';
    } catch (err) {
      if (!(err instanceof PluginError) || err.code === 'NotFound' || err.code === 'CrdNotInstalled' || last === '') throw err;
      if (err.message !== lastError) writeLines(tty ? io.stdout : io.stderr, [`(cannot refresh, retrying: ${err.message})`]);
      lastError = err.message;
      await io.sleep(flags.intervalMs);
      continue;
    }
    const now = io.now();
    const lines = renderModelVariant(snap.mv, snap.events, { now, paint });
    const print = fingerprint(snap);
    if (tty) {
      const screen = [paint('dim', `${title}   every ${flags.intervalMs / 1000}s   ${new Date(now).toISOString()}   (Ctrl-C to stop)`), '', ...lines];
      io.stdout.write(`${last === '' ? CLEAR_SCREEN : ''}${HOME}${screen.map((l) => l + ERASE_LINE_END).join('\n')}\n${ERASE_BELOW}`);
    } else if (print !== last) {
      writeLines(io.stdout, [`--- ${new Date(now).toISOString()} ${title}`, ...lines, '']);
    }
    last = print;
    const exit = flags.untilDone ? doneExitCode(snap.mv) : undefined;
    if (exit !== undefined) return exit;
    await io.sleep(flags.intervalMs);
  }
}
