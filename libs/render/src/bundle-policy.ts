import { CLUSTER_SCOPED_KINDS, type DeploymentRequest, type TenantPolicy } from '@flotilla/domain';
import type { ManifestObject } from './manifest-documents';

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
const groupOf = (apiVersion: unknown): string => {
  const text = typeof apiVersion === 'string' ? apiVersion : '';
  const slash = text.lastIndexOf('/');
  return slash < 0 ? '' : text.slice(0, slash);
};

/** `group/kind` of the cluster-scoped kinds the bundle's own CustomResourceDefinitions define. */
function definedClusterScoped(objects: readonly ManifestObject[]): Set<string> {
  const kinds = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || groupOf(o.apiVersion) !== 'apiextensions.k8s.io')
      continue;
    const spec = asRecord(o.spec);
    const kind = asRecord(spec?.names)?.kind;
    if (spec?.scope === 'Cluster' && typeof spec.group === 'string' && typeof kind === 'string')
      kinds.add(`${spec.group}/${kind}`);
  }
  return kinds;
}

/** Where an Application's objects go, for the tenant check. */
export interface BundleDestination {
  repoURL: string;
  cluster: DeploymentRequest['cluster'];
  /** The destination namespace: where namespaced objects without a namespace land. */
  namespace: string;
}

/**
 * The first object of a rendering its tenant may not deploy, as a sentence naming it, or
 * undefined when every object is allowed. Checked like Argo CD's AppProject at sync: cluster-scoped
 * kinds against the tenant's `clusterResourceWhitelist`, namespaced kinds against its
 * `namespaceResourceBlacklist`, and every namespaced object's namespace (its own, or the
 * destination's) against the tenant's destinations for that cluster, so that a manifest cannot
 * escape into `kube-system` by naming it. A kind is cluster-scoped when it is a built-in
 * cluster-scoped kind or the bundle's own CRD says so; any other kind is taken as namespaced
 * (a cluster-scoped custom kind defined outside the bundle is refused by the applier's own check
 * of its namespace, which it cannot have).
 */
export function bundlePolicyViolation(
  policy: TenantPolicy,
  objects: readonly ManifestObject[],
  destination: BundleDestination,
): string | undefined {
  const customClusterScoped = definedClusterScoped(objects);
  for (const object of objects) {
    const group = groupOf(object.apiVersion);
    const kind = typeof object.kind === 'string' ? object.kind : '';
    const metadata = asRecord(object.metadata);
    const name = typeof metadata?.name === 'string' ? metadata.name : '';
    const key = `${group}/${kind}`;
    const namespaced = !CLUSTER_SCOPED_KINDS.has(key) && !customClusterScoped.has(key);
    const own = typeof metadata?.namespace === 'string' ? metadata.namespace : '';
    const namespace = namespaced ? own || destination.namespace : destination.namespace;
    const decision = policy.checkDeployment({
      repoURL: destination.repoURL,
      cluster: destination.cluster,
      namespace,
      resource: { group, kind, namespaced },
    });
    if (!decision.allowed) {
      const where = namespaced ? `${namespace}/${name}` : name;
      return `${kind} ${where}: ${decision.reason}`;
    }
  }
  return undefined;
}
