import type { KubeObject } from '../kube-object';
import { assessHealth } from './health';
import type { HealthStatus } from './health-status';

// Cases after gitops-engine pkg/health/testdata (nginx.yaml, deployment-*.yaml, statefulset*.yaml,
// daemonset-ondelete.yaml) and one per branch of each rule, with Argo CD's messages.
function workload(kind: string, spec: object, status: object, generation = 1): KubeObject {
  return { apiVersion: 'apps/v1', kind, metadata: { name: 'web', generation }, spec, status };
}

describe('Deployment health', () => {
  it.each<[string, KubeObject, HealthStatus]>([
    [
      'healthy (nginx.yaml)',
      workload(
        'Deployment',
        { replicas: 1 },
        {
          observedGeneration: 1,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
        },
      ),
      { status: 'Healthy' },
    ],
    [
      'suspended (deployment-suspended.yaml)',
      workload('Deployment', { replicas: 1, paused: true }, { observedGeneration: 0 }, 4),
      { status: 'Suspended', message: 'Deployment is paused' },
    ],
    [
      'degraded (deployment-degraded.yaml)',
      workload(
        'Deployment',
        { replicas: 1 },
        {
          observedGeneration: 1,
          replicas: 1,
          updatedReplicas: 1,
          unavailableReplicas: 1,
          conditions: [
            { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
          ],
        },
      ),
      { status: 'Degraded', message: 'Deployment "web" exceeded its progress deadline' },
    ],
    [
      'old replicas pending termination (deployment-progressing.yaml)',
      workload(
        'Deployment',
        { replicas: 1 },
        { observedGeneration: 4, replicas: 2, updatedReplicas: 1, availableReplicas: 1 },
        4,
      ),
      {
        status: 'Progressing',
        message: 'Waiting for rollout to finish: 1 old replicas are pending termination...',
      },
    ],
    [
      'generation not yet observed',
      workload('Deployment', { replicas: 1 }, { observedGeneration: 1 }, 2),
      {
        status: 'Progressing',
        message:
          'Waiting for rollout to finish: observed deployment generation less then desired generation',
      },
    ],
    [
      'new replicas not yet updated',
      workload(
        'Deployment',
        { replicas: 3 },
        { observedGeneration: 1, replicas: 3, updatedReplicas: 1 },
      ),
      {
        status: 'Progressing',
        message: 'Waiting for rollout to finish: 1 out of 3 new replicas have been updated...',
      },
    ],
    [
      'updated replicas not yet available',
      workload(
        'Deployment',
        { replicas: 3 },
        { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 2 },
      ),
      {
        status: 'Progressing',
        message: 'Waiting for rollout to finish: 2 of 3 updated replicas are available...',
      },
    ],
    [
      'scaled to zero',
      workload('Deployment', { replicas: 0 }, { observedGeneration: 1 }),
      { status: 'Healthy' },
    ],
  ])('%s', (_, deployment, expected) => {
    expect(assessHealth(deployment)).toEqual(expected);
  });
});

describe('StatefulSet health', () => {
  const rolling = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
  it.each<[string, KubeObject, HealthStatus]>([
    [
      'healthy rolling update without partition settings (statefulset.yaml)',
      workload(
        'StatefulSet',
        { replicas: 3, updateStrategy: { type: 'RollingUpdate' } },
        {
          observedGeneration: 1,
          replicas: 3,
          readyReplicas: 3,
          currentReplicas: 3,
          updatedReplicas: 3,
          currentRevision: 'web-6b8c',
          updateRevision: 'web-6b8c',
        },
      ),
      {
        status: 'Healthy',
        message: 'statefulset rolling update complete 3 pods at revision web-6b8c...',
      },
    ],
    [
      'on delete (statefulset-ondelete.yaml)',
      workload(
        'StatefulSet',
        { replicas: 2, updateStrategy: { type: 'OnDelete' } },
        { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 1 },
      ),
      { status: 'Healthy', message: 'statefulset has 2 ready pods (1 updated)' },
    ],
    [
      'observedGeneration missing',
      workload('StatefulSet', { replicas: 1 }, {}),
      { status: 'Progressing', message: 'Waiting for statefulset spec update to be observed...' },
    ],
    [
      'pods not ready',
      workload('StatefulSet', { replicas: 3 }, { observedGeneration: 1, readyReplicas: 1 }),
      { status: 'Progressing', message: 'Waiting for 2 pods to be ready...' },
    ],
    [
      'partitioned roll out in progress',
      workload(
        'StatefulSet',
        { replicas: 4, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
        { observedGeneration: 1, readyReplicas: 4, updatedReplicas: 1 },
      ),
      {
        status: 'Progressing',
        message:
          'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...',
      },
    ],
    [
      'partitioned roll out complete',
      workload(
        'StatefulSet',
        { replicas: 2, updateStrategy: rolling },
        { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2 },
      ),
      {
        status: 'Healthy',
        message: 'partitioned roll out complete: 2 new pods have been updated...',
      },
    ],
    [
      'rolling update to a new revision',
      workload(
        'StatefulSet',
        { replicas: 2, updateStrategy: { type: 'RollingUpdate' } },
        {
          observedGeneration: 2,
          readyReplicas: 2,
          updatedReplicas: 1,
          currentRevision: 'web-1',
          updateRevision: 'web-2',
        },
        2,
      ),
      {
        status: 'Progressing',
        message: 'waiting for statefulset rolling update to complete 1 pods at revision web-2...',
      },
    ],
  ])('%s', (_, sts, expected) => {
    expect(assessHealth(sts)).toEqual(expected);
  });
});

describe('DaemonSet health', () => {
  it.each<[string, KubeObject, HealthStatus]>([
    [
      'on delete (daemonset-ondelete.yaml)',
      workload(
        'DaemonSet',
        { updateStrategy: { type: 'OnDelete' } },
        {
          observedGeneration: 1,
          desiredNumberScheduled: 3,
          updatedNumberScheduled: 1,
          numberAvailable: 3,
        },
      ),
      { status: 'Healthy', message: 'daemon set 1 out of 3 new pods have been updated' },
    ],
    [
      'healthy',
      workload(
        'DaemonSet',
        { updateStrategy: { type: 'RollingUpdate' } },
        {
          observedGeneration: 1,
          desiredNumberScheduled: 3,
          updatedNumberScheduled: 3,
          numberAvailable: 3,
        },
      ),
      { status: 'Healthy' },
    ],
    [
      'pods not yet updated',
      workload(
        'DaemonSet',
        {},
        {
          observedGeneration: 1,
          desiredNumberScheduled: 3,
          updatedNumberScheduled: 2,
          numberAvailable: 3,
        },
      ),
      {
        status: 'Progressing',
        message:
          'Waiting for daemon set "web" rollout to finish: 2 out of 3 new pods have been updated...',
      },
    ],
    [
      'pods not yet available',
      workload(
        'DaemonSet',
        {},
        {
          observedGeneration: 1,
          desiredNumberScheduled: 3,
          updatedNumberScheduled: 3,
          numberAvailable: 1,
        },
      ),
      {
        status: 'Progressing',
        message:
          'Waiting for daemon set "web" rollout to finish: 1 of 3 updated pods are available...',
      },
    ],
    [
      'generation not yet observed',
      workload('DaemonSet', {}, { observedGeneration: 1 }, 2),
      {
        status: 'Progressing',
        message:
          'Waiting for rollout to finish: observed daemon set generation less then desired generation',
      },
    ],
  ])('%s', (_, daemonSet, expected) => {
    expect(assessHealth(daemonSet)).toEqual(expected);
  });
});

describe('ReplicaSet health', () => {
  it.each<[string, KubeObject, HealthStatus]>([
    [
      'healthy',
      workload('ReplicaSet', { replicas: 2 }, { observedGeneration: 1, availableReplicas: 2 }),
      { status: 'Healthy' },
    ],
    [
      'replica failure',
      workload(
        'ReplicaSet',
        { replicas: 2 },
        {
          observedGeneration: 1,
          conditions: [
            {
              type: 'ReplicaFailure',
              status: 'True',
              reason: 'FailedCreate',
              message: 'pods "web-x" is forbidden: exceeded quota: compute-resources',
            },
          ],
        },
      ),
      {
        status: 'Degraded',
        message: 'pods "web-x" is forbidden: exceeded quota: compute-resources',
      },
    ],
    [
      'replicas not yet available',
      workload('ReplicaSet', { replicas: 2 }, { observedGeneration: 1, availableReplicas: 1 }),
      {
        status: 'Progressing',
        message: 'Waiting for rollout to finish: 1 out of 2 new replicas are available...',
      },
    ],
    [
      'generation not yet observed',
      workload('ReplicaSet', { replicas: 2 }, {}, 1),
      {
        status: 'Progressing',
        message:
          'Waiting for rollout to finish: observed replica set generation less then desired generation',
      },
    ],
  ])('%s', (_, replicaSet, expected) => {
    expect(assessHealth(replicaSet)).toEqual(expected);
  });
});
