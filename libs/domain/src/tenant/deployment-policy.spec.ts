import {
  checkDeployment,
  compileTenantPolicy,
  normalizeRepoURL,
  type DeploymentDecision,
  type DeploymentRequest,
} from './deployment-policy';
import { parseTenantSpec } from './tenant-spec.schema';

const spec = parseTenantSpec({
  name: 'team-a',
  sourceRepos: [
    'https://github.com/team-a/*',
    'git@github.com:team-a/*',
    '!https://github.com/team-a/secret',
    'https://charts.example.com/**',
  ],
  sourceReposDeny: ['https://github.com/team-a/legacy-*'],
  destinations: [
    {
      clusterSelector: { matchLabels: { env: 'prod' } },
      namespaces: ['team-a-*', '!team-a-system'],
    },
    {
      clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] },
      namespaces: ['*', '!kube-*'],
    },
  ],
  clusterResourceWhitelist: [
    { group: '', kind: 'Namespace' },
    { group: 'rbac.authorization.k8s.io', kind: 'Cluster*' },
  ],
  namespaceResourceBlacklist: [
    { group: '', kind: 'ResourceQuota' },
    { group: '*', kind: 'NetworkPolicy' },
  ],
});

const prod = {
  name: 'prod-eu',
  server: 'https://prod-eu.example.com',
  labels: { env: 'prod', region: 'eu' },
};
const dev = { name: 'dev-1', labels: { env: 'dev' } };
const request = (over: Partial<DeploymentRequest> = {}): DeploymentRequest => ({
  repoURL: 'https://github.com/team-a/web',
  cluster: prod,
  namespace: 'team-a-web',
  ...over,
});
const refused = (rule: string, reason: string) => ({ allowed: false, rule, reason });

describe('checkDeployment', () => {
  it.each<[string, Partial<DeploymentRequest>, DeploymentDecision | ReturnType<typeof refused>]>([
    ['allowed source, cluster and namespace', {}, { allowed: true }],
    [
      'URL normalization: case, .git suffix',
      { repoURL: 'HTTPS://GitHub.com/Team-A/Web.git' },
      { allowed: true },
    ],
    ['scp-style SSH URL', { repoURL: 'git@github.com:team-a/web.git' }, { allowed: true }],
    [
      'ssh:// URL equals the scp form',
      { repoURL: 'ssh://git@github.com/team-a/web' },
      { allowed: true },
    ],
    [
      '`**` crosses path segments',
      { repoURL: 'https://charts.example.com/a/b/c' },
      { allowed: true },
    ],
    [
      'source not allowed',
      { repoURL: 'https://github.com/evil/repo' },
      refused(
        'source',
        'source https://github.com/evil/repo is not permitted in tenant team-a (allowed: https://github.com/team-a/*, git@github.com:team-a/*, https://charts.example.com/**)',
      ),
    ],
    [
      '`*` stops at `/` in source URLs',
      { repoURL: 'https://github.com/team-a/web/sub' },
      refused(
        'source',
        'source https://github.com/team-a/web/sub is not permitted in tenant team-a (allowed: https://github.com/team-a/*, git@github.com:team-a/*, https://charts.example.com/**)',
      ),
    ],
    [
      '`!` entry wins over an allow entry',
      { repoURL: 'https://github.com/team-a/secret.git' },
      refused(
        'source',
        'source https://github.com/team-a/secret.git is denied in tenant team-a by "!https://github.com/team-a/secret"',
      ),
    ],
    [
      'sourceReposDeny wins over an allow entry',
      { repoURL: 'https://github.com/team-a/legacy-api' },
      refused(
        'source',
        'source https://github.com/team-a/legacy-api is denied in tenant team-a by sourceReposDeny "https://github.com/team-a/legacy-*"',
      ),
    ],
    [
      'no destination selects the cluster',
      { cluster: { name: 'qa-1', labels: { env: 'qa' } } },
      refused(
        'destination',
        "cluster qa-1 is not a permitted destination of tenant team-a (no destination's clusterSelector matches its labels: env=qa)",
      ),
    ],
    [
      'namespace not allowed on the cluster',
      { namespace: 'default' },
      refused(
        'destination',
        'namespace default on cluster prod-eu is not permitted in tenant team-a (allowed: team-a-*)',
      ),
    ],
    [
      '`!` namespace wins on the selected clusters',
      { namespace: 'team-a-system' },
      refused(
        'destination',
        'namespace team-a-system on cluster prod-eu is denied in tenant team-a by "!team-a-system"',
      ),
    ],
    [
      'other destinations allow more on their clusters',
      { cluster: dev, namespace: 'default' },
      { allowed: true },
    ],
    [
      'a deny applies only to the clusters its destination selects',
      { cluster: dev, namespace: 'team-a-system' },
      { allowed: true },
    ],
    [
      '`!` glob on dev clusters',
      { cluster: dev, namespace: 'kube-system' },
      refused(
        'destination',
        'namespace kube-system on cluster dev-1 is denied in tenant team-a by "!kube-*"',
      ),
    ],
    [
      'whitelisted cluster-scoped kind',
      { resource: { group: '', kind: 'Namespace', namespaced: false } },
      { allowed: true },
    ],
    [
      'cluster-scoped kind glob',
      {
        resource: {
          group: 'rbac.authorization.k8s.io',
          kind: 'ClusterRoleBinding',
          namespaced: false,
        },
      },
      { allowed: true },
    ],
    [
      'cluster-scoped kind not whitelisted',
      {
        resource: {
          group: 'apiextensions.k8s.io',
          kind: 'CustomResourceDefinition',
          namespaced: false,
        },
      },
      refused(
        'clusterResource',
        'cluster-scoped resource apiextensions.k8s.io/CustomResourceDefinition is not permitted in tenant team-a (allowed: Namespace, rbac.authorization.k8s.io/Cluster*)',
      ),
    ],
    [
      'namespaced kind not blacklisted',
      { resource: { group: 'apps', kind: 'Deployment', namespaced: true } },
      { allowed: true },
    ],
    [
      'blacklisted namespaced kind',
      { resource: { group: '', kind: 'ResourceQuota', namespaced: true } },
      refused(
        'namespacedResource',
        'namespaced resource ResourceQuota is denied in tenant team-a by namespaceResourceBlacklist entry {group: "", kind: "ResourceQuota"}',
      ),
    ],
    [
      'blacklist group glob',
      { resource: { group: 'networking.k8s.io', kind: 'NetworkPolicy', namespaced: true } },
      refused(
        'namespacedResource',
        'namespaced resource networking.k8s.io/NetworkPolicy is denied in tenant team-a by namespaceResourceBlacklist entry {group: "*", kind: "NetworkPolicy"}',
      ),
    ],
    [
      'the same kind, cluster-scoped, is judged by the whitelist',
      { resource: { group: '', kind: 'ResourceQuota', namespaced: false } },
      refused(
        'clusterResource',
        'cluster-scoped resource ResourceQuota is not permitted in tenant team-a (allowed: Namespace, rbac.authorization.k8s.io/Cluster*)',
      ),
    ],
    [
      'source is checked before destination',
      { repoURL: 'https://x.example.com/r', namespace: 'default' },
      refused(
        'source',
        'source https://x.example.com/r is not permitted in tenant team-a (allowed: https://github.com/team-a/*, git@github.com:team-a/*, https://charts.example.com/**)',
      ),
    ],
  ])('%s', (_name, over, expected) => {
    expect(checkDeployment(spec, request(over))).toEqual(expected);
  });

  it('allows no cluster-scoped kind when the whitelist is empty, and says so', () => {
    const bare = parseTenantSpec({
      name: 'b',
      sourceRepos: ['*'],
      destinations: [{ clusterSelector: {}, namespaces: ['*'] }],
    });
    expect(
      checkDeployment(
        bare,
        request({ resource: { group: '', kind: 'Namespace', namespaced: false } }),
      ),
    ).toEqual(
      refused(
        'clusterResource',
        'cluster-scoped resource Namespace is not permitted in tenant b (no cluster-scoped kinds are allowed)',
      ),
    );
    expect(
      checkDeployment(
        bare,
        request({ repoURL: 'https://anything.example.com/x/y', namespace: 'kube-system' }),
      ),
    ).toEqual({ allowed: true });
  });

  it('requires an allow entry: a list of denials alone permits nothing (as documented by Argo CD)', () => {
    const denyOnly = parseTenantSpec({
      name: 'd',
      sourceRepos: ['!https://github.com/evil/*'],
      destinations: [{ clusterSelector: {}, namespaces: ['*'] }],
    });
    expect(checkDeployment(denyOnly, request())).toMatchObject({ allowed: false, rule: 'source' });
  });

  it('normalizes repository URLs as Argo CD does', () => {
    expect(normalizeRepoURL(' git@GitHub.com:Org/Repo.git ')).toBe('git@github.com/org/repo');
    expect(normalizeRepoURL('ssh://git@github.com/org/repo.git')).toBe('git@github.com/org/repo');
    expect(normalizeRepoURL('https://github.com/org/repo')).toBe('https://github.com/org/repo');
  });

  it('costs microseconds per check once compiled', () => {
    const policy = compileTenantPolicy(spec);
    const requests = [
      request(),
      request({ namespace: 'default' }),
      request({ cluster: dev, resource: { group: 'apps', kind: 'Deployment', namespaced: true } }),
    ];
    const n = 30_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) policy.checkDeployment(requests[i % 3]!);
    const microsPerCheck = Number(process.hrtime.bigint() - started) / 1000 / n;
    // Typically well under 2 µs here; the bound leaves room for a loaded CI machine.
    expect(microsPerCheck).toBeLessThan(50);
  });
});
