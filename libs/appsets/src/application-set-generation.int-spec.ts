import { createPool } from '@flotilla/database';
import {
  applicationId,
  applicationStream,
  parseTenantSpec,
  type JsonObjectValue,
} from '@flotilla/domain';
import { EventStore, ProjectionRunner, type Projection } from '@flotilla/event-store';
import { MemoryGitSource } from '@flotilla/generators';
import {
  applicationsProjection,
  clustersProjection,
  clusterStream,
  flotillaEventRegistry,
  tenantsProjection,
  type FlotillaEvent,
} from '@flotilla/projections';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { ApplicationSetGeneration, type PlannedGeneration } from './application-set-generation';
import { clusterServer } from './fleet-clusters';

const SET = '0b6f2b0e-3c1a-4f5e-9a7d-1c2b3d4e5f60';
const FACTS = {
  kubernetesVersion: 'v1.30.1',
  nodeCount: 1,
  allocatableCpuMillicores: 2000,
  allocatableMemoryBytes: 8 * 1024 ** 3,
  agentVersion: '0.1.0',
};
const tenantSpec = (name: string) => ({
  name,
  sourceRepos: [`https://github.com/${name}/*`],
  destinations: [{ clusterSelector: { matchLabels: { env: 'prod' } }, namespaces: ['apps-*'] }],
  roles: [],
});
const guestbook = (over: { repo?: string; namespace?: string; revision?: string } = {}) =>
  ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'guestbook' },
    spec: {
      goTemplate: true,
      generators: [{ clusters: {} }],
      template: {
        metadata: { name: '{{.name}}-guestbook' },
        spec: {
          project: 'default',
          source: {
            repoURL: over.repo ?? 'https://github.com/team-a/apps',
            targetRevision: over.revision ?? 'main',
            path: 'guestbook',
          },
          destination: { server: '{{.server}}', namespace: over.namespace ?? 'apps-guestbook' },
        },
      },
    },
  }) as JsonObjectValue;

describe('ApplicationSet generation against the fleet (read models on Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  let generation: ApplicationSetGeneration;
  const ids: Record<string, string> = {};

  const catchUp = () =>
    Promise.all(
      [tenantsProjection, clustersProjection, applicationsProjection].map((p) =>
        new ProjectionRunner(
          pool,
          store,
          p as unknown as Projection<FlotillaEvent>,
          null,
        ).catchUp(),
      ),
    );
  const register = async (tenant: string, name: string, labels: Record<string, string>) => {
    const id = `${tenant}-${name}-id`;
    ids[`${tenant}/${name}`] = id;
    await store.append(
      clusterStream(id),
      'no_stream',
      [
        {
          type: 'ClusterRegistered',
          data: { tenant, name, mode: 'kubeconfig', labels, facts: FACTS },
        },
      ],
      { actor: 'test', tenantId: tenant },
    );
  };
  const planned = async (manifest: JsonObjectValue, setId: string | null = SET) => {
    const result = await generation.plan({ applicationSetId: setId, tenant: 'team-a', manifest });
    if (!result.ok) throw new Error(`${result.reason}: ${result.message}`);
    return result;
  };
  const names = (list: { name: string }[]) => list.map((a) => a.name);
  /** Writes a plan's creations as the worker would, so the next plan sees them. */
  const applyCreates = async (result: PlannedGeneration) => {
    for (const app of result.plan.create) {
      await store.append(
        applicationStream(applicationId(SET, app.name)),
        'no_stream',
        [
          {
            type: 'ApplicationCreated',
            data: { applicationSetId: SET, tenant: 'team-a', ...app },
          },
        ],
        { actor: 'system:generation', tenantId: 'team-a' },
      );
    }
    await catchUp();
  };

  beforeAll(async () => {
    db = await createTestDatabase('appsets_generation');
    pool = createPool(db.url, { max: 4 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    for (const tenant of ['team-a', 'team-b'])
      await store.append(
        `tenant-${tenant}`,
        'no_stream',
        [{ type: 'TenantCreated', data: { spec: parseTenantSpec(tenantSpec(tenant)) } }],
        { actor: 'root', tenantId: tenant },
      );
    await register('team-a', 'prod-eu', { env: 'prod', region: 'eu' });
    await register('team-a', 'prod-us', { env: 'prod', region: 'us' });
    await register('team-a', 'dev-eu', { env: 'dev', region: 'eu' });
    await register('team-b', 'prod-b', { env: 'prod' });
    await catchUp();
    generation = new ApplicationSetGeneration({ pool });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it("sees only the tenant's live clusters, resolves destinations to ids, and reports violations", async () => {
    const result = await planned(guestbook());
    expect(names(result.plan.create)).toEqual(['prod-eu-guestbook', 'prod-us-guestbook']);
    expect(result.plan.create[0]).toMatchObject({
      clusterId: ids['team-a/prod-eu'],
      namespace: 'apps-guestbook',
      project: 'default',
      spec: { destination: { server: clusterServer('team-a', 'prod-eu') } },
    });
    // dev-eu is outside the tenant's destinations: not created, reported with the rule.
    expect(result.violations).toEqual([
      expect.objectContaining({
        application: 'dev-eu-guestbook',
        cluster: 'dev-eu',
        rule: 'destination',
      }),
    ]);
    // team-b's cluster is not even generated.
    expect(JSON.stringify(result)).not.toContain('prod-b');
    expect(Object.values(result.clusterNames).sort()).toEqual(['dev-eu', 'prod-eu', 'prod-us']);
  });

  it('refuses a repository the tenant may not use, for every Application', async () => {
    const result = await planned(guestbook({ repo: 'https://github.com/team-b/apps' }));
    expect(result.plan.create).toEqual([]);
    expect(result.violations.map((v) => v.rule)).toEqual(['source', 'source', 'source']);
  });

  it('plans only real differences: unchanged, then an update, then a deregistered cluster deleted', async () => {
    await applyCreates(await planned(guestbook()));
    const again = await planned(guestbook());
    expect(again.plan.create).toEqual([]);
    expect(again.plan.update).toEqual([]);
    expect(again.plan.unchanged).toEqual(['prod-eu-guestbook', 'prod-us-guestbook']);

    const moved = await planned(guestbook({ revision: 'v2' }));
    expect(moved.plan.update.map((u) => u.desired.name)).toEqual([
      'prod-eu-guestbook',
      'prod-us-guestbook',
    ]);

    await store.append(
      clusterStream(ids['team-a/prod-us']!),
      1,
      [{ type: 'ClusterDeregistered', data: { reason: 'decommissioned' } }],
      { actor: 'root', tenantId: 'team-a' },
    );
    await catchUp();
    const pruned = await planned(guestbook());
    expect(pruned.plan.delete.map((d) => d.name)).toEqual(['prod-us-guestbook']);
    expect(pruned.plan.held).toBeNull();
  });

  it('a Git generator without Git access fails as GitError; it never reads as "nothing"', async () => {
    const manifest = guestbook();
    (manifest['spec'] as Record<string, unknown>)['generators'] = [
      {
        git: {
          repoURL: 'https://github.com/team-a/apps',
          revision: 'main',
          directories: [{ path: '*' }],
        },
      },
    ];
    const result = await generation.plan({ applicationSetId: SET, tenant: 'team-a', manifest });
    expect(result).toMatchObject({ ok: false, reason: 'GitError' });
    const withGit = new ApplicationSetGeneration({
      pool,
      git: new MemoryGitSource({
        'https://github.com/team-a/apps': { main: { 'prod-eu/app.yaml': 'x: 1' } },
      }),
    });
    (
      manifest['spec'] as { template: { spec: { destination: unknown } } }
    ).template.spec.destination = {
      name: '{{.path.basename}}',
      namespace: 'apps-x',
    };
    (manifest['spec'] as { template: { metadata: unknown } }).template.metadata = {
      name: 'from-git-{{.path.basename}}',
    };
    const ok = await withGit.plan({ applicationSetId: null, tenant: 'team-a', manifest });
    expect(ok).toMatchObject({ ok: true });
    expect(ok.ok && names(ok.plan.create)).toEqual(['from-git-prod-eu']);
  });

  it('a bad manifest and a missing tenant are failures with their reason', async () => {
    const bad = { ...guestbook(), spec: { generators: [{ clusters: 'all' }], template: {} } };
    expect(
      await generation.plan({ applicationSetId: null, tenant: 'team-a', manifest: bad }),
    ).toMatchObject({
      ok: false,
      reason: 'ManifestError',
    });
    expect(
      await generation.plan({ applicationSetId: null, tenant: 'nobody', manifest: guestbook() }),
    ).toMatchObject({
      ok: false,
      reason: 'ClusterLookupError',
      message: expect.stringContaining('nobody'),
    });
  });

  it('an Application that now breaks the rules is kept and reported, not deleted', async () => {
    // Existing Applications of prod-eu; the template now targets a namespace the tenant refuses.
    const result = await planned(guestbook({ namespace: 'kube-system' }));
    // (prod-us left the fleet in an earlier case: its Application goes, prod-eu's stays.)
    expect(result.plan.delete.map((d) => d.name)).toEqual(['prod-us-guestbook']);
    expect(result.plan.update).toEqual([]);
    expect(result.violations.map((v) => v.application)).toContain('prod-eu-guestbook');
    expect(result.plan.unchanged).toContain('prod-eu-guestbook');
  });
});
