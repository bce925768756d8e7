import { applicationStream, deliveryStream, type DeliveryEvent } from '@flotilla/domain';
import {
  ProjectionRunner,
  type EventStore,
  type Projection,
  type ProjectionTarget,
} from '@flotilla/event-store';
import { fleetHistoryProjection } from '@flotilla/projections';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import {
  appendApplication,
  generatedSpec,
  manifestYaml,
  poolOf,
  settle,
  storeOf,
} from '../application-sets/application-sets.fixture';
import { createTenants, fleetTokens, issueToken, registerAgent } from '../testing/fleet-fixture';
import { startTestHub, type TestHub } from '../testing/test-hub';

const CREATE = `mutation($tenant: String!, $manifest: String!) {
  createApplicationSet(tenant: $tenant, manifest: $manifest) { id } }`;
const COUNTS = `clusters byConnectivity { connectivity count } byKubernetesVersion { version count }
  applications { total bySync { status count } byHealth { status count } }`;
const SUMMARY = `query($asOf: DateTime, $groupBy: String) {
  fleetSummary(asOf: $asOf, groupBy: $groupBy) {
    overall { ${COUNTS} }
    tenants { tenant ${COUNTS} }
    applicationSets { applicationSetId tenant name applications { total byHealth { status count } } }
    groups { value ${COUNTS} } } }`;

type Result = Awaited<ReturnType<TestHub['graphql']>>;
const pause = () => new Promise((r) => setTimeout(r, 20));

/**
 * `fleetSummary` counts the fleet history (folded from the log). At every moment the test passes
 * through, the summary captured live then must equal the one asked for later with `asOf` that
 * moment: before anything, after the fleet was built, and after statuses, labels, versions,
 * connectivity, a deletion and a deregistration changed it; and the live one must agree with the
 * read models' own lists (clusters and Applications by health and label).
 */
describe('fleetSummary(asOf:) through GraphQL', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let users: Awaited<ReturnType<typeof fleetTokens>>;
  const clusters: Record<string, string> = {};
  const apps: Record<string, string> = {};
  const data = <T>(res: Result, key: string): T => {
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data?.[key] as T;
  };
  const summary = async (token: string, asOf?: Date, groupBy: string | null = 'region') =>
    data<Record<string, unknown>>(
      await hub.graphql(SUMMARY, { asOf: asOf?.toISOString() ?? null, groupBy }, token),
      'fleetSummary',
    );
  let empty: Date;

  beforeAll(async () => {
    db = await createTestDatabase('fleet_as_of');
    hub = await startTestHub(db.url);
    users = await fleetTokens();
    await createTenants(hub, users.root, ['team-a', 'team-b']);
    empty = new Date();
    await pause();
    const a = await issueToken(hub, users.alice, { tenant: 'team-a', maxUses: 10 });
    const b = await issueToken(hub, users.mallory, { tenant: 'team-b', maxUses: 10 });
    const fleet: [string, string, Record<string, string>][] = [
      ['a-eu-prod', a.value, { env: 'prod', region: 'eu' }],
      ['a-us-prod', a.value, { env: 'prod', region: 'us' }],
      ['a-edge', a.value, { env: 'edge' }], // no region label
      ['b-eu-prod', b.value, { env: 'prod', region: 'eu' }],
    ];
    for (const [name, token, labels] of fleet)
      clusters[name] = (await registerAgent(hub, token, name, { labels })).clusterId;
    const sets: Record<string, string> = {};
    for (const [tenant, name, token] of [
      ['team-a', 'web', users.alice],
      ['team-b', 'shop', users.mallory],
    ] as const) {
      const res = await hub.graphql(
        CREATE,
        { tenant, manifest: manifestYaml(name, 'v1', tenant) },
        token,
      );
      sets[name] = data<{ id: string }>(res, 'createApplicationSet').id;
    }
    for (const [set, tenant, cluster] of [
      ['web', 'team-a', 'a-eu-prod'],
      ['web', 'team-a', 'a-us-prod'],
      ['web', 'team-a', 'a-edge'],
      ['shop', 'team-b', 'b-eu-prod'],
    ] as const) {
      apps[cluster] = await appendApplication(hub, {
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

  const status = async (cluster: string, health: 'Healthy' | 'Degraded', tenant = 'team-a') => {
    const event: DeliveryEvent = {
      type: 'ApplicationStatusChanged',
      data: {
        clusterId: clusters[cluster]!,
        commit: null,
        bundleId: null,
        sync: health === 'Healthy' ? 'Synced' : 'OutOfSync',
        health,
        message: '',
        resourceCount: 1,
        problems: [],
        observedAt: new Date().toISOString(),
        reporter: 'agent',
      },
    };
    await storeOf(hub).append(deliveryStream(apps[cluster]!), 'any', [event], {
      actor: `agent:${cluster}`,
      tenantId: tenant,
    });
  };

  it('answers every moment as the present answered it then, for each tenant and grouping', async () => {
    await status('a-eu-prod', 'Healthy');
    await status('a-edge', 'Degraded');
    await settle(hub);
    const built = {
      root: await summary(users.root),
      alice: await summary(users.alice),
      mallory: await summary(users.mallory),
      ungrouped: await summary(users.root, undefined, null),
    };
    const t1 = new Date();
    await pause();

    // Things change: statuses, a relabelled cluster, a new version, a cluster going Offline,
    // an Application deleted and a cluster deregistered.
    await status('a-eu-prod', 'Degraded');
    await status('a-us-prod', 'Healthy');
    const LABELS = `mutation($id: String!, $labels: JSONObject!) {
      updateClusterLabels(id: $id, labels: $labels) { id } }`;
    data(
      await hub.graphql(
        LABELS,
        { id: clusters['a-us-prod'], labels: { env: 'prod', region: 'eu' } },
        users.alice,
      ),
      'updateClusterLabels',
    );
    const store = storeOf(hub);
    const meta = { actor: 'system:worker', tenantId: 'team-a' };
    await store.append(
      `cluster-${clusters['a-eu-prod']}`,
      'any',
      [
        { type: 'ClusterFactsChanged', data: { kubernetesVersion: 'v1.31.2' } },
        {
          type: 'ClusterConnectivityChanged',
          data: { from: 'Ready', to: 'Offline', at: new Date().toISOString(), missedIntervals: 5 },
        },
      ],
      meta,
    );
    await store.append(
      applicationStream(apps['a-edge']!),
      'any',
      [
        {
          type: 'ApplicationDeleted',
          data: {
            applicationSetId: (
              built.root['applicationSets'] as { applicationSetId: string; name: string }[]
            ).find((s) => s.name === 'web')!.applicationSetId,
            preserveResources: false,
            reason: 'Pruned',
          },
        },
      ],
      meta,
    );
    const DEREGISTER = `mutation($id: String!) { deregisterCluster(id: $id) { id } }`;
    data(
      await hub.graphql(DEREGISTER, { id: clusters['b-eu-prod'] }, users.mallory),
      'deregisterCluster',
    );
    await settle(hub);
    const changed = {
      root: await summary(users.root),
      alice: await summary(users.alice),
      mallory: await summary(users.mallory),
      ungrouped: await summary(users.root, undefined, null),
    };
    const t2 = new Date();
    expect(changed.root).not.toEqual(built.root);

    for (const [at, expected] of [
      [t1, built],
      [t2, changed],
    ] as const) {
      const when = at === t1 ? 'built' : 'changed';
      expect({ when, root: await summary(users.root, at) }).toEqual({ when, root: expected.root });
      expect({ when, alice: await summary(users.alice, at) }).toEqual({
        when,
        alice: expected.alice,
      });
      expect({ when, mallory: await summary(users.mallory, at) }).toEqual({
        when,
        mallory: expected.mallory,
      });
      expect({ when, ungrouped: await summary(users.root, at, null) }).toEqual({
        when,
        ungrouped: expected.ungrouped,
      });
    }

    // Now, the summary (from the fleet history) agrees with the read models' lists.
    const LISTS = `query($health: HealthStatus, $selector: String) {
      clusters(filter: { selector: $selector }) { totalCount }
      applications(filter: { health: $health, selector: $selector }) { totalCount } }`;
    const listed = async (health: string | null, selector: string | null) => {
      const res = await hub.graphql(LISTS, { health, selector }, users.root);
      if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
      const d = res.body.data as {
        clusters: { totalCount: number };
        applications: { totalCount: number };
      };
      return { clusters: d.clusters.totalCount, applications: d.applications.totalCount };
    };
    type Counted = {
      clusters: number;
      applications: { total: number; byHealth: { status: string; count: number }[] };
    };
    const overall = changed.root['overall'] as Counted;
    expect((await listed(null, null)).clusters).toBe(overall.clusters);
    expect((await listed(null, null)).applications).toBe(overall.applications.total);
    for (const { status, count } of overall.applications.byHealth)
      expect({ status, count: (await listed(status, null)).applications }).toEqual({
        status,
        count,
      });
    for (const g of changed.root['groups'] as (Counted & { value: string | null })[]) {
      const selector = g.value === null ? '!region' : `region=${g.value}`;
      expect({ selector, clusters: (await listed(null, selector)).clusters }).toEqual({
        selector,
        clusters: g.clusters,
      });
    }

    // Spot checks of what those answers say.
    const groups = (s: Record<string, unknown>) =>
      (
        s['groups'] as { value: string | null; clusters: number; applications: { total: number } }[]
      ).map((g) => [g.value, g.clusters, g.applications.total]);
    expect(groups(built.alice)).toEqual([
      ['eu', 1, 1],
      ['us', 1, 1],
      [null, 1, 1],
    ]);
    expect(groups(changed.alice)).toEqual([
      ['eu', 2, 2],
      [null, 1, 0],
    ]);
    expect((changed.mallory['overall'] as { clusters: number }).clusters).toBe(0);

    // The history rebuilt from zero (small batches) equals the one kept live.
    let compared = 0;
    await new ProjectionRunner(
      poolOf(hub),
      storeOf(hub) as EventStore<never>,
      fleetHistoryProjection as Projection<never>,
      null,
      { batchSize: 3 },
    ).rebuild(async (tx, live: ProjectionTarget, rebuilt: ProjectionTarget) => {
      for (const [table, key] of [
        ['cluster_history', 'cluster_id, from_pos'],
        ['application_history', 'application_id, from_pos'],
        ['application_set_names', 'application_set_id'],
        ['application_counts', 'tenant, label_key, application_set_id, label_value, sync, health'],
      ] as const) {
        const dump = (t: ProjectionTarget) =>
          tx.query(`SELECT * FROM ${t.table(table)} ORDER BY ${key}`).then((r) => r.rows);
        const rows = await dump(live);
        expect(await dump(rebuilt)).toEqual(rows);
        compared += rows.length;
      }
    });
    expect(compared).toBeGreaterThan(10);

    // Before the fleet existed: the tenants, with nothing in them.
    const before = await summary(users.root, empty);
    expect(before['overall']).toMatchObject({ clusters: 0, applications: { total: 0 } });
    expect((before['tenants'] as { tenant: string }[]).map((t) => t.tenant)).toEqual([
      'team-a',
      'team-b',
    ]);
  });

  it('refuses a moment in the future, naming asOf', async () => {
    const res = await hub.graphql(
      SUMMARY,
      { asOf: new Date(Date.now() + 60_000).toISOString(), groupBy: null },
      users.root,
    );
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'asOf: must not be in the future',
      extensions: { code: 'BAD_USER_INPUT', field: 'asOf' },
    });
  });
});
