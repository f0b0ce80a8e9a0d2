import { describe, expect, it } from '@jest/globals';
import { colourEnabled, painter, phaseColour, stripAnsi, verdictColour } from './colour.ts';

describe('colour', () => {
  it('is on only for a terminal without NO_COLOR', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
  });

  it('wraps text in ANSI codes that stripAnsi removes, and leaves it alone when off', () => {
    const red = painter(true)('red', 'Degraded');
    expect(red).toBe('\x1b[31mDegraded\x1b[0m');
    expect(stripAnsi(red)).toBe('Degraded');
    expect(painter(false)('red', 'Degraded')).toBe('Degraded');
  });

  it('paints outcomes: green good, red bad, yellow in between', () => {
    expect([phaseColour('Healthy'), phaseColour('Degraded'), phaseColour('Paused')]).toEqual(['green', 'red', 'yellow']);
    expect([verdictColour('Successful'), verdictColour('Failed'), verdictColour('Error')]).toEqual(['green', 'red', 'yellow']);
  });
});
