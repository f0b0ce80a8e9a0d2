import { describe, expect, it } from '@jest/globals';
import type { ModelVariant } from '../api/types.ts';
import { echoFingerprint, isOwnStatusWriteEcho, type ExpectedEchoes } from './own-write-echo.ts';

const planned = {
  apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant',
  metadata: { namespace: 'ml', name: 'm', uid: 'u1', generation: 3, resourceVersion: '41', annotations: { team: 'nlp' }, labels: { tier: 'a' } },
  spec: { activation: 'gelu' }, status: { phase: 'Progressing', currentStepIndex: 0 },
} as unknown as ModelVariant;
const written = { phase: 'Progressing', currentStepIndex: 1, message: 'step 1/2 (20%) completed; moving to step 2' };
const expected: ExpectedEchoes = new Map([['ml/m', echoFingerprint(planned, written)]]);
const event = (over: { metadata?: object; status?: object } = {}): ModelVariant =>
  ({ ...planned, metadata: { ...planned.metadata, resourceVersion: '42', ...over.metadata }, status: over.status ?? written }) as unknown as ModelVariant;

describe('isOwnStatusWriteEcho', () => {
  it('is the object the planned-from object becomes with the written status, whatever its resourceVersion', () => {
    expect(isOwnStatusWriteEcho(expected, event())).toBe(true);
    // Status keys in another order: the apiserver sorts them.
    expect(isOwnStatusWriteEcho(expected, event({ status: { message: written.message, currentStepIndex: 1, phase: 'Progressing' } }))).toBe(true);
  });
  it('is not a spec change, a signal or other annotation, a label, a deletion or a replaced object', () => {
    expect(isOwnStatusWriteEcho(expected, event({ metadata: { generation: 4 } }))).toBe(false);
    expect(isOwnStatusWriteEcho(expected, event({ metadata: { annotations: { team: 'nlp', 'activationcanary.io/signal': 'abort@1' } } }))).toBe(false);
    expect(isOwnStatusWriteEcho(expected, event({ metadata: { labels: {} } }))).toBe(false);
    expect(isOwnStatusWriteEcho(expected, event({ metadata: { deletionTimestamp: '2026-11-30T19:00:00Z' } }))).toBe(false);
    expect(isOwnStatusWriteEcho(expected, event({ metadata: { uid: 'u2' } }))).toBe(false);
  });
  it('is not someone else\'s status, nor the object before the write', () => {
    expect(isOwnStatusWriteEcho(expected, event({ status: { ...written, phase: 'Paused' } }))).toBe(false);
    expect(isOwnStatusWriteEcho(expected, planned)).toBe(false);
  });
  it('is not a ModelVariant this operator has not written', () => {
    expect(isOwnStatusWriteEcho(new Map(), event())).toBe(false);
    expect(isOwnStatusWriteEcho(expected, event({ metadata: { name: 'other' } }))).toBe(false);
  });
});
