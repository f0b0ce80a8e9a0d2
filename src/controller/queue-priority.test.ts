import { describe, expect, it } from '@jest/globals';
import { SIGNAL_ANNOTATION, type ModelVariant } from '../api/types.ts';
import { modelVariantEventPriority } from './queue-priority.ts';

const mv = (generation: number | undefined, status: ModelVariant['status'], signal?: string): ModelVariant => ({
  apiVersion: 'activationcanary.io/v1alpha1', kind: 'ModelVariant',
  metadata: { name: 'm', namespace: 'ns', ...(generation !== undefined ? { generation } : {}), ...(signal ? { annotations: { [SIGNAL_ANNOTATION]: signal } } : {}) },
  spec: { activation: 'relu', replicas: 1, template: { spec: { containers: [] } } },
  ...(status ? { status } : {}),
} as ModelVariant);

describe('the queue priority of a ModelVariant event', () => {
  it.each([
    ['a new ModelVariant (no status yet)', 'normal', mv(1, undefined)],
    ['a spec change not yet observed (a wave of them must not crowd out due steps)', 'normal', mv(3, { observedGeneration: 2 })],
    ['a signal on a spec change not yet observed', 'high', mv(3, { observedGeneration: 2 }, 'abort@2')],
    ['a signal not yet handled', 'high', mv(2, { observedGeneration: 2 }, 'abort@1')],
    ['a signal already handled', 'normal', mv(2, { observedGeneration: 2, handledSignal: 'abort@1' }, 'abort@1')],
    ['an unknown verb not yet handled (reported at once)', 'high', mv(2, { observedGeneration: 2 }, 'explode@1')],
    ['the operator\'s own status write', 'normal', mv(2, { observedGeneration: 2, phase: 'Progressing' })],
    ['an object without a generation', 'normal', mv(undefined, {})],
  ] as const)('%s: %s', (_what, expected, obj) => {
    expect(modelVariantEventPriority(obj)).toBe(expected);
  });
});
