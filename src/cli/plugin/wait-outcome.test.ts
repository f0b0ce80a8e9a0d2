import { describe, expect, it } from '@jest/globals';
import { SIGNAL_ANNOTATION, type ModelVariant } from '../../api/types.ts';
import { signalKey } from '../../controller/signals.ts';
import { caughtUp, degradedReason, progressLine, waitOutcome } from './wait-outcome.ts';
import { degraded, healthy, progressing } from './test-fixtures.ts';

describe('wait --for=promoted', () => {
  it('is reached when Healthy with spec.activation stable', () => {
    expect(waitOutcome(healthy(), 'promoted')).toEqual({ state: 'reached', summary: 'promoted: gelu is stable' });
  });

  it('ends with the opposite outcome on a rollback, naming the condition and the failed SLI', () => {
    const outcome = waitOutcome(degraded(), 'promoted');
    expect(outcome.state).toBe('opposite');
    expect(outcome.summary).toBe('rolled back (Degraded): AnalysisFailed: rolled back to relu: SLI accuracy failed: canary 0.82 is below the minimum 0.9 over 5m (640 samples)');
  });

  it('adds the failed SLIs the rollback message does not name', () => {
    const mv = degraded();
    const message = 'rolled back to relu: 1 Failed verdict in a row';
    mv.status = { ...mv.status, message, conditions: [{ type: 'Degraded', status: 'True', reason: 'AnalysisFailed', message, lastTransitionTime: '2026-11-28T13:59:00Z' }] };
    expect(waitOutcome(mv, 'promoted').summary).toBe('rolled back (Degraded): AnalysisFailed: rolled back to relu: 1 Failed verdict in a row; ' +
      'SLI accuracy failed: canary 0.82 (threshold >= 0.9, BelowMin)');
  });

  it('keeps waiting while the canary walks its steps', () => {
    expect(waitOutcome(progressing(), 'promoted')).toEqual({ state: 'pending', summary: 'Progressing step 2/3 weight 25%: step 2/3 at 25%: analysis Successful, 3m50s of the 5m pause left' });
  });

  it('is not fooled by a Healthy status from before spec.activation changed', () => {
    const stale: ModelVariant = { ...healthy(), spec: { ...healthy().spec, activation: 'silu' }, metadata: { ...healthy().metadata, generation: 4 } };
    expect(waitOutcome(stale, 'promoted').state).toBe('pending');
    expect(waitOutcome(stale, 'promoted').summary).toMatch(/the operator has not caught up/);
  });

  it('is not fooled by a Degraded status while a retry signal is still unhandled', () => {
    const retried = degraded();
    retried.metadata = { ...retried.metadata, annotations: { [SIGNAL_ANNOTATION]: 'retry@2026-11-28T14:00:00Z' } };
    expect(waitOutcome(retried, 'promoted').state).toBe('pending');
    retried.status = { ...retried.status, handledSignal: 'retry@2026-11-28T14:00:00Z' };
    expect(waitOutcome(retried, 'promoted').state).toBe('opposite');
  });

  it('counts a signal longer than status.handledSignal holds as handled once its digest is recorded', () => {
    const long = `retry@${'x'.repeat(5000)}`;
    const retried = degraded();
    retried.metadata = { ...retried.metadata, annotations: { [SIGNAL_ANNOTATION]: long } };
    expect(caughtUp(retried)).toBe(false);
    retried.status = { ...retried.status, handledSignal: signalKey(long) };
    expect(signalKey(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(caughtUp(retried)).toBe(true);
  });
});

describe('wait --for=degraded and --for=healthy', () => {
  it('degraded is reached on a rollback and its opposite is a promotion', () => {
    expect(waitOutcome(degraded(), 'degraded').state).toBe('reached');
    expect(waitOutcome(healthy(), 'degraded')).toEqual({ state: 'opposite', summary: 'promoted: gelu is stable' });
  });

  it('healthy is reached when Healthy and ends on Degraded', () => {
    expect(waitOutcome(healthy(), 'healthy')).toEqual({ state: 'reached', summary: 'healthy: gelu is stable' });
    expect(waitOutcome(degraded(), 'healthy').state).toBe('opposite');
  });
});

describe('caughtUp, degradedReason, progressLine', () => {
  it('needs an observedGeneration', () => {
    const mv = healthy();
    delete mv.status?.observedGeneration;
    expect(caughtUp(mv)).toBe(false);
  });

  it('falls back to the status message without a Degraded condition, and adds a failed burn rate', () => {
    const mv = degraded();
    mv.status = { ...mv.status, conditions: [], analysis: { burnRate: { verdict: 'Failed', message: 'both windows burn faster than 14.4' } } };
    expect(degradedReason(mv)).toBe('rolled back to relu: SLI accuracy failed: canary 0.82 is below the minimum 0.9 over 5m (640 samples); burn rate failed: both windows burn faster than 14.4');
  });

  it('says when there is no status at all', () => {
    const mv = healthy();
    delete mv.status;
    expect(progressLine(mv)).toBe('no status yet (is the operator running?)');
  });
});
