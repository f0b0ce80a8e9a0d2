/**
 * What a command may touch besides the cluster: its output streams, the environment (NO_COLOR), the
 * clock and a sleep. The entry point passes the real ones; keeping them in one value means no command
 * reads process globals, and colour is decided once per stream.
 */
import { colourEnabled, painter, type Paint } from './colour.ts';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** Writes lines to a stream, each ending with a newline. */
export function writeLines(stream: OutputStream, lines: readonly string[]): void {
  if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
}

/** The painter for stdout: colour only on a terminal without NO_COLOR. */
export function stdoutPaint(io: Io): Paint {
  return painter(colourEnabled(io.stdout, io.env));
}
