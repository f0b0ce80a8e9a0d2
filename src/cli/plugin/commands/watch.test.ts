import { describe, expect, it } from '@jest/globals';
import { SIGNAL_ANNOTATION } from '../../../api/types.ts';
import { degraded, event, healthy, progressing } from '../test-fixtures.ts';
import { doneExitCode, fingerprint } from './watch.ts';

describe('watch', () => {
  it('prints a new block only when the object or its events changed, not when time passes', () => {
    const a = { mv: progressing(), events: [event('e1', 'RolloutStarted', 'started', 60)] };
    expect(fingerprint(a)).toBe(fingerprint({ mv: progressing(), events: [event('e1', 'RolloutStarted', 'started', 60)] }));
    expect(fingerprint(a)).not.toBe(fingerprint({ ...a, mv: { ...a.mv, metadata: { ...a.mv.metadata, resourceVersion: '813' } } }));
    expect(fingerprint(a)).not.toBe(fingerprint({ ...a, events: [event('e1', 'RolloutStarted', 'started', 60, 'Normal', 2)] }));
  });

  it('--until-done ends 0 when Healthy, 1 when Degraded, and not while a signal is unhandled', () => {
    expect(doneExitCode(healthy())).toBe(0);
    expect(doneExitCode(degraded())).toBe(1);
    expect(doneExitCode(progressing())).toBeUndefined();
    const retried = degraded();
    retried.metadata = { ...retried.metadata, annotations: { [SIGNAL_ANNOTATION]: 'retry@1' } };
    expect(doneExitCode(retried)).toBeUndefined();
  });
});
