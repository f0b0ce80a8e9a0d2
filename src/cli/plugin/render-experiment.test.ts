import { describe, expect, it } from '@jest/globals';
import type { ExperimentStatus, ModelVariant } from '../../api/types.ts';
import { painter, stripAnsi } from './colour.ts';
import { renderExperiment } from './render-experiment.ts';
import { waitOutcome } from './wait-outcome.ts';
import { healthy } from './test-fixtures.ts';

const NOW = Date.parse('2026-11-28T14:00:00Z');
const decided: ExperimentStatus = {
  id: 'abc', phase: 'Decided', baseActivation: 'relu', startedAt: '2026-11-28T13:40:00Z', decidedAt: '2026-11-28T13:58:00Z',
  winner: 'gelu', reason: 'WinnerFound', message: 'gelu wins: better than stable on accuracy; no judged SLI worse',
  candidates: [
    { activation: 'gelu', rank: 1, verdict: 'Pass', reason: 'better than stable on accuracy; no judged SLI worse',
      slis: [{ name: 'accuracy', value: '0.96', stableValue: '0.9', difference: '0.06', lower: '0.05', upper: '0.07', verdict: 'Pass', reason: 'WithinMargin', samples: 900, stableSamples: 8000, moreSamples: 0 }] },
    { activation: 'silu', verdict: 'Fail', reason: 'latencyP95 worse than stable: candidate median 0.2 vs baseline 0.1',
      slis: [{ name: 'latencyP95', value: '0.2', stableValue: '0.1', difference: '0.1', lower: '0.09', upper: '0.11', verdict: 'Fail', reason: 'WorseThanBaseline', samples: 30, stableSamples: 30, moreSamples: 0 }] },
  ],
};

describe('renderExperiment', () => {
  it('shows the decision and the ranked table, with each candidate\'s reason under it', () => {
    const text = renderExperiment(decided, NOW, painter(false)).map(stripAnsi).join('\n');
    expect(text).toMatch(/Experiment:\s+Decided 2m ago: winner gelu \(WinnerFound\)/);
    expect(text).toMatch(/RANK\s+CANDIDATE\s+VERDICT\s+SLI\s+VALUE\s+STABLE\s+DIFFERENCE \[CI\]/);
    expect(text).toMatch(/1\s+gelu\s+Pass\s+accuracy\s+0\.96\s+0\.9\s+0\.06 \[0\.05, 0\.07\]\s+Pass\s+900\/8000\s+0/);
    expect(text).toMatch(/—\s+silu\s+Fail\s+latencyP95/);
    expect(text).toMatch(/! silu: latencyP95 worse than stable/);
  });

  it('shows nothing without an experiment', () => {
    expect(renderExperiment(undefined, NOW, painter(false))).toEqual([]);
  });
});

describe('wait --for=decided', () => {
  const withExperiment = (experiment?: ExperimentStatus): ModelVariant => {
    const mv = healthy();
    mv.spec = { ...mv.spec, strategy: { experiment: { candidates: [{ activation: 'gelu', weight: 10 }, { activation: 'silu', weight: 10 }], slis: [{ name: 'accuracy', minimumEffect: { absolute: 0.01 } }], rankBy: [{ sli: 'accuracy', prefer: 'higher' }] } } };
    mv.status = { ...mv.status, ...(experiment ? { experiment } : {}) };
    return mv;
  };
  it('is reached once the experiment is decided, naming the winner', () => {
    expect(waitOutcome(withExperiment(decided), 'decided')).toEqual({ state: 'reached', summary: `experiment decided (WinnerFound): winner gelu; ${decided.message}` });
  });
  it('keeps waiting while it runs, and ends with the opposite outcome without an experiment in the spec', () => {
    expect(waitOutcome(withExperiment({ ...decided, phase: 'Running' }), 'decided').state).toBe('pending');
    expect(waitOutcome(healthy(), 'decided').state).toBe('opposite');
  });
});
