// Deployments, StatefulSets, DaemonSets and ReplicaSets: ports of gitops-engine
// pkg/health/health_{deployment,statefulset,daemonset,replicaset}.go, which borrow kubectl's
// `rollout status` logic. Argo CD's messages (typos included) are kept so that they read the same.
import { boolAt, conditionsAt, intAt, objectAt, stringAt, type KubeObject } from '../kube-object';
import { health, type HealthStatus } from './health-status';

export function deploymentHealth(deployment: KubeObject): HealthStatus {
  if (boolAt(deployment, 'spec', 'paused')) return health('Suspended', 'Deployment is paused');
  const generation = intAt(deployment, 'metadata', 'generation') ?? 0;
  const observed = intAt(deployment, 'status', 'observedGeneration') ?? 0;
  if (generation > observed) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed deployment generation less then desired generation',
    );
  }
  const progressing = conditionsAt(deployment, 'status', 'conditions').find(
    (c) => c.type === 'Progressing',
  );
  const wanted = intAt(deployment, 'spec', 'replicas');
  const replicas = intAt(deployment, 'status', 'replicas') ?? 0;
  const updated = intAt(deployment, 'status', 'updatedReplicas') ?? 0;
  const available = intAt(deployment, 'status', 'availableReplicas') ?? 0;
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const name = deployment.metadata?.name ?? '';
    return health('Degraded', `Deployment ${JSON.stringify(name)} exceeded its progress deadline`);
  }
  if (wanted !== undefined && updated < wanted) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${updated} out of ${wanted} new replicas have been updated...`,
    );
  }
  if (replicas > updated) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...`,
    );
  }
  if (available < updated) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  }
  return health('Healthy');
}

export function statefulSetHealth(sts: KubeObject): HealthStatus {
  const generation = intAt(sts, 'metadata', 'generation') ?? 0;
  const observed = intAt(sts, 'status', 'observedGeneration') ?? 0;
  if (observed === 0 || generation > observed) {
    return health('Progressing', 'Waiting for statefulset spec update to be observed...');
  }
  const wanted = intAt(sts, 'spec', 'replicas');
  const ready = intAt(sts, 'status', 'readyReplicas') ?? 0;
  const updated = intAt(sts, 'status', 'updatedReplicas') ?? 0;
  if (wanted !== undefined && ready < wanted) {
    return health('Progressing', `Waiting for ${wanted - ready} pods to be ready...`);
  }
  return statefulSetRolloutHealth(sts, wanted, ready, updated);
}

function statefulSetRolloutHealth(
  sts: KubeObject,
  wanted: number | undefined,
  ready: number,
  updated: number,
): HealthStatus {
  const strategy = stringAt(sts, 'spec', 'updateStrategy', 'type');
  const rollingUpdate = objectAt(sts, 'spec', 'updateStrategy', 'rollingUpdate');
  if (strategy === 'RollingUpdate' && rollingUpdate !== undefined) {
    const partition = intAt(sts, 'spec', 'updateStrategy', 'rollingUpdate', 'partition');
    if (wanted !== undefined && partition !== undefined && updated < wanted - partition) {
      return health(
        'Progressing',
        `Waiting for partitioned roll out to finish: ${updated} out of ${wanted - partition} new pods have been updated...`,
      );
    }
    return health(
      'Healthy',
      `partitioned roll out complete: ${updated} new pods have been updated...`,
    );
  }
  if (strategy === 'OnDelete') {
    return health('Healthy', `statefulset has ${ready} ready pods (${updated} updated)`);
  }
  const updateRevision = stringAt(sts, 'status', 'updateRevision') ?? '';
  const currentRevision = stringAt(sts, 'status', 'currentRevision') ?? '';
  if (updateRevision !== currentRevision) {
    return health(
      'Progressing',
      `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`,
    );
  }
  const current = intAt(sts, 'status', 'currentReplicas') ?? 0;
  return health(
    'Healthy',
    `statefulset rolling update complete ${current} pods at revision ${currentRevision}...`,
  );
}

export function daemonSetHealth(daemon: KubeObject): HealthStatus {
  const generation = intAt(daemon, 'metadata', 'generation') ?? 0;
  const observed = intAt(daemon, 'status', 'observedGeneration') ?? 0;
  if (generation > observed) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed daemon set generation less then desired generation',
    );
  }
  const updated = intAt(daemon, 'status', 'updatedNumberScheduled') ?? 0;
  const desired = intAt(daemon, 'status', 'desiredNumberScheduled') ?? 0;
  const available = intAt(daemon, 'status', 'numberAvailable') ?? 0;
  if (stringAt(daemon, 'spec', 'updateStrategy', 'type') === 'OnDelete') {
    return health('Healthy', `daemon set ${updated} out of ${desired} new pods have been updated`);
  }
  const name = JSON.stringify(daemon.metadata?.name ?? '');
  if (updated < desired) {
    return health(
      'Progressing',
      `Waiting for daemon set ${name} rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  }
  if (available < desired) {
    return health(
      'Progressing',
      `Waiting for daemon set ${name} rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  }
  return health('Healthy');
}

export function replicaSetHealth(replicaSet: KubeObject): HealthStatus {
  const generation = intAt(replicaSet, 'metadata', 'generation') ?? 0;
  const observed = intAt(replicaSet, 'status', 'observedGeneration') ?? 0;
  if (generation > observed) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed replica set generation less then desired generation',
    );
  }
  const failure = conditionsAt(replicaSet, 'status', 'conditions').find(
    (c) => c.type === 'ReplicaFailure',
  );
  if (failure?.status === 'True') return health('Degraded', failure.message);
  const wanted = intAt(replicaSet, 'spec', 'replicas');
  const available = intAt(replicaSet, 'status', 'availableReplicas') ?? 0;
  if (wanted !== undefined && available < wanted) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${available} out of ${wanted} new replicas are available...`,
    );
  }
  return health('Healthy');
}
