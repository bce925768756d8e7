import type { TenantSpecInput } from './tenant-spec.schema';

/** A complete, valid tenant spec for tests; the spec-parser cases each break one field of it. */
export const validSpec = (): TenantSpecInput => ({
  name: 'team-a',
  description: 'Team A',
  sourceRepos: ['https://github.com/team-a/*', '!https://github.com/team-a/secret'],
  sourceReposDeny: ['https://github.com/team-a/legacy-*'],
  destinations: [
    {
      clusterSelector: { matchLabels: { env: 'prod' } },
      namespaces: ['team-a-*', '!team-a-system'],
    },
    {
      clusterSelector: {
        matchExpressions: [{ key: 'env', operator: 'In', values: ['dev', 'staging'] }],
      },
      namespaces: ['*'],
    },
  ],
  clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
  namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
  roles: [
    {
      name: 'deployer',
      description: 'syncs apps',
      groups: ['team-a-devs', '"team a, contractors"'],
      policies: [
        'p, proj:team-a:deployer, applications, sync, team-a/*, allow',
        'p,proj:team-a:deployer,applications,get,team-a/web,allow',
      ],
    },
  ],
  syncWindows: [
    {
      kind: 'deny',
      schedule: '0 22 * * *',
      duration: '8h',
      timeZone: 'Europe/Berlin',
      clusters: ['prod-*'],
      manualSync: true,
    },
  ],
});
