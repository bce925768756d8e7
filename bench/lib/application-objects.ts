// What the fleet's ApplicationSets deploy (bundle objects by ApplicationSet), and what clusters
// report about them (status mixes, problems), for application-history.ts.
import type { HealthStatusCodeValue, ResourceProblem, SyncStatusCode } from '@flotilla/domain';
import type { Bundle, ManifestObject } from '@flotilla/render';

/** ApplicationSet names, in the order each tenant creates them (then `svc-N`). */
export const SET_NAMES = [
  'web',
  'api',
  'worker',
  'ingress',
  'monitoring',
  'logging',
  'rbac-baseline',
  'cert-manager',
  'backup',
  'policy',
];
/** What each ApplicationSet deploys (kinds in order; a kind twice is two objects). */
const PROFILES: Record<string, string[]> = {
  web: ['ServiceAccount', 'ConfigMap', 'Deployment', 'Service'],
  api: ['ServiceAccount', 'ConfigMap', 'Deployment', 'Service'],
  worker: ['ServiceAccount', 'ConfigMap', 'Deployment'],
  ingress: ['ServiceAccount', 'Deployment', 'Service', 'ClusterRole', 'ClusterRoleBinding'],
  monitoring: ['ServiceAccount', 'ConfigMap', 'DaemonSet', 'ClusterRole', 'ClusterRoleBinding'],
  logging: ['ServiceAccount', 'ConfigMap', 'DaemonSet', 'ClusterRole', 'ClusterRoleBinding'],
  'rbac-baseline': ['ClusterRole', 'ClusterRole', 'ClusterRole', 'ClusterRoleBinding'],
  'cert-manager': ['ServiceAccount', 'Deployment', 'Service', 'ClusterRole', 'ClusterRoleBinding'],
  backup: ['ServiceAccount', 'ConfigMap', 'Deployment', 'ClusterRole'],
  policy: ['ServiceAccount', 'Deployment', 'ClusterRole', 'ValidatingWebhookConfiguration'],
};
const API_VERSIONS: Record<string, string> = {
  ServiceAccount: 'v1',
  ConfigMap: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  DaemonSet: 'apps/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  ValidatingWebhookConfiguration: 'admissionregistration.k8s.io/v1',
};
const CLUSTER_SCOPED = new Set([
  'ClusterRole',
  'ClusterRoleBinding',
  'ValidatingWebhookConfiguration',
]);

/** A status an Application reported. */
export interface Status {
  sync: SyncStatusCode;
  health: HealthStatusCodeValue;
}

/** The objects an ApplicationSet of `tenant` renders at commit number `n`. */
export function manifestsOf(set: string, tenant: string, n: number): ManifestObject[] {
  const kinds = PROFILES[set] ?? PROFILES['web']!;
  return kinds.map((kind, i) => {
    const name = kinds.indexOf(kind) === i ? `${tenant}-${set}` : `${tenant}-${set}-${i}`;
    const object: ManifestObject = {
      apiVersion: API_VERSIONS[kind],
      kind,
      metadata: { name, labels: { 'app.kubernetes.io/name': set } },
    };
    if (kind === 'ConfigMap') object['data'] = { tenant, release: String(n) };
    if (kind === 'Deployment' || kind === 'DaemonSet')
      object['spec'] = {
        selector: { matchLabels: { app: set } },
        template: {
          metadata: { labels: { app: set } },
          spec: { containers: [{ name: set, image: `registry.example.com/${set}:1.${n}.0` }] },
        },
      };
    if (kind === 'ClusterRole')
      object['rules'] = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];
    return object;
  });
}

/** What an Application reports after a rollout: mostly Healthy, some Progressing, Degraded, Missing. */
export function settledStatus(r: number, s: number): Status {
  const health: HealthStatusCodeValue =
    r < 0.8 ? 'Healthy' : r < 0.86 ? 'Progressing' : r < 0.95 ? 'Degraded' : 'Missing';
  const outOfSync = health === 'Missing' || (health === 'Healthy' ? s < 0.08 : s < 0.35);
  return { sync: outOfSync ? 'OutOfSync' : 'Synced', health };
}

/** The reference of a bundle object as it lands in `namespace`. */
export function refOf(object: ManifestObject, namespace: string) {
  const apiVersion = String(object['apiVersion']);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const kind = String(object['kind']);
  return {
    group: group!,
    version: version!,
    kind,
    namespace: CLUSTER_SCOPED.has(kind) ? '' : namespace,
    name: String((object['metadata'] as { name: string }).name),
  };
}

/** The bundle's Deployment or DaemonSet (its first object when it has none). */
export const workloadOf = (bundle: Bundle): ManifestObject =>
  bundle.manifests.find((o) => o['kind'] === 'Deployment' || o['kind'] === 'DaemonSet') ??
  bundle.manifests[0]!;

/** What a cluster reports wrong with the bundle's objects in `status`. */
export function problemsOf(status: Status, bundle: Bundle, namespace: string): ResourceProblem[] {
  const problems: ResourceProblem[] = [];
  if (status.health !== 'Healthy')
    problems.push({
      ...refOf(workloadOf(bundle), namespace),
      sync: status.health === 'Missing' ? 'OutOfSync' : 'Synced',
      health: status.health,
      message:
        status.health === 'Degraded'
          ? 'Deployment exceeded its progress deadline'
          : status.health === 'Progressing'
            ? 'Waiting for rollout to finish: 1 of 3 updated replicas are available'
            : '',
    });
  if (status.sync === 'OutOfSync' && status.health !== 'Missing')
    problems.push({
      ...refOf(bundle.manifests[0]!, namespace),
      sync: 'OutOfSync',
      health: null,
      message: '',
    });
  return problems;
}
