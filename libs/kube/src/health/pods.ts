// Pods and Jobs: ports of gitops-engine pkg/health/health_pod.go and health_job.go.
import { conditionsAt, intAt, listAt, objectAt, stringAt, type KubeObject } from '../kube-object';
import { health, type HealthStatus } from './health-status';

/** Makes a Pod with restart policy `OnFailure` or `Never` judged like a long-running one. */
export const IGNORE_RESTART_POLICY_ANNOTATION = 'argocd.argoproj.io/ignore-restart-policy';

export function podHealth(pod: KubeObject): HealthStatus {
  const restartPolicy = stringAt(pod, 'spec', 'restartPolicy');
  const message = stringAt(pod, 'status', 'message') ?? '';
  const containers = listAt(pod, 'status', 'containerStatuses');
  // Only for restartPolicy Always: a hook Pod (OnFailure/Never) marked Degraded while its image
  // is still being pulled would fail the hook early (Argo CD's reason).
  if (restartPolicy === 'Always') {
    const failing = containers
      .map((ctr) => objectAt(ctr, 'state', 'waiting'))
      .filter((waiting) => waiting !== undefined && isErrorReason(stringAt(waiting, 'reason')));
    if (failing.length > 0) {
      return health('Degraded', failing.map((w) => stringAt(w, 'message') ?? '').join(', '));
    }
  }

  switch (stringAt(pod, 'status', 'phase')) {
    case 'Pending':
      return health('Progressing', message);
    case 'Succeeded':
      return health('Healthy', message);
    case 'Failed': {
      if (message) return health('Degraded', message);
      const all = [...listAt(pod, 'status', 'initContainerStatuses'), ...containers];
      for (const ctr of all) {
        const failure = failMessage(ctr);
        if (failure) return health('Degraded', failure);
      }
      return health('Degraded');
    }
    case 'Running': {
      const annotations = pod.metadata?.annotations ?? {};
      if (
        Object.hasOwn(annotations, IGNORE_RESTART_POLICY_ANNOTATION) ||
        restartPolicy === 'Always'
      ) {
        return runningPodHealth(pod, containers, message);
      }
      // Pods that restart OnFailure or Never have a finite life (typically hooks): Progressing
      // until they finish, never Healthy while running.
      if (restartPolicy === 'OnFailure' || restartPolicy === 'Never') {
        return health('Progressing', message);
      }
      return health('Unknown', message);
    }
    default:
      return health('Unknown', message);
  }
}

// Argo CD's test for a container that is failing rather than starting: ErrImagePull,
// CreateContainerConfigError, CrashLoopBackOff, ImagePullBackOff; not ContainerCreating.
function isErrorReason(reason = ''): boolean {
  return reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff');
}

function failMessage(ctr: unknown): string {
  if (objectAt(ctr, 'state', 'terminated') === undefined) return '';
  const message = stringAt(ctr, 'state', 'terminated', 'message') ?? '';
  if (message) return message;
  const reason = stringAt(ctr, 'state', 'terminated', 'reason') ?? '';
  if (reason === 'OOMKilled') return reason;
  const exitCode = intAt(ctr, 'state', 'terminated', 'exitCode') ?? 0;
  if (exitCode !== 0) {
    const name = stringAt(ctr, 'name') ?? '';
    return `container ${JSON.stringify(name)} failed with exit code ${exitCode}`;
  }
  return '';
}

function runningPodHealth(pod: KubeObject, containers: unknown[], message: string): HealthStatus {
  const ready = conditionsAt(pod, 'status', 'conditions').find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return health('Healthy', message);
  // Not ready and a container has terminated before: it is crashing, not starting.
  const crashed = containers.some((ctr) => objectAt(ctr, 'lastState', 'terminated') !== undefined);
  return health(crashed ? 'Degraded' : 'Progressing', message);
}

export function jobHealth(job: KubeObject): HealthStatus {
  let failed = false;
  let complete = false;
  let suspended = false;
  let failMessage = '';
  let message = '';
  // Argo CD looks at the condition types only (not their status), except for Suspended.
  for (const condition of conditionsAt(job, 'status', 'conditions')) {
    switch (condition.type) {
      case 'Failed':
        failed = true;
        complete = true;
        failMessage = condition.message;
        break;
      case 'Complete':
        complete = true;
        message = condition.message;
        break;
      case 'Suspended':
        complete = true;
        message = condition.message;
        if (condition.status === 'True') suspended = true;
        break;
    }
  }
  if (!complete) return health('Progressing', message);
  if (failed) return health('Degraded', failMessage);
  if (suspended) return health('Suspended', message);
  return health('Healthy', message);
}
