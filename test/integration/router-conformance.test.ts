/**
 * Every traffic router with route objects against the real apiserver and the providers' real CRDs
 * (installed by the harness from hack/tools.sh route-crds): the shared suite of
 * support/router-conformance.ts, once per provider, and how the apiserver's answers for a resource
 * type it does not serve become CRDNotInstalled.
 */
import { describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { problemOrThrow } from '../../src/traffic/route-objects.ts';
import { kubeConfig } from '../harness/env.ts';
import { gatewayApiFixtures } from './support/gateway-api-fixtures.ts';
import { istioFixtures } from './support/istio-fixtures.ts';
import { describeRouteConformance } from './support/router-conformance.ts';

describeRouteConformance('gatewayAPI (HTTPRoute)', gatewayApiFixtures);
describeRouteConformance('istio (VirtualService)', istioFixtures);

describe('a route CRD that is not installed', () => {
  it('is CRDNotInstalled, in one line naming the CRD, whether its group or only its kind is missing', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
    for (const apiVersion of ['routes.example.io/v1', 'gateway.networking.k8s.io/v1']) {
      const err = await objects.read({ apiVersion, kind: 'CanaryRoute', metadata: { name: 'x', namespace: 'default' } }).catch((e: unknown) => e);
      const problem = problemOrThrow(err, 'canaryroutes.routes.example.io', 'CanaryRoute', 'reading CanaryRoute default/x');
      expect(problem).toEqual({ code: 'CRDNotInstalled', message: 'the CanaryRoute CRD (canaryroutes.routes.example.io) is not installed on this cluster: install it, or choose another traffic provider' });
    }
  });
});
