import { describe, expect, it } from '@jest/globals';
import { conditionColour } from './render-conditions.ts';

describe('condition colours', () => {
  it('mark Degraded=True and a False positive condition as problems, and the healthy states green', () => {
    expect(conditionColour({ type: 'Degraded', status: 'True' })).toBe('red');
    expect(conditionColour({ type: 'Degraded', status: 'False' })).toBe('green');
    expect(conditionColour({ type: 'Available', status: 'True' })).toBe('green');
    expect(conditionColour({ type: 'MetricsAvailable', status: 'False' })).toBe('yellow');
    expect(conditionColour({ type: 'SpecValid', status: 'False' })).toBe('red');
    expect(conditionColour({ type: 'Available', status: 'Unknown' })).toBe('yellow');
  });
});
