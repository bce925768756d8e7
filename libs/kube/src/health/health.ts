// Which rule judges which resource: gitops-engine pkg/health/health.go (GetResourceHealth and
// GetHealthCheckFunc), plus our `Ready` condition rule for everything else.
import { FieldTypeError, groupOf, type KubeObject } from '../kube-object';
import { readyConditionHealth, horizontalPodAutoscalerHealth } from './conditions';
import { health, type HealthStatus } from './health-status';
import { ingressHealth, serviceHealth } from './networking';
import { jobHealth, podHealth } from './pods';
import { persistentVolumeClaimHealth } from './storage';
import {
  daemonSetHealth,
  deploymentHealth,
  replicaSetHealth,
  statefulSetHealth,
} from './workloads';

type Rule = (object: KubeObject) => HealthStatus;

/** Argo CD's hook finalizer: a hook being deleted keeps its own health while it holds it. */
const HOOK_FINALIZER = 'argocd.argoproj.io/hook-finalizer';

// By API group, then kind, as GetHealthCheckFunc switches. Argo CD also converts to one typed
// version per kind and reports other versions as Unknown ("unsupported Deployment GVK"); the
// rules read the same fields in every version Kubernetes has served, so any version is judged.
const RULES: Readonly<Record<string, Readonly<Record<string, Rule>>>> = {
  apps: {
    Deployment: deploymentHealth,
    StatefulSet: statefulSetHealth,
    ReplicaSet: replicaSetHealth,
    DaemonSet: daemonSetHealth,
  },
  extensions: { Ingress: ingressHealth },
  'networking.k8s.io': { Ingress: ingressHealth },
  '': {
    Service: serviceHealth,
    PersistentVolumeClaim: persistentVolumeClaimHealth,
    Pod: podHealth,
  },
  batch: { Job: jobHealth },
  autoscaling: { HorizontalPodAutoscaler: horizontalPodAutoscalerHealth },
};

function ruleFor(apiVersion: string | undefined, kind: string | undefined): Rule | undefined {
  return Object.hasOwn(RULES, groupOf(apiVersion))
    ? RULES[groupOf(apiVersion)]?.[kind ?? '']
    : undefined;
}

/**
 * Whether a kind has a built-in health rule. Argo CD leaves a `Missing` resource out of the
 * Application's health when its kind has none; callers of `aggregateHealth` do the same.
 */
export function hasHealthRule(apiVersion: string | undefined, kind: string | undefined): boolean {
  return ruleFor(apiVersion, kind) !== undefined;
}

/**
 * The health of a live resource by Argo CD's rules, or `null` when no rule applies (Argo CD then
 * leaves the resource out of the Application's health, which is the same as Healthy). A resource
 * being deleted is Progressing ("Pending deletion"). A malformed status is `Unknown`, with what
 * is wrong, as Argo CD reports a failed conversion.
 */
export function assessHealth(object: KubeObject): HealthStatus | null {
  const { deletionTimestamp, finalizers = [] } = object.metadata ?? {};
  if (deletionTimestamp && !finalizers.includes(HOOK_FINALIZER)) {
    return health('Progressing', 'Pending deletion');
  }
  const rule = ruleFor(object.apiVersion, object.kind);
  try {
    return rule ? rule(object) : readyConditionHealth(object);
  } catch (error) {
    if (!(error instanceof FieldTypeError)) throw error;
    return health(
      'Unknown',
      `failed to convert unstructured ${object.kind} to typed: ${error.message}`,
    );
  }
}
