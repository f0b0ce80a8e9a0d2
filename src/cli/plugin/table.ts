/**
 * Plain-text tables in kubectl's style: upper-case headers, columns left-aligned and separated by
 * three spaces, the last column never padded. Cells may already carry ANSI colour; widths are measured
 * on the visible text, so a coloured table lines up like a plain one.
 */
import { stripAnsi } from './colour.ts';

const GAP = '   ';

/** Width of the label column of `get`'s `Label:  value` lines, as in `kubectl describe`. */
export const LABEL_WIDTH = 14;

/** A `Label:  value` line with the value in the column after LABEL_WIDTH. */
export function field(label: string, value: string): string {
  return `${`${label}:`.padEnd(LABEL_WIDTH - 1)} ${value}`.trimEnd();
}

/** Renders `header` and `rows` as aligned lines (no trailing spaces). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => stripAnsi(row[col] ?? '').length)));
  return all.map((row) =>
    header
      .map((_, col) => {
        const cell = row[col] ?? '';
        const last = col === header.length - 1;
        return last ? cell : cell + ' '.repeat((widths[col] ?? 0) - stripAnsi(cell).length);
      })
      .join(GAP)
      .trimEnd(),
  );
}
