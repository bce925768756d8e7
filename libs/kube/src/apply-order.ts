// The order Flotilla applies an Application's objects in: gitops-engine's sync order
// (pkg/sync/sync_tasks.go: wave, then kind, then name) with the delivery issue's rule that
// Namespaces and CustomResourceDefinitions come first of all.
import { DomainError } from '@flotilla/domain';
import { describeObject, groupOf, type KubeObject } from './kube-object';

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

// gitops-engine's kindOrder (itself Helm's kind_sorter.go install order). Kinds not listed sort
// after all of these, as Argo CD's map lookup gives them 0 and every listed kind a negative rank.
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
] as const;
const KIND_RANK = new Map<string, number>(KIND_ORDER.map((kind, i) => [kind, i]));

// Go's strconv.Atoi: optional sign, decimal digits, nothing else (no spaces, no `1.0`).
const INTEGER = /^[+-]?\d+$/;

/**
 * The object's sync wave: its `argocd.argoproj.io/sync-wave` annotation, 0 without one. Throws a
 * `BAD_USER_INPUT` `DomainError` naming the object when the annotation is not an integer (Argo
 * CD silently uses 0 there; a typo that reorders a rollout should be loud).
 */
export function syncWave(object: KubeObject): number {
  const text = object.metadata?.annotations?.[SYNC_WAVE_ANNOTATION];
  if (text === undefined) return 0;
  const wave = Number(text);
  if (!INTEGER.test(text) || !Number.isSafeInteger(wave)) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `${describeObject(object)}: annotation ${SYNC_WAVE_ANNOTATION} must be an integer, not ${JSON.stringify(text)}`,
      `metadata.annotations["${SYNC_WAVE_ANNOTATION}"]`,
    );
  }
  return wave;
}

function isNamespaceOrCrd(object: KubeObject): boolean {
  const group = groupOf(object.apiVersion);
  return (
    (object.kind === 'Namespace' && group === '') ||
    (object.kind === 'CustomResourceDefinition' && group === 'apiextensions.k8s.io')
  );
}

function kindRank(kind: string | undefined): number {
  return KIND_RANK.get(kind ?? '') ?? KIND_ORDER.length;
}

// Go compares strings bytewise; for the ASCII of Kubernetes names, code units agree with it.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The objects in the order to apply them: Namespaces and CustomResourceDefinitions first (as the
 * issue asks, whatever their wave), then everything by sync wave (negative waves first), then
 * Argo CD's kind order, then name; namespace and apiVersion break the remaining ties so the order
 * is total. Stable and pure; throws (see `syncWave`) before ordering anything when an annotation
 * is not an integer.
 */
export function applyOrder<T extends KubeObject>(objects: readonly T[]): T[] {
  const keyed = objects.map((object) => ({
    object,
    first: isNamespaceOrCrd(object) ? 0 : 1,
    wave: syncWave(object),
    kind: kindRank(object.kind),
    name: object.metadata?.name ?? '',
    namespace: object.metadata?.namespace ?? '',
    apiVersion: object.apiVersion ?? '',
  }));
  keyed.sort(
    (a, b) =>
      a.first - b.first ||
      a.wave - b.wave ||
      a.kind - b.kind ||
      compareText(a.name, b.name) ||
      compareText(a.namespace, b.namespace) ||
      compareText(a.apiVersion, b.apiVersion),
  );
  return keyed.map(({ object }) => object);
}

/** The order to delete objects in: the reverse of `applyOrder`, as Argo CD prunes. */
export function pruneOrder<T extends KubeObject>(objects: readonly T[]): T[] {
  return applyOrder(objects).reverse();
}
