import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import {
  goDuration, KWOK_POD_STAGES_FILE, podLifecycleAnnotations, READY_DELAY_ANNOTATION, READY_JITTER_ANNOTATION,
  TERMINATION_DELAY_ANNOTATION, withPodLifecycle,
} from '../../harness/pod-lifecycle.ts';

interface Stage {
  kind: string;
  metadata: { name: string };
  spec: { selector: { matchExpressions: { jq: { key: string; operator: string } }[] }; delay?: Record<string, { jq: { expression: string } }> };
}
const stages = parseAllDocuments(readFileSync(KWOK_POD_STAGES_FILE, 'utf8')).map((d) => d.toJS() as Stage);
const byName = new Map(stages.map((s) => [s.metadata.name, s]));
const readyDelayRequirement = (s: Stage) => s.spec.selector.matchExpressions.find((e) => e.jq.key.includes(READY_DELAY_ANNOTATION))?.jq.operator;

describe('pod lifecycle annotations', () => {
  it('accepts Go durations and milliseconds, and refuses what kwok would read as no delay at all', () => {
    expect(goDuration('8s')).toBe('8s');
    expect(goDuration('1m30s')).toBe('1m30s');
    expect(goDuration('1.5s')).toBe('1.5s');
    expect(goDuration(0)).toBe('0ms');
    expect(goDuration(2500)).toBe('2500ms');
    for (const bad of ['8', '8 s', 'soon', '-1s', '', -5, NaN]) expect(() => goDuration(bad)).toThrow(/not a duration kwok understands/);
  });

  it('puts the annotations on a copy of a pod template, keeping its own', () => {
    const template = { metadata: { labels: { app: 'm' }, annotations: { keep: 'me' } }, spec: { containers: [] } };
    const out = withPodLifecycle(template, { readyDelay: '8s', readyJitter: 2000 });
    expect(out.metadata.annotations).toEqual({ keep: 'me', [READY_DELAY_ANNOTATION]: '8s', [READY_JITTER_ANNOTATION]: '2000ms' });
    expect(out.metadata.labels).toEqual({ app: 'm' });
    expect(template.metadata.annotations).toEqual({ keep: 'me' });
    expect(podLifecycleAnnotations({ readyDelay: '0s', terminationDelay: '3s' })).toEqual({ [READY_DELAY_ANNOTATION]: '0s', [TERMINATION_DELAY_ANNOTATION]: '3s' });
  });
});

describe('the kwok pod Stages', () => {
  it('name only the annotation keys this module exports', () => {
    const keys = new Set(readFileSync(KWOK_POD_STAGES_FILE, 'utf8').match(/test\.activationcanary\.io\/[a-z-]+/g));
    expect([...keys].sort()).toEqual([READY_DELAY_ANNOTATION, READY_JITTER_ANNOTATION, TERMINATION_DELAY_ANNOTATION].sort());
  });

  it('keep kwok\'s fast stages for pods without ready-delay, and give every other stage to pods with it', () => {
    expect(stages.every((s) => s.kind === 'Stage')).toBe(true);
    for (const fast of ['pod-ready', 'pod-complete', 'pod-delete']) expect(readyDelayRequirement(byName.get(fast) as Stage)).toBe('DoesNotExist');
    for (const real of ['pod-start-unready', 'pod-ready-after-delay', 'pod-complete-after-ready', 'pod-terminating', 'pod-delete-after-grace']) {
      expect(readyDelayRequirement(byName.get(real) as Stage)).toBe('Exists');
    }
    expect(stages).toHaveLength(8);
  });

  it('delays readiness by ready-delay, bounded by ready-delay and ready-jitter concatenated', () => {
    const delay = byName.get('pod-ready-after-delay')?.spec.delay;
    expect(delay?.durationFrom?.jq.expression).toBe(`.metadata.annotations["${READY_DELAY_ANNOTATION}"]`);
    expect(delay?.jitterDurationFrom?.jq.expression).toBe(`.metadata.annotations["${READY_DELAY_ANNOTATION}"] + (.metadata.annotations["${READY_JITTER_ANNOTATION}"] // "0s")`);
    expect(byName.get('pod-delete-after-grace')?.spec.delay?.durationFrom?.jq.expression).toBe(`.metadata.annotations["${TERMINATION_DELAY_ANNOTATION}"]`);
  });
});
