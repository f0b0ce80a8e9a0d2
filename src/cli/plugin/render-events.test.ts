import { describe, expect, it } from '@jest/globals';
import { plain } from './colour.ts';
import { recentEvents, renderEvents } from './render-events.ts';
import { NOW, event } from './test-fixtures.ts';

describe('events', () => {
  it('are sorted oldest first by lastTimestamp, falling back to eventTime, firstTimestamp and creation time', () => {
    const byCreation = { ...event('c', 'C', 'c', 0), lastTimestamp: undefined, firstTimestamp: undefined,
      metadata: { name: 'c', creationTimestamp: new Date(NOW - 50_000) } };
    const byEventTime = { ...event('e', 'E', 'e', 0), lastTimestamp: undefined, firstTimestamp: undefined, eventTime: new Date(NOW - 5_000) };
    const sorted = recentEvents([event('a', 'A', 'a', 10), byCreation, event('b', 'B', 'b', 100), byEventTime]);
    expect(sorted.map((e) => e.reason)).toEqual(['B', 'C', 'A', 'E']);
  });

  it('keep only the most recent ones and say how many were left out', () => {
    const many = Array.from({ length: 14 }, (_, i) => event(`e${i}`, `R${i}`, `m${i}`, 100 - i));
    const lines = renderEvents(many, NOW, plain);
    expect(lines[0]).toBe('Events (last 10 of 14):');
    expect(lines).toHaveLength(12);
    expect(lines[2]).toMatch(/R4 /);
    expect(lines[11]).toMatch(/R13 /);
  });

  it('show a repeat count and flatten multi-line messages', () => {
    const lines = renderEvents([event('x', 'AnalysisInconclusive', 'no data\n  for accuracy', 5, 'Warning', 3)], NOW, plain);
    expect(lines[2]).toBe('  5s (x3)   Warning   AnalysisInconclusive   no data for accuracy');
  });
});
