import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import {
  createTenants,
  fleetTokens,
  issueToken,
  registerAgent,
  subscribeOver,
} from '../testing/fleet-fixture';
import { startTestHub, type TestHub } from '../testing/test-hub';
import { ApplicationStatusFeed } from './application-status.feed';
import {
  applicationStream,
  deliveryStream,
  type DeliveryEvent,
  type ResourceProblem,
} from '@flotilla/domain';
import { DELIVERIES_TABLE } from '@flotilla/projections';
import {
  appendApplication,
  applicationSetEventCount,
  generatedSpec,
  manifestYaml,
  poolOf,
  settle,
  storeOf,
} from './application-sets.fixture';

const CREATE = `mutation($tenant: String!, $manifest: String!) {
  createApplicationSet(tenant: $tenant, manifest: $manifest) { id name } }`;
const LIST = `query($filter: ApplicationFilter, $first: Int, $after: String) {
  applications(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id name tenant namespace project repoURL targetRevision path spec
      applicationSet { id name } cluster { id name labels } createdAt updatedAt } } } }`;
const GET = `query($id: ID!) { application(id: $id) { name cluster { name }
  history { edges { node { type actor } } } } }`;
const DELIVERY = `query($id: ID!) { application(id: $id) { delivery {
  commit bundleId renderedAt renderFailure { code message }
  status { commit bundleId sync health message resourceCount observedAt
    problems { group version kind namespace name sync health message } }
  lastDrift { corrected detectedAt resources { kind name diff } } }
  history { edges { node { type actor } } } } }`;
const SETS_WITH_APPS = `query($first: Int) { applicationSets(filter: {tenant: "team-a"}) {
  edges { node { name applicationCount applications(first: $first) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { name cluster { name } } } } } } } }`;
const PREVIEW = `mutation($tenant: String!, $manifest: String!) {
  previewApplicationSet(tenant: $tenant, manifest: $manifest) {
    ok applicationSetId failure { reason message }
    created { name cluster { name } namespace } updated { name cluster { name } }
    deleted { name cluster { name } } unchanged { name cluster { name } }
    skipped { updates { name } deletions { name } } held { deletions threshold }
    violations { application cluster rule } validationErrors { application message }
    clusters { cluster { name } created updated deleted unchanged } } }`;

const RESOURCES = `query($filter: ResourceFilter!, $first: Int, $after: String) {
  resources(filter: $filter, first: $first, after: $after) { totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { group version kind namespace name problem { health message }
      application { name cluster { name } } } } } }`;
type ResourcePage = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: {
    node: {
      group: string;
      version: string;
      kind: string;
      namespace: string;
      name: string;
      problem: { health: string | null; message: string } | null;
      application: { name: string; cluster: { name: string } };
    };
  }[];
};

type Result = Awaited<ReturnType<TestHub['graphql']>>;
type AppNode = { name: string; tenant: string; cluster: { name: string } };

describe('Applications and previews through GraphQL', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let users: Awaited<ReturnType<typeof fleetTokens>>;
  const clusters: Record<string, string> = {};
  const sets: Record<string, string> = {};
  const apps: Record<string, string> = {};
  const code = (res: Result) => res.body.errors?.[0]?.extensions?.code ?? 'OK';
  const data = <T>(res: Result, key: string): T => {
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data?.[key] as T;
  };
  const list = (filter: Record<string, unknown>, token = users.root, first = 50, after?: string) =>
    hub.graphql(LIST, { filter, first, after }, token);
  const names = (res: Result) =>
    data<{ edges: { node: AppNode }[] }>(res, 'applications').edges.map((e) => e.node.name);
  const preview = async (manifest: string, token = users.alice) =>
    data<Record<string, unknown>>(
      await hub.graphql(PREVIEW, { tenant: 'team-a', manifest }, token),
      'previewApplicationSet',
    );

  const resources = async (filter: Record<string, unknown>, token = users.alice, more = {}) =>
    data<ResourcePage>(await hub.graphql(RESOURCES, { filter, ...more }, token), 'resources');
  /**
   * Every object of `filter`, page by page (`size` a page), as `app group/kind namespace/name`;
   * each page must carry the same total, and the pages must add up to it.
   */
  const walk = async (filter: Record<string, unknown>, token: string, size: number) => {
    const seen: string[] = [];
    let after: string | null = null;
    let total: number | null = null;
    for (;;) {
      const page: ResourcePage = await resources(filter, token, { first: size, after });
      total ??= page.totalCount;
      expect(page.totalCount).toBe(total);
      seen.push(
        ...page.edges.map(
          ({ node: n }) => `${n.application.name} ${n.group}/${n.kind} ${n.namespace}/${n.name}`,
        ),
      );
      if (!page.pageInfo.hasNextPage) break;
      expect(page.edges).toHaveLength(size);
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(total);
    return seen;
  };
  /** Stores a bundle as the worker's BundleStore would: the bundle and a row per object. */
  const storeBundle = async (id: string, manifests: Record<string, unknown>[]) => {
    const pool = poolOf(hub);
    await pool.query(
      `INSERT INTO bundles (id, manifests, object_count, size_bytes) VALUES ($1, $2, $3, 100)`,
      [id, JSON.stringify(manifests), manifests.length],
    );
    const objects = manifests.map((m, i) => {
      const apiVersion = m.apiVersion as string;
      const metadata = m.metadata as { name: string; namespace?: string };
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
      return [i + 1, group, version, m.kind, metadata.name, metadata.namespace ?? null];
    });
    await pool.query(
      `INSERT INTO bundle_objects (bundle_id, ordinal, "group", version, kind, name, own_namespace)
       SELECT $1, (o->>0)::int, o->>1, o->>2, o->>3, o->>4, o->>5
         FROM jsonb_array_elements($2::jsonb) o`,
      [id, JSON.stringify(objects)],
    );
  };
  /** What the worker and the agent would append: `app` rendered into `bundle`, then a report. */
  const render = async (
    app: string,
    clusterName: string,
    bundle: string,
    namespace: string,
    problems: ResourceProblem[] = [],
  ) => {
    const id = apps[app]!;
    // The delivery row outlives a deletion (a tombstone), so a deleted Application renders too.
    const { rows } = await poolOf(hub).query<{ digest: string; tenant: string }>(
      `SELECT app_digest AS digest, tenant FROM ${DELIVERIES_TABLE}
        WHERE application_id = $1 ORDER BY deleted LIMIT 1`,
      [id],
    );
    const common = { clusterId: clusters[clusterName]!, commit: 'd'.repeat(40), bundleId: bundle };
    const events: DeliveryEvent[] = [
      {
        type: 'ApplicationRendered',
        data: {
          ...common,
          digest: rows[0]!.digest,
          targetRevision: 'v1',
          sourceType: 'Directory',
          objectCount: 3,
          namespace,
          prune: true,
          selfHeal: false,
        },
      },
      {
        type: 'ApplicationStatusChanged',
        data: {
          ...common,
          sync: 'Synced',
          health: 'Progressing',
          message: '',
          resourceCount: 3,
          problems,
          observedAt: '2026-11-29T02:00:00.000Z',
          reporter: 'agent',
        },
      },
    ];
    await storeOf(hub).append(deliveryStream(id), 'any', events, {
      actor: 'system:renderer',
      tenantId: rows[0]!.tenant,
    });
  };

  beforeAll(async () => {
    db = await createTestDatabase('applications');
    hub = await startTestHub(db.url);
    users = await fleetTokens();
    await createTenants(hub, users.root, ['team-a', 'team-b']);
    const a = await issueToken(hub, users.alice, { tenant: 'team-a', maxUses: 10 });
    const b = await issueToken(hub, users.mallory, { tenant: 'team-b', maxUses: 10 });
    const fleet: [string, string, Record<string, string>][] = [
      ['a-eu-prod', a.value, { env: 'prod', region: 'eu' }],
      ['a-us-prod', a.value, { env: 'prod', region: 'us' }],
      ['a-eu-dev', a.value, { env: 'dev', region: 'eu' }],
      ['b-eu-prod', b.value, { env: 'prod', region: 'eu' }],
    ];
    for (const [name, token, labels] of fleet)
      clusters[name] = (await registerAgent(hub, token, name, { labels })).clusterId;
    for (const [tenant, name, token] of [
      ['team-a', 'web', users.alice],
      ['team-a', 'api', users.alice],
      ['team-b', 'shop', users.mallory],
    ] as const) {
      const res = await hub.graphql(
        CREATE,
        { tenant, manifest: manifestYaml(name, 'v1', tenant) },
        token,
      );
      sets[name] = data<{ id: string }>(res, 'createApplicationSet').id;
    }
    // What the worker would have generated: web everywhere in team-a, api on a-eu-prod only.
    const placed: [string, string, string][] = [
      ['web', 'team-a', 'a-eu-prod'],
      ['web', 'team-a', 'a-us-prod'],
      ['web', 'team-a', 'a-eu-dev'],
      ['api', 'team-a', 'a-eu-prod'],
      ['shop', 'team-b', 'b-eu-prod'],
    ];
    for (const [set, tenant, cluster] of placed) {
      apps[`${cluster}-${set}`] = await appendApplication(hub, {
        setId: sets[set]!,
        tenant,
        name: `${cluster}-${set}`,
        clusterId: clusters[cluster]!,
        namespace: set,
        spec: generatedSpec(set, cluster, 'v1', tenant),
      });
    }
  });
  afterAll(async () => {
    await hub.close();
    await db.drop();
  });

  it('lists per-cluster rows with their ApplicationSet and cluster, filtered and paged', async () => {
    const all = await list({});
    expect(names(all)).toEqual([
      'a-eu-dev-web',
      'a-eu-prod-api',
      'a-eu-prod-web',
      'a-us-prod-web',
      'b-eu-prod-shop',
    ]);
    const first = data<{ edges: { node: Record<string, unknown> }[] }>(all, 'applications').edges[0]
      ?.node;
    expect(first).toMatchObject({
      id: apps['a-eu-dev-web'],
      tenant: 'team-a',
      namespace: 'web',
      project: 'default',
      repoURL: 'https://github.com/team-a/apps.git',
      targetRevision: 'v1',
      path: 'web',
      spec: generatedSpec('web', 'a-eu-dev'),
      applicationSet: { id: sets['web'], name: 'web' },
      cluster: { id: clusters['a-eu-dev'], name: 'a-eu-dev', labels: { env: 'dev', region: 'eu' } },
    });
    const cases: [Record<string, unknown>, string[]][] = [
      [{ applicationSetId: sets['web'] }, ['a-eu-dev-web', 'a-eu-prod-web', 'a-us-prod-web']],
      [{ clusterId: clusters['a-eu-prod'] }, ['a-eu-prod-api', 'a-eu-prod-web']],
      [
        { selector: 'env=prod' },
        ['a-eu-prod-api', 'a-eu-prod-web', 'a-us-prod-web', 'b-eu-prod-shop'],
      ],
      [
        { selector: 'env=prod', tenant: 'team-a', search: 'web' },
        ['a-eu-prod-web', 'a-us-prod-web'],
      ],
      [{ selector: 'region in (eu),env!=prod' }, ['a-eu-dev-web']],
      [{ selector: '!region' }, []],
      [{ search: 'API' }, ['a-eu-prod-api']],
      [{ applicationSetId: 'not-a-uuid' }, []],
    ];
    for (const [filter, expected] of cases) {
      const res = await list(filter);
      expect({ filter, names: names(res) }).toEqual({ filter, names: expected });
      expect(data<{ totalCount: number }>(res, 'applications').totalCount).toBe(expected.length);
    }
    const bad = await list({ selector: 'env in (prod' });
    expect(bad.body.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'filter.selector',
    });

    const page1 = await list({ tenant: 'team-a' }, users.root, 3);
    expect(names(page1)).toEqual(['a-eu-dev-web', 'a-eu-prod-api', 'a-eu-prod-web']);
    const info = data<{
      pageInfo: { endCursor: string; hasNextPage: boolean };
      totalCount: number;
    }>(page1, 'applications');
    expect(info).toMatchObject({ pageInfo: { hasNextPage: true }, totalCount: 4 });
    const page2 = await list({ tenant: 'team-a' }, users.root, 3, info.pageInfo.endCursor);
    expect(names(page2)).toEqual(['a-us-prod-web']);
    expect(code(await list({}, users.root, 3, 'team-a/x'))).toBe('BAD_USER_INPUT');
  });

  it("shows an Application's history, and each ApplicationSet's Applications in one batch", async () => {
    const got = await hub.graphql(GET, { id: apps['a-us-prod-web'] }, users.vic);
    expect(data(got, 'application')).toEqual({
      name: 'a-us-prod-web',
      cluster: { name: 'a-us-prod' },
      history: { edges: [{ node: { type: 'ApplicationCreated', actor: 'system:worker' } }] },
    });

    const pool = poolOf(hub);
    const spy = jest.spyOn(pool, 'query');
    try {
      const res = await hub.graphql(SETS_WITH_APPS, { first: 2 }, users.alice);
      const nodes = data<{ edges: { node: Record<string, unknown> }[] }>(
        res,
        'applicationSets',
      ).edges.map((e) => e.node);
      expect(nodes).toEqual([
        {
          name: 'api',
          applicationCount: 1,
          applications: {
            totalCount: 1,
            pageInfo: { hasNextPage: false, endCursor: 'a-eu-prod-api' },
            edges: [{ node: { name: 'a-eu-prod-api', cluster: { name: 'a-eu-prod' } } }],
          },
        },
        {
          name: 'web',
          applicationCount: 3,
          applications: {
            totalCount: 3,
            pageInfo: { hasNextPage: true, endCursor: 'a-eu-prod-web' },
            edges: [
              { node: { name: 'a-eu-dev-web', cluster: { name: 'a-eu-dev' } } },
              { node: { name: 'a-eu-prod-web', cluster: { name: 'a-eu-prod' } } },
            ],
          },
        },
      ]);
      const pages = spy.mock.calls.filter(([sql]) => String(sql).includes('row_number()'));
      expect(pages).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps tenants apart, seen from the attacker side', async () => {
    expect(names(await list({}, users.mallory))).toEqual(['b-eu-prod-shop']);
    expect(names(await list({ applicationSetId: sets['web'] }, users.mallory))).toEqual([]);
    expect(names(await list({ clusterId: clusters['a-eu-prod'] }, users.mallory))).toEqual([]);
    expect(
      data<{ totalCount: number }>(await list({ tenant: 'team-a' }, users.mallory), 'applications')
        .totalCount,
    ).toBe(0);
    const hidden = await hub.graphql(GET, { id: apps['a-eu-prod-web'] }, users.mallory);
    const missing = await hub.graphql(
      GET,
      { id: '0190a0a0-0000-7000-8000-000000000000' },
      users.mallory,
    );
    expect(code(hidden)).toBe('NOT_FOUND');
    expect(hidden.body.errors?.[0]?.message).toBe(
      missing.body.errors?.[0]?.message?.replace(
        '0190a0a0-0000-7000-8000-000000000000',
        apps['a-eu-prod-web']!,
      ),
    );
    expect(names(await list({}, users.vic))).toEqual([
      'a-eu-dev-web',
      'a-eu-prod-api',
      'a-eu-prod-web',
      'a-us-prod-web',
    ]);
  });

  it('previews a new ApplicationSet cluster by cluster, writing nothing', async () => {
    const before = await applicationSetEventCount(hub);
    const fresh = await preview(manifestYaml('fresh'), users.bob);
    expect(fresh).toMatchObject({
      ok: true,
      applicationSetId: null,
      failure: null,
      created: [
        { name: 'a-eu-dev-fresh', cluster: { name: 'a-eu-dev' }, namespace: 'fresh' },
        { name: 'a-eu-prod-fresh', cluster: { name: 'a-eu-prod' }, namespace: 'fresh' },
        { name: 'a-us-prod-fresh', cluster: { name: 'a-us-prod' }, namespace: 'fresh' },
      ],
      updated: [],
      deleted: [],
      unchanged: [],
      held: null,
      clusters: [
        { cluster: { name: 'a-eu-dev' }, created: 1, updated: 0, deleted: 0, unchanged: 0 },
        { cluster: { name: 'a-eu-prod' }, created: 1, updated: 0, deleted: 0, unchanged: 0 },
        { cluster: { name: 'a-us-prod' }, created: 1, updated: 0, deleted: 0, unchanged: 0 },
      ],
    });
    expect(await applicationSetEventCount(hub)).toBe(before);
    const { rows } = await poolOf(hub).query(`SELECT count(*)::int AS n FROM events`);
    const again = await preview(manifestYaml('fresh'));
    expect(again['created']).toHaveLength(3);
    expect((await poolOf(hub).query(`SELECT count(*)::int AS n FROM events`)).rows).toEqual(rows);
  });

  it('previews a change against the Applications that exist: updates, deletions, unchanged', async () => {
    const moved = await preview(manifestYaml('web', 'v2'));
    expect(moved).toMatchObject({
      ok: true,
      applicationSetId: sets['web'],
      created: [],
      updated: [
        { name: 'a-eu-dev-web', cluster: { name: 'a-eu-dev' } },
        { name: 'a-eu-prod-web', cluster: { name: 'a-eu-prod' } },
        { name: 'a-us-prod-web', cluster: { name: 'a-us-prod' } },
      ],
      unchanged: [],
    });
    const prodOnly = manifestYaml('web').replace(
      '- clusters: {}',
      '- clusters:\n        selector:\n          matchLabels:\n            env: prod',
    );
    expect(await preview(prodOnly)).toMatchObject({
      ok: true,
      created: [],
      updated: [],
      deleted: [{ name: 'a-eu-dev-web', cluster: { name: 'a-eu-dev' } }],
      unchanged: [
        { name: 'a-eu-prod-web', cluster: { name: 'a-eu-prod' } },
        { name: 'a-us-prod-web', cluster: { name: 'a-us-prod' } },
      ],
      clusters: [
        { cluster: { name: 'a-eu-dev' }, deleted: 1, unchanged: 0 },
        { cluster: { name: 'a-eu-prod' }, deleted: 0, unchanged: 1 },
        { cluster: { name: 'a-us-prod' }, deleted: 0, unchanged: 1 },
      ],
    });
    const createOnly = prodOnly.replace(
      'spec:\n  goTemplate: true',
      'spec:\n  syncPolicy:\n    applicationsSync: create-only\n  goTemplate: true',
    );
    expect(await preview(createOnly)).toMatchObject({
      deleted: [],
      skipped: { updates: [], deletions: [{ name: 'a-eu-dev-web' }] },
    });
  });

  it('previews rule violations and failures without writing', async () => {
    const foreign = await preview(
      manifestYaml('foreign').replace('github.com/team-a/', 'github.com/elsewhere/'),
    );
    expect(foreign['ok']).toBe(true);
    expect(foreign['created']).toEqual([]);
    expect(foreign['violations']).toEqual([
      { application: 'a-eu-dev-foreign', cluster: 'a-eu-dev', rule: 'source' },
      { application: 'a-eu-prod-foreign', cluster: 'a-eu-prod', rule: 'source' },
      { application: 'a-us-prod-foreign', cluster: 'a-us-prod', rule: 'source' },
    ]);
    const git = manifestYaml('from-git').replace(
      '- clusters: {}',
      `- git:\n        repoURL: https://github.com/team-a/apps.git\n        revision: HEAD\n        directories:\n          - path: '*'`,
    );
    expect(await preview(git)).toMatchObject({
      ok: false,
      failure: { reason: 'GitError' },
      created: [],
    });
    const bad = await hub.graphql(
      PREVIEW,
      {
        tenant: 'team-a',
        manifest: manifestYaml('x').replace('apiVersion: argoproj.io/v1alpha1', 'apiVersion: v1'),
      },
      users.alice,
    );
    expect(bad.body.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'manifest.apiVersion',
    });
    // Viewers may not preview (it needs the right the write would need).
    const vic = await hub.graphql(
      PREVIEW,
      { tenant: 'team-a', manifest: manifestYaml('web') },
      users.vic,
    );
    expect(code(vic)).toBe('FORBIDDEN');
    const missingTenant = await hub.graphql(
      PREVIEW,
      { tenant: 'team-z', manifest: manifestYaml('web') },
      users.root,
    );
    expect(code(missingTenant)).toBe('NOT_FOUND');
  });

  it('shows what the cluster should run and what it reports: rendering, status, problems, drift', async () => {
    const id = apps['a-eu-prod-web']!;
    const get = async (token = users.alice) =>
      data<{ delivery: Record<string, unknown>; history: { edges: { node: { type: string } }[] } }>(
        await hub.graphql(DELIVERY, { id }, token),
        'application',
      );
    expect((await get()).delivery).toEqual({
      commit: null,
      bundleId: null,
      renderedAt: null,
      renderFailure: null,
      status: null,
      lastDrift: null,
    });
    const commit = 'a'.repeat(40);
    const bundleId = 'b'.repeat(64);
    const { rows } = await poolOf(hub).query<{ digest: string }>(
      'SELECT digest FROM applications_v1 WHERE id = $1',
      [id],
    );
    const digest = rows[0]!.digest;
    const clusterId = clusters['a-eu-prod']!;
    const ref = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'web', name: 'web' };
    const events: DeliveryEvent[] = [
      {
        type: 'ApplicationRendered',
        data: {
          clusterId,
          digest,
          targetRevision: 'v1',
          commit,
          bundleId,
          sourceType: 'Directory',
          objectCount: 2,
          namespace: 'web',
          prune: true,
          selfHeal: false,
        },
      },
      {
        type: 'ApplicationStatusChanged',
        data: {
          clusterId,
          commit,
          bundleId,
          sync: 'OutOfSync',
          health: 'Degraded',
          message: '',
          resourceCount: 2,
          problems: [
            {
              ...ref,
              sync: 'OutOfSync',
              health: 'Degraded',
              message: 'progress deadline exceeded',
            },
          ],
          observedAt: '2026-11-29T01:00:00.000Z',
          reporter: 'agent',
        },
      },
      {
        type: 'ApplicationDriftDetected',
        data: {
          clusterId,
          resources: [{ ...ref, diff: 'spec.replicas:\n- 2\n+ 5' }],
          corrected: false,
          observedAt: '2026-11-29T01:00:01.000Z',
        },
      },
      {
        type: 'ApplicationRenderFailed',
        data: {
          clusterId,
          digest,
          targetRevision: 'v1',
          commit: null,
          code: 'RepositoryUnreachable',
          message: 'https://github.com/team-a/apps.git did not answer',
        },
      },
    ];
    await storeOf(hub).append(deliveryStream(id), 'no_stream', events, {
      actor: 'system:renderer',
      tenantId: 'team-a',
    });
    await settle(hub);
    const shown = await get();
    expect(shown.delivery).toMatchObject({
      commit,
      bundleId,
      renderFailure: { code: 'RepositoryUnreachable' },
      status: {
        commit,
        sync: 'OutOfSync',
        health: 'Degraded',
        resourceCount: 2,
        observedAt: '2026-11-29T01:00:00.000Z',
        problems: [{ ...ref, sync: 'OutOfSync', health: 'Degraded' }],
      },
      lastDrift: { corrected: false, resources: [{ kind: 'Deployment', name: 'web' }] },
    });
    // The history spans the Application's stream and its delivery stream, newest first.
    expect(shown.history.edges.map((e) => e.node.type)).toEqual([
      'ApplicationRenderFailed',
      'ApplicationDriftDetected',
      'ApplicationStatusChanged',
      'ApplicationRendered',
      'ApplicationCreated',
    ]);
    // Another tenant sees none of it.
    const other = await hub.graphql(DELIVERY, { id }, users.mallory);
    expect(code(other)).toBe('NOT_FOUND');

    // Filtered by what clusters report: not reported yet counts as Unknown.
    const LIST = `query($filter: ApplicationFilter) { applications(filter: $filter, first: 100) {
      totalCount edges { node { name } } } }`;
    const names = async (filter: Record<string, unknown>, token = users.alice) =>
      data<{ totalCount: number; edges: { node: { name: string } }[] }>(
        await hub.graphql(LIST, { filter }, token),
        'applications',
      );
    const all = await names({});
    expect(await names({ health: 'Degraded' })).toEqual({
      totalCount: 1,
      edges: [{ node: { name: 'a-eu-prod-web' } }],
    });
    expect(await names({ sync: 'OutOfSync', health: 'Degraded' })).toMatchObject({ totalCount: 1 });
    expect((await names({ sync: 'Synced' })).totalCount).toBe(0);
    expect((await names({ health: 'Unknown' })).totalCount).toBe(all.totalCount - 1);
    // Another tenant filtering on the same health finds nothing of team-a's.
    expect((await names({ health: 'Degraded' }, users.mallory)).totalCount).toBe(0);
    const bad = await hub.graphql(LIST, { filter: { health: 'Great' } }, users.alice);
    expect(JSON.stringify(bad.body.errors)).toContain('Great');

    // The fleet summary counts them: overall, per ApplicationSet, and per region.
    const SUMMARY = `{ fleetSummary(groupBy: "region") {
      overall { applications { total byHealth { status count } bySync { status count } } }
      applicationSets { name tenant applications { total byHealth { status count } } }
      groups { value clusters applications { total byHealth { status count } } } } }`;
    const summary = async (token: string) =>
      data<{
        overall: { applications: Counts & { bySync: { status: string; count: number }[] } };
        applicationSets: { name: string; tenant: string; applications: Counts }[];
        groups: { value: string | null; clusters: number; applications: Counts }[];
      }>(await hub.graphql(SUMMARY, {}, token), 'fleetSummary');
    type Counts = { total: number; byHealth: { status: string; count: number }[] };
    const health = (c: Counts) =>
      Object.fromEntries(c.byHealth.filter((h) => h.count > 0).map((h) => [h.status, h.count]));
    const mine = await summary(users.alice);
    expect(mine.overall.applications.total).toBe(4);
    expect(health(mine.overall.applications)).toEqual({ Degraded: 1, Unknown: 3 });
    expect(mine.overall.applications.bySync.map((b) => b.status)).toEqual([
      'Synced',
      'OutOfSync',
      'Unknown',
    ]);
    expect(
      mine.applicationSets.map((a) => [a.name, a.applications.total, health(a.applications)]),
    ).toEqual([
      ['api', 1, { Unknown: 1 }],
      ['web', 3, { Degraded: 1, Unknown: 2 }],
    ]);
    expect(
      mine.groups.map((g) => [g.value, g.clusters, g.applications.total, health(g.applications)]),
    ).toEqual([
      ['eu', 2, 3, { Degraded: 1, Unknown: 2 }],
      ['us', 1, 1, { Unknown: 1 }],
    ]);
    // Another tenant's summary holds only its own ApplicationSet.
    const theirs = await summary(users.mallory);
    expect(theirs.applicationSets.map((a) => a.name)).toEqual(['shop']);
    expect(health(theirs.overall.applications)).toEqual({ Unknown: 1 });
  });

  it('lists which Applications put which objects on which clusters, only within your tenants', async () => {
    const bundle = 'c'.repeat(64);
    await storeBundle(bundle, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'other' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'reader' },
      },
    ]);
    const progressing = {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'web',
      name: 'web',
      sync: 'Synced' as const,
      health: 'Progressing' as const,
      message: 'rollout in progress',
    };
    await render('a-us-prod-web', 'a-us-prod', bundle, 'web', [progressing]);
    await render('b-eu-prod-shop', 'b-eu-prod', bundle, 'web', [progressing]);
    await settle(hub);
    const roles = await resources({ kind: 'ClusterRole' });
    expect(roles.edges.map((e) => e.node)).toEqual([
      {
        group: 'rbac.authorization.k8s.io',
        version: 'v1',
        kind: 'ClusterRole',
        namespace: '',
        name: 'reader',
        problem: null,
        application: { name: 'a-us-prod-web', cluster: { name: 'a-us-prod' } },
      },
    ]);
    // The Deployment lands in the destination namespace, and carries what the cluster reports.
    const deployments = await resources({ kind: 'Deployment', selector: 'region=us' });
    expect(deployments.edges.map((e) => [e.node.namespace, e.node.problem])).toEqual([
      ['web', { health: 'Progressing', message: 'rollout in progress' }],
    ]);
    expect((await resources({ kind: 'Deployment', selector: 'region=eu' })).totalCount).toBe(0);
    expect(
      (await resources({ kind: 'ConfigMap', namespace: 'other', name: 'cfg' })).totalCount,
    ).toBe(1);
    expect((await resources({ kind: 'ConfigMap', namespace: 'web' })).totalCount).toBe(0);
    // The other tenant sees only its own Application's objects; the first only its own.
    const theirs = await resources({ kind: 'ClusterRole' }, users.mallory);
    expect(theirs.edges.map((e) => e.node.application.name)).toEqual(['b-eu-prod-shop']);
    expect(
      (await resources({ kind: 'ClusterRole', tenant: 'team-b' }, users.alice)).totalCount,
    ).toBe(0);
    // Pages follow the cursor; bad input names the field.
    const first = await resources({ kind: 'ClusterRole' }, users.root, { first: 1 });
    expect(first).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    const second = await resources({ kind: 'ClusterRole' }, users.root, {
      first: 1,
      after: first.pageInfo.endCursor,
    });
    expect([...first.edges, ...second.edges].map((e) => e.node.application.name)).toEqual([
      'a-us-prod-web',
      'b-eu-prod-shop',
    ]);
    const bad = await hub.graphql(RESOURCES, { filter: { kind: ' ' } }, users.alice);
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ field: 'filter.kind' });
    const badCursor = await hub.graphql(
      RESOURCES,
      { filter: { kind: 'ClusterRole' }, after: 'nope' },
      users.alice,
    );
    expect(badCursor.body.errors?.[0]?.extensions).toMatchObject({ field: 'after' });
  });

  it('streams status changes to subscribers who may see the Application, throttled to the latest', async () => {
    const subscribe = (token: string, query: string) => subscribeOver(hub, token, query);
    const SUB = `subscription { applicationStatusChanged(selector: "region=eu", throttleMs: 300) {
      name tenant clusterName sync health message } }`;
    const alice = subscribe(users.alice, SUB);
    const mallory = subscribe(users.mallory, SUB);
    const feed = hub.app.get(ApplicationStatusFeed);
    for (const until = Date.now() + 5_000; feed.subscribers < 2 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 10));
    expect(feed.subscribers).toBe(2);
    const report = (
      app: string,
      cluster: string,
      health: 'Progressing' | 'Healthy',
    ): DeliveryEvent => ({
      type: 'ApplicationStatusChanged',
      data: {
        clusterId: clusters[cluster]!,
        commit: 'e'.repeat(40),
        bundleId: 'f'.repeat(64),
        sync: 'Synced',
        health,
        message: health === 'Healthy' ? '' : 'rolling out',
        resourceCount: 1,
        problems: [],
        observedAt: new Date().toISOString(),
        reporter: 'agent',
      },
    });
    const append = (app: string, tenant: string, events: DeliveryEvent[]) =>
      storeOf(hub).append(deliveryStream(apps[app]!), 'any', events, {
        actor: 'agent:test',
        tenantId: tenant,
      });
    // Two changes of one Application within the window: only the latest is sent.
    await append('a-eu-dev-web', 'team-a', [report('a-eu-dev-web', 'a-eu-dev', 'Progressing')]);
    await append('a-eu-dev-web', 'team-a', [report('a-eu-dev-web', 'a-eu-dev', 'Healthy')]);
    // Outside the selector (region=us): not sent.
    await append('a-us-prod-web', 'team-a', [report('a-us-prod-web', 'a-us-prod', 'Healthy')]);
    // team-b's, in region=eu: only its own tenant's subscriber sees it.
    await append('b-eu-prod-shop', 'team-b', [report('b-eu-prod-shop', 'b-eu-prod', 'Healthy')]);
    const deadline = Date.now() + 5_000;
    while ((alice.seen.length < 1 || mallory.seen.length < 1) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    await alice.close();
    await mallory.close();
    expect(alice.seen).toEqual([
      {
        applicationStatusChanged: {
          name: 'a-eu-dev-web',
          tenant: 'team-a',
          clusterName: 'a-eu-dev',
          sync: 'Synced',
          health: 'Healthy',
          message: '',
        },
      },
    ]);
    expect(mallory.seen).toEqual([
      { applicationStatusChanged: expect.objectContaining({ name: 'b-eu-prod-shop' }) },
    ]);
  });

  it('answers an Application as it was at a moment, from the log, also after its deletion', async () => {
    const AS_OF = `query($id: ID!, $asOf: DateTime) { application(id: $id, asOf: $asOf) {
      name namespace cluster { name labels } delivery { status { health message } } } }`;
    const at = async (id: string, asOf: Date | null, token = users.alice) =>
      hub.graphql(AS_OF, { id, asOf: asOf?.toISOString() ?? null }, token);
    const pause = () => new Promise((r) => setTimeout(r, 30));
    const id = apps['a-eu-prod-api']!;
    const status = (health: 'Progressing' | 'Healthy'): DeliveryEvent => ({
      type: 'ApplicationStatusChanged',
      data: {
        clusterId: clusters['a-eu-prod']!,
        commit: 'e'.repeat(40),
        bundleId: 'f'.repeat(64),
        sync: 'Synced',
        health,
        message: health,
        resourceCount: 1,
        problems: [],
        observedAt: new Date().toISOString(),
        reporter: 'agent',
      },
    });
    const meta = { actor: 'agent:test', tenantId: 'team-a' };
    await pause();
    const beforeStatus = new Date();
    await pause();
    await storeOf(hub).append(deliveryStream(id), 'any', [status('Progressing')], meta);
    await pause();
    const progressing = new Date();
    await pause();
    await storeOf(hub).append(deliveryStream(id), 'any', [status('Healthy')], meta);
    await pause();
    const health = async (when: Date | null) =>
      (
        data<{ delivery: { status: { health: string } | null } }>(await at(id, when), 'application')
          .delivery.status ?? { health: null }
      ).health;
    expect(await health(beforeStatus)).toBeNull();
    expect(await health(progressing)).toBe('Progressing');
    expect(await health(new Date())).toBe('Healthy');
    expect(await health(null)).toBe('Healthy');
    const shown = data<{ name: string; cluster: { name: string; labels: unknown } }>(
      await at(id, progressing),
      'application',
    );
    expect(shown).toMatchObject({
      name: 'a-eu-prod-api',
      cluster: { name: 'a-eu-prod', labels: { env: 'prod', region: 'eu' } },
    });

    // Deleted since: still answered as it was, and refused after, saying when it went.
    const deletedApp = apps['a-eu-prod-web']!;
    await storeOf(hub).append(
      applicationStream(deletedApp),
      'any',
      [
        {
          type: 'ApplicationDeleted',
          data: { applicationSetId: sets['web']!, preserveResources: false, reason: 'Pruned' },
        },
      ],
      meta,
    );
    await settle(hub);
    expect(code(await hub.graphql(AS_OF, { id: deletedApp }, users.alice))).toBe('NOT_FOUND');
    expect(data<{ name: string }>(await at(deletedApp, progressing), 'application').name).toBe(
      'a-eu-prod-web',
    );
    const gone = await at(deletedApp, new Date());
    expect(code(gone)).toBe('NOT_FOUND');
    expect(gone.body.errors?.[0]?.message).toMatch(/was deleted at/);

    // Before it existed, another tenant, the future, a made-up id: refused alike or by field.
    expect(code(await at(id, new Date('2020-01-01T00:00:00Z')))).toBe('NOT_FOUND');
    const theirs = await at(deletedApp, progressing, users.mallory);
    expect(code(theirs)).toBe('NOT_FOUND');
    expect(theirs.body.errors?.[0]?.message).not.toMatch(/deleted/);
    expect(
      (await at(id, new Date(Date.now() + 3_600_000))).body.errors?.[0]?.extensions,
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'asOf',
    });
    expect(code(await at('not-an-id', progressing))).toBe('NOT_FOUND');
  });

  it("reads a list's histories in one statement, each Application's own", async () => {
    const store = storeOf(hub);
    const spy = jest.spyOn(store, 'readLatestPerGroup');
    const readAll = jest.spyOn(store, 'readAll');
    try {
      const res = await hub.graphql(
        `{ applications(filter: { tenant: "team-a" }, first: 10) { edges { node { id name
            history(first: 2) { edges { node { type streamId } } } } } } }`,
        {},
        users.alice,
      );
      const nodes = data<{
        edges: {
          node: { id: string; name: string; history: { edges: { node: { streamId: string } }[] } };
        }[];
      }>(res, 'applications').edges.map((e) => e.node);
      expect(nodes.length).toBeGreaterThan(2);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(readAll).not.toHaveBeenCalled();
      for (const n of nodes) {
        expect(n.history.edges.length).toBeGreaterThan(0);
        for (const e of n.history.edges)
          expect([`application-${n.id}`, `delivery-${n.id}`]).toContain(e.node.streamId);
      }
    } finally {
      spy.mockRestore();
      readAll.mockRestore();
    }
  });

  it('counts and pages objects across bundles, filters and tenants (after a deletion)', async () => {
    // a-eu-prod-web was deleted above; team-a runs a-us-prod-web (the first bundle) and, now,
    // a-eu-dev-web and a-eu-prod-api (this one); team-b's shop moves to this one too.
    const bundle = 'd'.repeat(64);
    await storeBundle(bundle, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg-1', namespace: 'other' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg-2' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg-3' } },
      // Same kind name in another group: namespaced (not a built-in cluster-scoped kind).
      { apiVersion: 'example.com/v1', kind: 'ClusterRole', metadata: { name: 'r-1' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'r-1' },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'r-2' },
      },
    ]);
    await render('a-eu-dev-web', 'a-eu-dev', bundle, 'web');
    await render('a-eu-prod-api', 'a-eu-prod', bundle, 'api', [
      {
        group: '',
        version: 'v1',
        kind: 'ConfigMap',
        namespace: 'api',
        name: 'cfg-2',
        sync: 'OutOfSync',
        health: null,
        message: 'data differs',
      },
    ]);
    await render('a-eu-prod-web', 'a-eu-prod', bundle, 'web'); // deleted: never shown
    await render('b-eu-prod-shop', 'b-eu-prod', bundle, 'shop');
    await settle(hub);

    const configMaps = [
      'a-eu-dev-web /ConfigMap other/cfg-1',
      'a-eu-dev-web /ConfigMap web/cfg-2',
      'a-eu-dev-web /ConfigMap web/cfg-3',
      'a-eu-prod-api /ConfigMap api/cfg-2',
      'a-eu-prod-api /ConfigMap api/cfg-3',
      'a-eu-prod-api /ConfigMap other/cfg-1',
      'a-us-prod-web /ConfigMap other/cfg',
    ];
    // Every page of 2 carries the total; together they are the one big page, in order.
    expect(await walk({ kind: 'ConfigMap' }, users.alice, 2)).toEqual(configMaps);
    expect(await walk({ kind: 'ConfigMap' }, users.alice, 50)).toEqual(configMaps);
    const problem = (await resources({ kind: 'ConfigMap', name: 'cfg-2' })).edges.map((e) => [
      e.node.application.name,
      e.node.problem,
    ]);
    expect(problem).toEqual([
      ['a-eu-dev-web', null],
      ['a-eu-prod-api', { health: null, message: 'data differs' }],
    ]);

    // Namespace: the object's own, else the destination; '' for a cluster-scoped kind.
    const inNamespace = (namespace: string) =>
      configMaps.filter((o) => o.includes(` ${namespace}/`));
    for (const namespace of ['web', 'api', 'other', 'nowhere'])
      expect(await walk({ kind: 'ConfigMap', namespace }, users.alice, 2)).toEqual(
        inNamespace(namespace),
      );
    const roles = [
      'a-eu-dev-web example.com/ClusterRole web/r-1',
      'a-eu-dev-web rbac.authorization.k8s.io/ClusterRole /r-1',
      'a-eu-dev-web rbac.authorization.k8s.io/ClusterRole /r-2',
      'a-eu-prod-api example.com/ClusterRole api/r-1',
      'a-eu-prod-api rbac.authorization.k8s.io/ClusterRole /r-1',
      'a-eu-prod-api rbac.authorization.k8s.io/ClusterRole /r-2',
      'a-us-prod-web rbac.authorization.k8s.io/ClusterRole /reader',
    ];
    expect(await walk({ kind: 'ClusterRole' }, users.alice, 3)).toEqual(roles);
    const only = (...parts: string[]) => roles.filter((r) => parts.every((p) => r.includes(p)));
    expect(await walk({ kind: 'ClusterRole', group: 'example.com' }, users.alice, 1)).toEqual(
      only('example.com'),
    );
    expect(await walk({ kind: 'ClusterRole', namespace: '' }, users.alice, 2)).toEqual(
      only('rbac'),
    );
    expect(await walk({ kind: 'ClusterRole', name: 'r-1' }, users.alice, 3)).toEqual(only('/r-1'));
    expect(
      await walk({ kind: 'ClusterRole', name: 'r-1', namespace: 'api' }, users.alice, 1),
    ).toEqual(only('api/r-1'));
    expect(
      await walk(
        { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', name: 'r-2' },
        users.alice,
        1,
      ),
    ).toEqual(only('/r-2'));
    expect(await walk({ kind: 'Secret' }, users.alice, 2)).toEqual([]);

    // A label selector on the cluster, alone and with the other filters.
    const on = (...apps: string[]) => configMaps.filter((o) => apps.some((a) => o.startsWith(a)));
    expect(await walk({ kind: 'ConfigMap', selector: 'env=prod' }, users.alice, 1)).toEqual(
      on('a-eu-prod-api', 'a-us-prod-web'),
    );
    expect(await walk({ kind: 'ConfigMap', selector: 'region=eu' }, users.alice, 4)).toEqual(
      on('a-eu-dev-web', 'a-eu-prod-api'),
    );
    expect(
      await walk(
        { kind: 'ConfigMap', selector: 'env=prod,region=eu', namespace: 'other' },
        users.alice,
        1,
      ),
    ).toEqual(['a-eu-prod-api /ConfigMap other/cfg-1']);
    expect(await walk({ kind: 'ConfigMap', selector: 'env in (dev)' }, users.alice, 2)).toEqual(
      on('a-eu-dev-web'),
    );

    // Tenants: another tenant's objects are never counted nor shown, whatever the filter.
    const shop = [
      'b-eu-prod-shop /ConfigMap other/cfg-1',
      'b-eu-prod-shop /ConfigMap shop/cfg-2',
      'b-eu-prod-shop /ConfigMap shop/cfg-3',
    ];
    expect(await walk({ kind: 'ConfigMap' }, users.mallory, 2)).toEqual(shop);
    expect(await walk({ kind: 'ConfigMap', namespace: 'other' }, users.mallory, 1)).toEqual(
      shop.slice(0, 1),
    );
    expect(await walk({ kind: 'ConfigMap', selector: 'region=eu' }, users.mallory, 2)).toEqual(
      shop,
    );
    expect(await walk({ kind: 'ConfigMap', tenant: 'team-b' }, users.alice, 2)).toEqual([]);
    expect(await walk({ kind: 'ConfigMap', tenant: 'team-a' }, users.mallory, 2)).toEqual([]);
    expect(await walk({ kind: 'ConfigMap' }, users.root, 3)).toEqual([...configMaps, ...shop]);
    expect(await walk({ kind: 'ConfigMap', tenant: 'team-b' }, users.root, 3)).toEqual(shop);
  });
});
