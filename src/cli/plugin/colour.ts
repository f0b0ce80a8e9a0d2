/**
 * ANSI colours for the plugin's human output, written by hand (no colour library). Colour is used
 * only when the stream is a terminal and NO_COLOR is unset (https://no-color.org), so piped output,
 * CI logs and `-o json|yaml` stay plain. A `Paint` is passed down to the pure renderers, which never
 * look at the environment themselves.
 */

const CODES = {
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
} as const;
const RESET = '\x1b[0m';

export type Colour = keyof typeof CODES;
export type Paint = (colour: Colour, text: string) => string;

/** True when `stream` is a terminal and NO_COLOR is unset or empty. */
export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** A painter that colours text, or returns it unchanged when colour is off. */
export function painter(enabled: boolean): Paint {
  return enabled ? (colour, text) => (text === '' ? text : `${CODES[colour]}${text}${RESET}`) : (_colour, text) => text;
}

export const plain: Paint = painter(false);

/** Removes ANSI escape sequences, for measuring the visible width of painted text. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Green for a good outcome, red for a bad one, yellow for anything in between. */
export function phaseColour(phase: string | undefined): Colour {
  return phase === 'Healthy' ? 'green' : phase === 'Degraded' ? 'red' : 'yellow';
}

export function verdictColour(verdict: string | undefined): Colour {
  return verdict === 'Successful' ? 'green' : verdict === 'Failed' ? 'red' : 'yellow';
}
