import { compileTenantPolicy, parseTenantSpec } from '@flotilla/domain';
import { bundlePolicyViolation, type BundleDestination } from './bundle-policy';

const policy = compileTenantPolicy(
  parseTenantSpec({
    name: 'team-a',
    sourceRepos: ['https://github.com/team-a/*'],
    destinations: [{ clusterSelector: { matchLabels: { env: 'prod' } }, namespaces: ['shop-*'] }],
    clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
  }),
);
const at: BundleDestination = {
  repoURL: 'https://github.com/team-a/shop',
  cluster: { name: 'eu-1', labels: { env: 'prod' } },
  namespace: 'shop-web',
};
const cm = (name: string, namespace?: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: namespace ? { name, namespace } : { name },
});

describe('bundlePolicyViolation (tenant rules on every rendered object)', () => {
  it('allows objects in the destination namespace and in other allowed namespaces', () => {
    expect(bundlePolicyViolation(policy, [cm('a'), cm('b', 'shop-api')], at)).toBeUndefined();
  });

  it('refuses an object that names a namespace outside the tenant (kube-system)', () => {
    expect(bundlePolicyViolation(policy, [cm('a'), cm('evil', 'kube-system')], at)).toBe(
      'ConfigMap kube-system/evil: namespace kube-system on cluster eu-1 is not permitted in tenant team-a (allowed: shop-*)',
    );
  });

  it('refuses cluster-scoped kinds not whitelisted, allows whitelisted ones', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop-web' } };
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'admin-all' },
    };
    expect(bundlePolicyViolation(policy, [ns], at)).toBeUndefined();
    expect(bundlePolicyViolation(policy, [ns, role], at)).toMatch(
      /^ClusterRole admin-all: cluster-scoped resource rbac.authorization.k8s.io\/ClusterRole is not permitted in tenant team-a/,
    );
  });

  it('refuses blacklisted namespaced kinds', () => {
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' } };
    expect(bundlePolicyViolation(policy, [quota], at)).toMatch(/namespaceResourceBlacklist/);
  });

  it("takes a custom kind as cluster-scoped when the bundle's own CRD says so", () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Widget' } },
    };
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    // The CRD itself is cluster-scoped and not whitelisted: refused first.
    expect(bundlePolicyViolation(policy, [crd, widget], at)).toMatch(/^CustomResourceDefinition/);
    const open = compileTenantPolicy(
      parseTenantSpec({
        name: 'team-a',
        sourceRepos: ['*'],
        destinations: [{ clusterSelector: {}, namespaces: ['shop-*'] }],
        clusterResourceWhitelist: [{ group: 'apiextensions.k8s.io', kind: '*' }],
      }),
    );
    expect(bundlePolicyViolation(open, [crd, widget], at)).toMatch(
      /^Widget w: cluster-scoped resource example.com\/Widget is not permitted/,
    );
    // Namespaced when nothing says otherwise: it lands in the destination namespace.
    expect(bundlePolicyViolation(open, [widget], at)).toBeUndefined();
  });
});
