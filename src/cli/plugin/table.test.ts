import { describe, expect, it } from '@jest/globals';
import { painter } from './colour.ts';
import { field, formatTable } from './table.ts';

describe('formatTable', () => {
  it('aligns columns three spaces apart and leaves the last column unpadded', () => {
    expect(formatTable(['NAME', 'PHASE', 'MESSAGE'], [['a', 'Healthy', 'ok'], ['longer-name', 'Degraded', '']])).toEqual([
      'NAME          PHASE      MESSAGE',
      'a             Healthy    ok',
      'longer-name   Degraded',
    ]);
  });

  it('measures coloured cells by their visible width', () => {
    const red = painter(true)('red', 'Degraded');
    const lines = formatTable(['PHASE', 'AGE'], [[red, '5s'], ['Healthy', '1m']]);
    expect(lines[1]).toBe(`${red}   5s`);
    expect(lines[2]).toBe('Healthy    1m');
  });
});

describe('field', () => {
  it('puts values in one column after the label', () => {
    expect(field('Phase', 'Healthy')).toBe('Phase:        Healthy');
    expect(field('Activation', 'gelu')).toBe('Activation:   gelu');
  });
});
