import type { KubeObject } from '../kube-object';
import { assessHealth } from './health';
import type { HealthStatus } from './health-status';

// HPA cases after gitops-engine pkg/health/testdata/hpa-*.yaml.
const hpa = (apiVersion: string, conditions?: object[], annotations?: Record<string, string>) =>
  ({
    apiVersion,
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', ...(annotations ? { annotations } : {}) },
    spec: { maxReplicas: 3 },
    status: conditions ? { conditions } : {},
  }) satisfies KubeObject;
const v1Conditions = (conditions: object[]) => ({
  'autoscaling.alpha.kubernetes.io/conditions': JSON.stringify(conditions),
});
const ableToScale = {
  type: 'AbleToScale',
  status: 'True',
  reason: 'ReadyForNewScale',
  message: 'recommended size matches current size',
};

describe('HorizontalPodAutoscaler health', () => {
  it.each<[string, KubeObject, HealthStatus]>([
    [
      'v2beta2 healthy (hpa-v2beta2-healthy.yaml)',
      hpa('autoscaling/v2beta2', [
        ableToScale,
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'ok' },
        {
          type: 'ScalingLimited',
          status: 'False',
          reason: 'DesiredWithinRange',
          message: 'in range',
        },
      ]),
      { status: 'Healthy', message: 'recommended size matches current size' },
    ],
    [
      'v2beta1 healthy, scaling disabled (hpa-v2beta1-healthy-disabled.yaml)',
      hpa('autoscaling/v2beta1', [
        ableToScale,
        { type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled', message: 'disabled' },
      ]),
      { status: 'Healthy', message: 'recommended size matches current size' },
    ],
    [
      'v2 degraded: cannot get the scale',
      hpa('autoscaling/v2', [
        {
          type: 'AbleToScale',
          status: 'False',
          reason: 'FailedGetScale',
          message: 'deployments/scale.apps "web" not found',
        },
      ]),
      { status: 'Degraded', message: 'deployments/scale.apps "web" not found' },
    ],
    [
      'v2 without conditions',
      hpa('autoscaling/v2', []),
      { status: 'Progressing', message: 'Waiting to Autoscale' },
    ],
    [
      'v1 degraded (hpa-v1-degraded.yaml)',
      hpa(
        'autoscaling/v1',
        undefined,
        v1Conditions([
          {
            type: 'ScalingActive',
            status: 'False',
            reason: 'FailedGetResourceMetric',
            message: 'the HPA was unable to compute the replica count',
          },
        ]),
      ),
      { status: 'Degraded', message: 'the HPA was unable to compute the replica count' },
    ],
    [
      'v1 healthy (hpa-v1-healthy.yaml)',
      hpa('autoscaling/v1', undefined, v1Conditions([ableToScale])),
      { status: 'Healthy', message: 'recommended size matches current size' },
    ],
    [
      'v1 healthy, too few replicas (hpa-v1-healthy-toofew.yaml)',
      hpa(
        'autoscaling/v1',
        undefined,
        v1Conditions([
          { type: 'ScalingLimited', status: 'True', reason: 'TooFewReplicas', message: 'too few' },
        ]),
      ),
      { status: 'Healthy', message: 'too few' },
    ],
    [
      'v1 progressing (hpa-v1-progressing.yaml)',
      hpa(
        'autoscaling/v1',
        undefined,
        v1Conditions([
          { type: 'AbleToScale', status: 'False', reason: 'BackoffBoth', message: 'backing off' },
        ]),
      ),
      { status: 'Progressing', message: 'Waiting to Autoscale' },
    ],
    [
      'v1 without the annotation (hpa-v1-progressing-with-no-annotations.yaml)',
      hpa('autoscaling/v1'),
      { status: 'Progressing', message: 'Waiting to Autoscale' },
    ],
    [
      'v1 with a malformed annotation',
      hpa('autoscaling/v1', undefined, {
        'autoscaling.alpha.kubernetes.io/conditions': '{not json',
      }),
      {
        status: 'Unknown',
        message: expect.stringContaining(
          'failed to convert conditions annotation to typed',
        ) as unknown as string,
      },
    ],
  ])('%s', (_, object, expected) => {
    expect(assessHealth(object)).toEqual(expected);
  });
});

describe('Ready condition (any other kind)', () => {
  const resource = (status: object, generation = 1): KubeObject => ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'tls', generation },
    spec: {},
    status,
  });

  it.each<[string, KubeObject, HealthStatus | null]>([
    [
      'Ready True',
      resource({
        conditions: [{ type: 'Ready', status: 'True', message: 'Certificate is up to date' }],
      }),
      { status: 'Healthy', message: 'Certificate is up to date' },
    ],
    [
      'Ready False: reason and message',
      resource({
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'DoesNotExist',
            message: 'Issuing certificate',
          },
        ],
      }),
      { status: 'Degraded', message: 'DoesNotExist: Issuing certificate' },
    ],
    [
      'Ready Unknown',
      resource({ conditions: [{ type: 'Ready', status: 'Unknown' }] }),
      { status: 'Progressing', message: 'Waiting for the Ready condition' },
    ],
    [
      'Ready False while Reconciling',
      resource({
        conditions: [
          { type: 'Ready', status: 'False', reason: 'Progressing' },
          { type: 'Reconciling', status: 'True', message: 'Reconciliation in progress' },
        ],
      }),
      { status: 'Progressing', message: 'Reconciliation in progress' },
    ],
    [
      'generation not yet observed (status.observedGeneration)',
      resource({ observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] }, 2),
      {
        status: 'Progressing',
        message: 'Waiting for the controller to observe generation 2 (observed 1)',
      },
    ],
    [
      "generation not yet observed (the condition's observedGeneration)",
      resource({ conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }] }, 3),
      {
        status: 'Progressing',
        message: 'Waiting for the controller to observe generation 3 (observed 2)',
      },
    ],
    [
      'no Ready condition: no rule',
      resource({ conditions: [{ type: 'Issuing', status: 'True' }] }),
      null,
    ],
    ['no status: no rule', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, null],
  ])('%s', (_, object, expected) => {
    expect(assessHealth(object)).toEqual(expected);
  });
});
