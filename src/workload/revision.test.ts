import { describe, expect, it } from '@jest/globals';
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { buildControllerRevision, describeChange, revisionTemplate, templateRevision } from './revision.ts';

const template = (image: string, extra: Record<string, unknown> = {}): V1PodTemplateSpec => ({ spec: { containers: [{ name: 'server', image, ...extra }] } });

describe('revisions of the pod template', () => {
  it('gives the same revision to the same template whatever the key order, another to any change', () => {
    const a = { metadata: { labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 's', image: 'm:1' }] } };
    const b = { spec: { containers: [{ image: 'm:1', name: 's' }] }, metadata: { labels: { b: '2', a: '1' } } };
    expect(templateRevision(a)).toBe(templateRevision(b));
    expect(templateRevision(a)).toMatch(/^[0-9a-f]{10}$/);
    expect(templateRevision(template('m:2'))).not.toBe(templateRevision(template('m:1')));
  });
  it('keeps the template in a ControllerRevision owned by the ModelVariant, and reads it back', () => {
    const cr = buildControllerRevision({ namespace: 'ml', name: 'sentiment', owner: { apiVersion: 'a/v1', kind: 'ModelVariant', name: 'sentiment', uid: 'u1' }, template: template('m:1'), revision: 'abc', sequence: 3 });
    expect(cr.metadata?.name).toBe('sentiment-abc');
    expect(cr.metadata?.ownerReferences?.[0]).toMatchObject({ uid: 'u1', controller: true });
    expect(revisionTemplate(cr)).toEqual(template('m:1'));
  });
});

describe('describeChange', () => {
  const from = (t: V1PodTemplateSpec, activation = 'relu') => ({ activation, template: t, revision: templateRevision(t) });
  it.each([
    ['an image', from(template('reg/m:1')), from(template('reg/m:2')), 'image reg/m:1 → reg/m:2'],
    ['an image and the activation', from(template('reg/m:1')), from(template('reg/m:2'), 'gelu'), 'image reg/m:1 → reg/m:2; activation relu → gelu'],
    ['the activation alone', from(template('m:1')), from(template('m:1'), 'gelu'), 'activation relu → gelu'],
    ['env and resources', from(template('m:1')), from(template('m:1', { env: [{ name: 'X', value: '1' }], resources: { limits: { cpu: '2' } } })), 'pod template (env, resources)'],
  ])('names %s', (_what, a, b, words) => {
    expect(describeChange(a, b)).toBe(words);
  });
  it('says "pod template" when the stable template is unknown', () => {
    expect(describeChange({ activation: 'relu', revision: 'old' }, from(template('m:2')))).toBe('pod template');
  });
});
