import { Deployment, DaemonSet, ReplicaSet, StatefulSet } from 'kubernetes-models/apps/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  ConfigMap,
  Namespace,
  Node,
  PersistentVolumeClaim,
  Pod,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';

/** A model class of `kubernetes-models`, whose `validate()` checks the OpenAPI schema. */
export type ModelClass = new (data: never) => { validate(): void };

/** A served resource: the names discovery lists and how objects of it are checked. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  /** Plural, lower case: `deployments`. */
  plural: string;
  singular: string;
  namespaced: boolean;
  /** Whether `/status` is a subresource (and the main resource then ignores `status`). */
  status: boolean;
  shortNames?: string[];
  /** Absent for custom resources, which are checked only for identity. */
  model?: ModelClass;
}

/** `group/version`, or `version` for the core group. */
export function groupVersion(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

type Row = [string, string, string, string, boolean, boolean, ModelClass, string[]?];

// group/version, kind, plural, singular, namespaced, status subresource, model, short names
// prettier-ignore
const ROWS: Row[] = [
  ['v1', 'Namespace', 'namespaces', 'namespace', false, true, Namespace, ['ns']],
  ['v1', 'ConfigMap', 'configmaps', 'configmap', true, false, ConfigMap, ['cm']],
  ['v1', 'Secret', 'secrets', 'secret', true, false, Secret],
  ['v1', 'Service', 'services', 'service', true, true, Service, ['svc']],
  ['v1', 'ServiceAccount', 'serviceaccounts', 'serviceaccount', true, false, ServiceAccount, ['sa']],
  ['v1', 'Pod', 'pods', 'pod', true, true, Pod, ['po']],
  ['v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', 'persistentvolumeclaim', true, true, PersistentVolumeClaim, ['pvc']],
  ['v1', 'Node', 'nodes', 'node', false, true, Node, ['no']],
  ['apps/v1', 'Deployment', 'deployments', 'deployment', true, true, Deployment, ['deploy']],
  ['apps/v1', 'StatefulSet', 'statefulsets', 'statefulset', true, true, StatefulSet, ['sts']],
  ['apps/v1', 'DaemonSet', 'daemonsets', 'daemonset', true, true, DaemonSet, ['ds']],
  ['apps/v1', 'ReplicaSet', 'replicasets', 'replicaset', true, true, ReplicaSet, ['rs']],
  ['batch/v1', 'Job', 'jobs', 'job', true, true, Job],
  ['batch/v1', 'CronJob', 'cronjobs', 'cronjob', true, true, CronJob, ['cj']],
  ['networking.k8s.io/v1', 'Ingress', 'ingresses', 'ingress', true, true, Ingress, ['ing']],
  ['autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', 'horizontalpodautoscaler', true, true, HorizontalPodAutoscaler, ['hpa']],
  ['rbac.authorization.k8s.io/v1', 'Role', 'roles', 'role', true, false, Role],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', 'rolebinding', true, false, RoleBinding],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', 'clusterrole', false, false, ClusterRole],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', 'clusterrolebinding', false, false, ClusterRoleBinding],
  ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', 'customresourcedefinition', false, true, CustomResourceDefinition, ['crd', 'crds']],
];

/** The built-in kinds every simulated cluster serves. */
export const BUILT_IN_TYPES: readonly ResourceType[] = ROWS.map(
  ([gv, kind, plural, singular, namespaced, status, model, shortNames]) => {
    const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
    return {
      group: group as string,
      version: version as string,
      kind,
      plural,
      singular,
      namespaced,
      status,
      model,
      ...(shortNames ? { shortNames } : {}),
    };
  },
);

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { kind?: string; plural?: string; singular?: string; shortNames?: string[] };
  versions?: { name?: string; served?: boolean; subresources?: { status?: unknown } }[];
}

/** The resource types a `CustomResourceDefinition` object makes served (one per version). */
export function crdResourceTypes(crd: Record<string, unknown>): ResourceType[] {
  const spec = (crd['spec'] ?? {}) as CrdSpec;
  const names = spec.names ?? {};
  if (!spec.group || !names.kind || !names.plural) return [];
  return (spec.versions ?? [])
    .filter((v) => v.served !== false && v.name)
    .map((v) => ({
      group: spec.group as string,
      version: v.name as string,
      kind: names.kind as string,
      plural: names.plural as string,
      singular: names.singular ?? (names.kind as string).toLowerCase(),
      namespaced: spec.scope !== 'Cluster',
      status: v.subresources?.status !== undefined,
      ...(names.shortNames ? { shortNames: names.shortNames } : {}),
    }));
}
