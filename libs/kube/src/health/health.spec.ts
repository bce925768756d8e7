import type { KubeObject } from '../kube-object';
import { assessHealth, hasHealthRule } from './health';
import {
  aggregateHealth,
  HEALTH_ORDER,
  isWorse,
  type HealthStatus,
  type HealthStatusCode,
} from './health-status';

describe('assessHealth dispatch', () => {
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', generation: 1 },
    spec: { replicas: 1 },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
  };

  it('judges a resource being deleted as Progressing, whatever its kind', () => {
    for (const object of [
      deployment,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
    ]) {
      const deleting = {
        ...object,
        metadata: { ...object.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
      };
      expect(assessHealth(deleting)).toEqual({
        status: 'Progressing',
        message: 'Pending deletion',
      });
    }
  });

  it('does not treat a hook held by the hook finalizer as pending deletion', () => {
    const hook = {
      ...deployment,
      metadata: {
        ...deployment.metadata,
        deletionTimestamp: '2026-01-01T00:00:00Z',
        finalizers: ['argocd.argoproj.io/hook-finalizer'],
      },
    };
    expect(assessHealth(hook)).toEqual({ status: 'Healthy' });
  });

  it.each<[string, string, boolean]>([
    ['apps/v1', 'Deployment', true],
    ['apps/v1beta2', 'StatefulSet', true],
    ['extensions/v1beta1', 'Ingress', true],
    ['networking.k8s.io/v1', 'Ingress', true],
    ['v1', 'Service', true],
    ['v1', 'Pod', true],
    ['v1', 'PersistentVolumeClaim', true],
    ['batch/v1', 'Job', true],
    ['autoscaling/v2', 'HorizontalPodAutoscaler', true],
    // Same kind, other group: not Kubernetes' kind, so not its rule.
    ['example.com/v1', 'Deployment', false],
    ['extensions/v1beta1', 'Deployment', false],
    ['batch/v1', 'CronJob', false],
    ['v1', 'ConfigMap', false],
    ['v1', 'Namespace', false],
  ])('%s %s has a built-in rule: %s', (apiVersion, kind, expected) => {
    expect(hasHealthRule(apiVersion, kind)).toBe(expected);
  });

  it('returns null when no rule applies (Argo CD leaves the resource out)', () => {
    expect(
      assessHealth({ apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'x' } }),
    ).toBeNull();
    expect(assessHealth({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })).toBeNull();
  });

  it.each<[string, KubeObject, string]>([
    [
      'a string where an integer belongs',
      { ...deployment, spec: { replicas: 'three' } },
      'failed to convert unstructured Deployment to typed: spec.replicas is not an integer: "three"',
    ],
    [
      'a list where an object belongs',
      { ...deployment, kind: 'Service', apiVersion: 'v1', spec: [] },
      'failed to convert unstructured Service to typed: spec is not an object',
    ],
    [
      'conditions that are not a list',
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: { conditions: {} } },
      'failed to convert unstructured Job to typed: status.conditions is not a list',
    ],
  ])('reports %s as Unknown with what is wrong', (_, object, message) => {
    expect(assessHealth(object)).toEqual({ status: 'Unknown', message });
  });
});

describe('aggregateHealth', () => {
  it("orders codes as gitops-engine's healthOrder", () => {
    expect(HEALTH_ORDER).toEqual([
      'Healthy',
      'Suspended',
      'Progressing',
      'Missing',
      'Degraded',
      'Unknown',
    ]);
  });

  it.each<[HealthStatusCode, HealthStatusCode, boolean]>([
    ['Healthy', 'Suspended', true],
    ['Suspended', 'Progressing', true],
    ['Progressing', 'Missing', true],
    ['Missing', 'Degraded', true],
    ['Degraded', 'Unknown', true],
    ['Unknown', 'Degraded', false],
    ['Progressing', 'Progressing', false],
    ['Degraded', 'Healthy', false],
  ])('isWorse(%s, %s) is %s', (current, next, expected) => {
    expect(isWorse(current, next)).toBe(expected);
  });

  it.each<[string, Array<HealthStatus | HealthStatusCode | null>, HealthStatusCode]>([
    ['no resources', [], 'Healthy'],
    ['only resources without a rule', [null, null], 'Healthy'],
    ['healthy and suspended', ['Healthy', { status: 'Suspended' }], 'Suspended'],
    ['suspended and progressing', ['Suspended', 'Progressing', null], 'Progressing'],
    ['progressing and missing', [{ status: 'Progressing', message: 'x' }, 'Missing'], 'Missing'],
    ['missing and degraded', ['Missing', 'Degraded', 'Healthy'], 'Degraded'],
    ['degraded and unknown', ['Unknown', 'Degraded'], 'Unknown'],
  ])('%s → %s', (_, statuses, expected) => {
    expect(aggregateHealth(statuses)).toBe(expected);
  });
});
