import type { KubeObject } from '../kube-object';
import { assessHealth } from './health';
import type { HealthStatus } from './health-status';

// Cases after gitops-engine pkg/health/testdata/svc-*.yaml, ingress*.yaml and pvc-*.yaml.
const service = (spec: object, status: object = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec,
  status,
});
const ingress = (apiVersion: string, status: object): KubeObject => ({
  apiVersion,
  kind: 'Ingress',
  metadata: { name: 'web' },
  spec: {},
  status,
});
const pvc = (phase?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data' },
  spec: {},
  status: phase ? { phase } : {},
});
const address = { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } };

describe('Service, Ingress and PersistentVolumeClaim health', () => {
  it.each<[string, KubeObject, HealthStatus]>([
    [
      'ClusterIP Service (svc-clusterip.yaml)',
      service({ type: 'ClusterIP' }),
      { status: 'Healthy' },
    ],
    ['Service without a type', service({}), { status: 'Healthy' }],
    [
      'LoadBalancer with an address (svc-loadbalancer.yaml)',
      service({ type: 'LoadBalancer' }, address),
      { status: 'Healthy' },
    ],
    [
      'LoadBalancer without an address (svc-loadbalancer-unassigned.yaml)',
      service({ type: 'LoadBalancer' }, { loadBalancer: {} }),
      { status: 'Progressing' },
    ],
    [
      'LoadBalancer with a hostname (svc-loadbalancer-nonemptylist.yaml)',
      service(
        { type: 'LoadBalancer' },
        { loadBalancer: { ingress: [{ hostname: 'lb.example' }] } },
      ),
      { status: 'Healthy' },
    ],
    [
      'LoadBalancer with an empty list',
      service({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [] } }),
      { status: 'Progressing' },
    ],
    [
      'Ingress with an address (ingress.yaml)',
      ingress('networking.k8s.io/v1', address),
      { status: 'Healthy' },
    ],
    [
      'Ingress without an address (ingress-unassigned.yaml)',
      ingress('networking.k8s.io/v1', { loadBalancer: {} }),
      { status: 'Progressing' },
    ],
    [
      'extensions/v1beta1 Ingress (ingress-nonemptylist.yaml)',
      ingress('extensions/v1beta1', address),
      { status: 'Healthy' },
    ],
    ['bound claim (pvc-bound.yaml)', pvc('Bound'), { status: 'Healthy' }],
    ['pending claim (pvc-pending.yaml)', pvc('Pending'), { status: 'Progressing' }],
    ['lost claim', pvc('Lost'), { status: 'Degraded' }],
    ['claim without a phase', pvc(), { status: 'Unknown' }],
  ])('%s', (_, object, expected) => {
    expect(assessHealth(object)).toEqual(expected);
  });
});
