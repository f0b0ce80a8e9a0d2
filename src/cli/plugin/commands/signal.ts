/**
 * `kubectl modelvariant promote|abort|retry|pause|resume NAME [--wait] [--force]`: reads the object,
 * says what the signal will do in its current phase (or refuses, exit 1, when the operator would
 * ignore it), then sets the annotation `activationcanary.io/signal: <verb>@<ISO time>` with a JSON
 * merge patch on metadata. With --wait it re-reads until status.handledSignal shows the operator acted
 * on that exact value; if it does not within --timeout, the operator is probably not running (exit 1).
 */
import { SIGNAL_ANNOTATION } from '../../../api/types.ts';
import { signalValue } from '../../../controller/signals.ts';
import { PluginError } from '../errors.ts';
import { writeLines, type Io } from '../io.ts';
import { getModelVariant, sendSignal, type Session } from '../session.ts';
import { checkSignal, pendingSignal, type SignalVerb } from '../signal-check.ts';
import { progressLine } from '../wait-outcome.ts';

export interface SignalFlags {
  wait: boolean;
  force: boolean;
  timeoutMs: number;
  timeoutText: string;
  intervalMs: number;
}

export async function signalCommand(session: Session, verb: SignalVerb, name: string, flags: SignalFlags, io: Io): Promise<number> {
  const ns = session.namespace;
  const ref = `modelvariant ${ns}/${name}`;
  const before = await getModelVariant(session, ns, name);
  const check = checkSignal(verb, before);
  if (!check.send && !flags.force) {
    throw new PluginError('Refused', `cannot ${verb} ${ref}: ${check.reason} (--force sends the signal anyway)`);
  }
  const replaced = pendingSignal(before);
  if (replaced) {
    writeLines(io.stderr, [`Warning: this replaces signal ${replaced}, which the operator has not acted on yet; is the operator running?`]);
  }
  const value = signalValue(verb, new Date(io.now()));
  await sendSignal(session, ns, name, value);
  writeLines(io.stdout, [
    `${ref}: ${verb} requested (signal ${value})`,
    check.send ? `  ${check.effect}` : `  sent with --force, although: ${check.reason}`,
  ]);
  if (!flags.wait) return 0;

  const deadline = io.now() + flags.timeoutMs;
  for (;;) {
    await io.sleep(flags.intervalMs);
    const mv = await getModelVariant(session, ns, name);
    if (mv.status?.handledSignal === value) {
      writeLines(io.stdout, [`${ref}: the operator acted on ${value}; now ${progressLine(mv)}`]);
      return 0;
    }
    const current = mv.metadata?.annotations?.[SIGNAL_ANNOTATION];
    if (current !== value) {
      throw new PluginError('NotHandled', `${ref}: signal ${value} was replaced by ${current ?? 'nothing'} before the operator acted on it`);
    }
    if (io.now() >= deadline) {
      throw new PluginError('NotHandled', `${ref}: the operator did not act on ${value} within ${flags.timeoutText}; ` +
        `it may not be running or may not watch namespace ${ns} (check the operator's pods and logs). The annotation stays set and is acted on when it runs.`);
    }
  }
}
