import { describe, expect, it } from '@jest/globals';
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { buildDeployment } from './deployment.ts';
import { servicePorts } from './service.ts';
import { templateShapeProblems } from './template-shape.ts';

// The CRD keeps spec.template free-form (x-kubernetes-preserve-unknown-fields): env, ports and
// resources can be anything. Found by the spec fuzzer (make fuzz, seed 11, case 502): an env that was
// not a list threw in every reconcile, so the ModelVariant was never acted on.
const template = (container: object): V1PodTemplateSpec => ({ spec: { containers: [{ name: 'm', image: 'i', ...container }] } }) as V1PodTemplateSpec;

describe('a pod template of the wrong shape', () => {
  it.each([
    [{ env: 'ACTIVATION=relu' }, 'spec.template.spec.containers[0].env must be a list of {name, value} (it is a string)'],
    [{ env: [null] }, 'spec.template.spec.containers[0].env[0] must be an object such as {name: MODEL, value: x} (it is null)'],
    [{ ports: { containerPort: 80 } }, 'spec.template.spec.containers[0].ports must be a list of {containerPort, name?} (it is an object)'],
    [{ ports: [8080] }, 'spec.template.spec.containers[0].ports[0] must be an object such as {containerPort: 8080} (it is a number)'],
    [{ resources: 'lots' }, 'spec.template.spec.containers[0].resources must be an object such as {limits: {nvidia.com/gpu: 1}} (it is a string)'],
    [{ resources: { limits: [1] } }, 'spec.template.spec.containers[0].resources.limits must be a map such as {nvidia.com/gpu: 1} (it is a list)'],
  ])('is named field by field: %j', (container, problem) => expect(templateShapeProblems(template(container))).toEqual([problem]));

  it('is fine when well formed', () =>
    expect(templateShapeProblems(template({ env: [{ name: 'A', value: 'b' }], ports: [{ containerPort: 80 }], resources: { limits: { 'nvidia.com/gpu': 1 } } }))).toEqual([]));

  it('never makes the builders throw', () => {
    for (const container of [{ env: 'x' }, { env: [null, 3] }, { ports: [null, 'x', 3] }, { ports: 'x' }]) {
      const t = template(container);
      expect(() => servicePorts(t)).not.toThrow();
      expect(() => buildDeployment({ namespace: 'ml', name: 'm', owner: { apiVersion: 'v', kind: 'k', name: 'm', uid: 'u' }, variantEnv: 'ACTIVATION' },
        'stable', { activation: 'relu', revision: 'r', template: t }, 1)).not.toThrow();
    }
  });
});
