import type { KubeObject } from './kube-sim.types';

/** The kinds the simulated controllers look after (`apiVersion kind`). */
export const CONTROLLED_KINDS = new Set([
  'apps/v1 Deployment',
  'apps/v1 StatefulSet',
  'apps/v1 DaemonSet',
  'apps/v1 ReplicaSet',
  'batch/v1 Job',
  'v1 Pod',
  'v1 PersistentVolumeClaim',
  'v1 Service',
]);

const spec = (o: KubeObject): Record<string, unknown> =>
  (o['spec'] as Record<string, unknown> | undefined) ?? {};

const replicasOf = (o: KubeObject): number => {
  const r = spec(o)['replicas'];
  return typeof r === 'number' ? r : 1;
};

const condition = (type: string, status: string, reason: string, message = '') => ({
  type,
  status,
  reason,
  message,
  lastUpdateTime: '1970-01-01T00:00:00Z',
  lastTransitionTime: '1970-01-01T00:00:00Z',
});

function deploymentStatus(o: KubeObject, fault: string | undefined): unknown {
  const replicas = replicasOf(o);
  const observedGeneration = o.metadata.generation ?? 1;
  if (fault) {
    return {
      observedGeneration,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: 0,
      availableReplicas: 0,
      unavailableReplicas: replicas,
      conditions: [
        condition('Available', 'False', 'MinimumReplicasUnavailable', fault),
        condition('Progressing', 'False', 'ProgressDeadlineExceeded', fault),
      ],
    };
  }
  return {
    observedGeneration,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      condition('Available', 'True', 'MinimumReplicasAvailable'),
      condition('Progressing', 'True', 'NewReplicaSetAvailable'),
    ],
  };
}

function replicatedStatus(o: KubeObject, fault: string | undefined): unknown {
  const replicas = replicasOf(o);
  const ready = fault ? 0 : replicas;
  const observedGeneration = o.metadata.generation ?? 1;
  const revision = `${o.metadata.name ?? ''}-${observedGeneration}`;
  switch (o.kind) {
    case 'StatefulSet':
      return {
        observedGeneration,
        replicas,
        readyReplicas: ready,
        availableReplicas: ready,
        currentReplicas: replicas,
        updatedReplicas: replicas,
        currentRevision: revision,
        updateRevision: revision,
      };
    case 'DaemonSet':
      return {
        observedGeneration,
        desiredNumberScheduled: 1,
        currentNumberScheduled: 1,
        numberMisscheduled: 0,
        updatedNumberScheduled: 1,
        numberReady: fault ? 0 : 1,
        numberAvailable: fault ? 0 : 1,
        ...(fault ? { numberUnavailable: 1 } : {}),
      };
    default:
      return {
        observedGeneration,
        replicas,
        readyReplicas: ready,
        availableReplicas: ready,
        ...(fault
          ? { conditions: [condition('ReplicaFailure', 'True', 'FailedCreate', fault)] }
          : {}),
      };
  }
}

function podStatus(o: KubeObject, fault: string | undefined): unknown {
  if (fault) return { phase: 'Failed', reason: 'Error', message: fault };
  // A Pod that does not restart runs to completion; the others keep running, ready.
  const policy = spec(o)['restartPolicy'];
  if (policy === 'Never' || policy === 'OnFailure') return { phase: 'Succeeded' };
  const containers = Array.isArray(spec(o)['containers'])
    ? (spec(o)['containers'] as unknown[])
    : [];
  return {
    phase: 'Running',
    conditions: [condition('Ready', 'True', ''), condition('ContainersReady', 'True', '')],
    containerStatuses: containers.map((c) => ({
      name: String((c as Record<string, unknown>)['name'] ?? ''),
      image: String((c as Record<string, unknown>)['image'] ?? ''),
      imageID: '',
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: '1970-01-01T00:00:00Z' } },
    })),
  };
}

/**
 * The status a controller would write for `object`: one Argo CD's health rules read as Healthy,
 * or, with a `fault`, as Degraded (Deployment, ReplicaSet, Job, Pod, PVC) or stuck Progressing
 * (StatefulSet, DaemonSet, LoadBalancer Service, which have no Degraded rule). `undefined` when
 * the object needs no status (a Service that is not a LoadBalancer).
 */
export function controllerStatus(object: KubeObject, fault: string | undefined): unknown {
  switch (object.kind) {
    case 'Deployment':
      return deploymentStatus(object, fault);
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
      return replicatedStatus(object, fault);
    case 'Job':
      return fault
        ? { failed: 1, conditions: [condition('Failed', 'True', 'BackoffLimitExceeded', fault)] }
        : { succeeded: 1, conditions: [condition('Complete', 'True', 'Completed')] };
    case 'Pod':
      return podStatus(object, fault);
    case 'PersistentVolumeClaim':
      return { phase: fault ? 'Lost' : 'Bound' };
    case 'Service':
      if (spec(object)['type'] !== 'LoadBalancer') return undefined;
      return { loadBalancer: fault ? {} : { ingress: [{ ip: '10.0.0.1' }] } };
    default:
      return undefined;
  }
}
