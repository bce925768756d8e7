import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import {
  createTenants,
  FACTS,
  fleetTokens,
  heartbeat,
  issueToken,
  registerAgent,
  subscribeOver,
} from '../testing/fleet-fixture';
import { startTestHub, type TestHub } from '../testing/test-hub';
import { ClusterChangeFeed } from './cluster-change.feed';
import { FleetRuntime } from './fleet-runtime';

const LIST = `query($filter: ClusterFilter, $first: Int, $after: String) {
  clusters(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { name tenant labels connectivity mode facts { kubernetesVersion nodeCount } } }
    pageInfo { hasNextPage endCursor } } }`;
const GET = `query($id: String!) { cluster(id: $id) { id name tenant labels connectivity lastHeartbeatAt
  agentStatus { state message } credentialExpiresAt deregisteredAt
  history { edges { node { type actor } } } } }`;
const LABELS = `mutation($id: String!, $labels: JSONObject!) { updateClusterLabels(id: $id, labels: $labels) { labels version } }`;
const DEREGISTER = `mutation($id: String!) { deregisterCluster(id: $id, reason: "decommissioned") { deregisteredAt } }`;
const SUMMARY = `query($tenant: String) { fleetSummary(tenant: $tenant) {
  overall { clusters byConnectivity { connectivity count } byKubernetesVersion { version count } byKubernetesMinor { version count } }
  tenants { tenant clusters } } }`;

type Node = { name: string; tenant: string; labels: Record<string, string> };

describe('clusters through GraphQL', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let users: Awaited<ReturnType<typeof fleetTokens>>;
  const ids: Record<string, { clusterId: string; credential: string }> = {};
  const names = (res: Awaited<ReturnType<TestHub['graphql']>>) =>
    (res.body.data?.['clusters'] as { edges: { node: Node }[] }).edges.map((e) => e.node.name);
  const list = (filter: Record<string, unknown>, token = users.root, first = 50, after?: string) =>
    hub.graphql(LIST, { filter, first, after }, token);
  const code = (res: Awaited<ReturnType<TestHub['graphql']>>) =>
    res.body.errors?.[0]?.extensions?.code ?? 'OK';

  beforeAll(async () => {
    db = await createTestDatabase('clusters');
    hub = await startTestHub(db.url);
    users = await fleetTokens();
    await createTenants(hub, users.root, ['team-a', 'team-b']);
    const a = await issueToken(hub, users.alice, { tenant: 'team-a', maxUses: 10 });
    const b = await issueToken(hub, users.mallory, { tenant: 'team-b', maxUses: 10 });
    const fleet: [string, string, Record<string, string>, string][] = [
      ['a-eu-prod', a.value, { region: 'eu', env: 'prod' }, 'v1.29.3'],
      ['a-eu-dev', a.value, { region: 'eu', env: 'dev' }, 'v1.30.1'],
      ['a-us-prod', a.value, { region: 'us', env: 'prod', canary: 'true' }, 'v1.29.5'],
      ['a-nolabel', a.value, {}, 'v1.28.9'],
      ['b-eu-prod', b.value, { region: 'eu', env: 'prod' }, 'v1.29.3'],
    ];
    for (const [name, token, labels, version] of fleet) {
      ids[name] = await registerAgent(hub, token, name, {
        labels,
        facts: { ...FACTS, kubernetesVersion: version },
      });
    }
  });
  afterAll(async () => {
    await hub.close();
    await db.drop();
  });

  it('lists with Kubernetes selector semantics, search, connectivity and tenant filters', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{}, ['a-eu-dev', 'a-eu-prod', 'a-nolabel', 'a-us-prod', 'b-eu-prod']],
      [{ tenant: 'team-a', selector: 'env=prod' }, ['a-eu-prod', 'a-us-prod']],
      [{ selector: 'env!=prod' }, ['a-eu-dev', 'a-nolabel']],
      [{ selector: 'region in (eu),env notin (dev)' }, ['a-eu-prod', 'b-eu-prod']],
      [{ selector: '!canary,region' }, ['a-eu-dev', 'a-eu-prod', 'b-eu-prod']],
      [{ selector: 'canary' }, ['a-us-prod']],
      [{ selector: '' }, ['a-eu-dev', 'a-eu-prod', 'a-nolabel', 'a-us-prod', 'b-eu-prod']],
      [{ search: 'EU' }, ['a-eu-dev', 'a-eu-prod', 'b-eu-prod']],
      [{ search: '%' }, []],
      [{ connectivity: ['Stale', 'Offline'] }, []],
      [{ connectivity: ['Ready'], tenant: 'team-b' }, ['b-eu-prod']],
      [{ mode: 'kubeconfig' }, []],
    ];
    for (const [filter, expected] of cases) {
      const res = await list(filter);
      expect({ filter, names: names(res) }).toEqual({ filter, names: expected });
      expect((res.body.data?.['clusters'] as { totalCount: number }).totalCount).toBe(
        expected.length,
      );
    }
    const bad = await list({ selector: 'env in (prod' });
    expect(code(bad)).toBe('BAD_USER_INPUT');
    expect(bad.body.errors?.[0]?.extensions?.field).toBe('filter.selector');
  });

  it('pages by tenant/name cursors with a stable totalCount', async () => {
    const first = await list({}, users.root, 2);
    expect(names(first)).toEqual(['a-eu-dev', 'a-eu-prod']);
    const page = first.body.data?.['clusters'] as {
      pageInfo: { endCursor: string; hasNextPage: boolean };
    };
    expect(page.pageInfo).toEqual({ endCursor: 'team-a/a-eu-prod', hasNextPage: true });
    const second = await list({}, users.root, 2, page.pageInfo.endCursor);
    expect(names(second)).toEqual(['a-nolabel', 'a-us-prod']);
    const last = await list({}, users.root, 2, 'team-a/a-us-prod');
    expect(names(last)).toEqual(['b-eu-prod']);
    expect(
      last.body.data?.['clusters'] as { pageInfo: { hasNextPage: boolean }; totalCount: number },
    ).toMatchObject({
      pageInfo: { hasNextPage: false },
      totalCount: 5,
    });
  });

  it('keeps tenants apart: lists, ids, labels and deregistration from the attacker side', async () => {
    expect(names(await list({}, users.mallory))).toEqual(['b-eu-prod']);
    expect(names(await list({ tenant: 'team-a' }, users.mallory))).toEqual([]);
    expect(names(await list({}, users.vic))).toEqual([
      'a-eu-dev',
      'a-eu-prod',
      'a-nolabel',
      'a-us-prod',
    ]);
    const victim = ids['a-eu-prod']!.clusterId;
    for (const [query, vars] of [
      [GET, { id: victim }],
      [LABELS, { id: victim, labels: { env: 'mine' } }],
      [DEREGISTER, { id: victim }],
    ] as const) {
      const res = await hub.graphql(query, vars, users.mallory);
      expect(code(res)).toBe('NOT_FOUND');
    }
    // Members who may see but not change get FORBIDDEN; nothing changed.
    expect(code(await hub.graphql(LABELS, { id: victim, labels: {} }, users.vic))).toBe(
      'FORBIDDEN',
    );
    expect(code(await hub.graphql(DEREGISTER, { id: victim }, users.bob))).toBe('FORBIDDEN');
    expect(code(await hub.graphql(LIST, {}, null))).toBe('UNAUTHENTICATED');
    // The generic history query: the tenant's admin audits its cluster's stream; another
    // tenant's admin gets the NOT_FOUND a missing stream gets.
    const HISTORY = `query($streamId: String!) { history(streamId: $streamId) { edges { node { type } } } }`;
    const own = await hub.graphql(HISTORY, { streamId: `cluster-${victim}` }, users.alice);
    expect(code(own)).toBe('OK');
    expect(
      (own.body.data?.['history'] as { edges: { node: { type: string } }[] }).edges.map(
        (e) => e.node.type,
      ),
    ).toContain('ClusterRegistered');
    for (const streamId of [`cluster-${victim}`, 'cluster-does-not-exist']) {
      const res = await hub.graphql(HISTORY, { streamId }, users.mallory);
      expect({ streamId, code: code(res) }).toEqual({ streamId, code: 'NOT_FOUND' });
    }
    const after = await hub.graphql(GET, { id: victim }, users.alice);
    expect(after.body.data?.['cluster']).toMatchObject({
      labels: { region: 'eu', env: 'prod' },
      deregisteredAt: null,
    });
  });

  it('updates labels with validation naming the key, and records who did it', async () => {
    const id = ids['a-eu-dev']!.clusterId;
    const bad = await hub.graphql(LABELS, { id, labels: { 'bad key': 'x' } }, users.alice);
    expect(code(bad)).toBe('BAD_USER_INPUT');
    expect(bad.body.errors?.[0]?.message).toMatch(/^labels\["bad key"\]: invalid key/);
    const ok = await hub.graphql(
      LABELS,
      { id, labels: { region: 'eu', env: 'staging' } },
      users.alice,
    );
    expect(ok.body.data?.['updateClusterLabels']).toEqual({
      labels: { region: 'eu', env: 'staging' },
      version: 2,
    });
    expect(names(await list({ selector: 'env=staging' }))).toEqual(['a-eu-dev']);
    const got = await hub.graphql(GET, { id }, users.alice);
    expect(got.body.data?.['cluster']).toMatchObject({
      lastHeartbeatAt: expect.any(String),
      agentStatus: { state: 'Running', message: null },
      history: {
        edges: [
          { node: { type: 'ClusterLabelsChanged', actor: 'alice' } },
          { node: { type: 'ClusterRegistered', actor: 'agent:a-eu-dev' } },
        ],
      },
    });
  });

  it('summarises the fleet by connectivity and version, per tenant, only what the caller sees', async () => {
    const all = await hub.graphql(SUMMARY, {}, users.root);
    expect(all.body.data?.['fleetSummary']).toEqual({
      overall: {
        clusters: 5,
        byConnectivity: [
          { connectivity: 'Ready', count: 5 },
          { connectivity: 'Stale', count: 0 },
          { connectivity: 'Offline', count: 0 },
        ],
        byKubernetesVersion: [
          { version: 'v1.28.9', count: 1 },
          { version: 'v1.29.3', count: 2 },
          { version: 'v1.29.5', count: 1 },
          { version: 'v1.30.1', count: 1 },
        ],
        byKubernetesMinor: [
          { version: 'v1.28', count: 1 },
          { version: 'v1.29', count: 3 },
          { version: 'v1.30', count: 1 },
        ],
      },
      tenants: [
        { tenant: 'team-a', clusters: 4 },
        { tenant: 'team-b', clusters: 1 },
      ],
    });
    const mallory = await hub.graphql(SUMMARY, {}, users.mallory);
    expect(mallory.body.data?.['fleetSummary']).toMatchObject({
      overall: { clusters: 1 },
      tenants: [{ tenant: 'team-b', clusters: 1 }],
    });
  });

  it('groups the summary by a cluster label, clusters without it as null, only what the caller sees', async () => {
    const GROUPED = `query($groupBy: String) { fleetSummary(groupBy: $groupBy) {
      groups { value clusters byConnectivity { connectivity count } applications { total } } } }`;
    const groups = async (groupBy: string | null, token = users.root) =>
      (
        (await hub.graphql(GROUPED, { groupBy }, token)).body.data?.['fleetSummary'] as {
          groups: { value: string | null; clusters: number; applications: { total: number } }[];
        }
      ).groups;
    expect(
      (await groups('region')).map((g) => [g.value, g.clusters, g.applications.total]),
    ).toEqual([
      ['eu', 3, 0],
      ['us', 1, 0],
      [null, 1, 0],
    ]);
    expect((await groups('canary')).map((g) => [g.value, g.clusters])).toEqual([
      ['true', 1],
      [null, 4],
    ]);
    expect(await groups(null)).toBeNull();
    // team-b's admin groups only team-b's clusters.
    expect((await groups('region', users.mallory)).map((g) => [g.value, g.clusters])).toEqual([
      ['eu', 1],
    ]);
    const bad = await hub.graphql(GROUPED, { groupBy: 'not a key!' }, users.root);
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'groupBy',
    });
  });

  it('streams changes over graphql-ws to authorised subscribers only, and deregistration revokes the credential at once', async () => {
    const collect = (token: string, query: string) => subscribeOver(hub, token, query);
    const SUB = `subscription { clusterChanged(selector: "env=prod") { type name tenant connectivity deregistered } }`;
    const alice = collect(users.alice, SUB);
    const mallory = collect(users.mallory, SUB);
    const feed = hub.app.get(ClusterChangeFeed);
    for (const until = Date.now() + 5_000; feed.subscribers < 2 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 10));
    const target = ids['a-us-prod']!;
    await heartbeat(hub, target.credential, { facts: { ...FACTS, kubernetesVersion: 'v1.29.6' } });
    const gone = await hub.graphql(DEREGISTER, { id: target.clusterId }, users.alice);
    expect(gone.body.data?.['deregisterCluster']).toEqual({ deregisteredAt: expect.any(String) });
    // Revoked at once: the very next call with the credential is refused.
    expect((await heartbeat(hub, target.credential)).status).toBe(401);
    const deadline = Date.now() + 5_000;
    while (alice.seen.length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(alice.seen).toEqual([
      {
        clusterChanged: {
          type: 'ClusterFactsChanged',
          name: 'a-us-prod',
          tenant: 'team-a',
          connectivity: 'Ready',
          deregistered: false,
        },
      },
      {
        clusterChanged: {
          type: 'ClusterDeregistered',
          name: 'a-us-prod',
          tenant: 'team-a',
          connectivity: null,
          deregistered: true,
        },
      },
    ]);
    expect(mallory.seen).toEqual([]);
    await alice.close();
    await mallory.close();
    expect(names(await list({ tenant: 'team-a' }))).not.toContain('a-us-prod');
    // The name is free again: a new agent registers under it as a new cluster.
    const again = await issueToken(hub, users.alice, { tenant: 'team-a' });
    const reborn = await registerAgent(hub, again.value, 'a-us-prod');
    expect(reborn.clusterId).not.toBe(target.clusterId);
    expect((await heartbeat(hub, target.credential)).status).toBe(401);

    // A connection without a valid token is refused.
    const anonymous = subscribeOver(hub, null, SUB);
    for (const until = Date.now() + 5_000; anonymous.seen.length === 0 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 20));
    expect(anonymous.seen).toEqual([{ error: expect.any(String) }]);
    await anonymous.close();
  });

  it('answers a cluster as it was at a moment, from the log', async () => {
    const AS_OF = `query($id: String!, $asOf: DateTime) { cluster(id: $id, asOf: $asOf) {
      name labels connectivity deregisteredAt version } }`;
    const at = (id: string, asOf: Date | null, token = users.alice) =>
      hub.graphql(AS_OF, { id, asOf: asOf?.toISOString() ?? null }, token);
    const pause = () => new Promise((r) => setTimeout(r, 30));
    const target = ids['a-eu-dev']!.clusterId;
    const current = (
      (await at(target, null)).body.data?.['cluster'] as {
        labels: Record<string, string>;
      }
    ).labels;
    await pause();
    const before = new Date();
    await pause();
    const relabel = await hub.graphql(
      LABELS,
      { id: target, labels: { ...current, tier: 'gold' } },
      users.alice,
    );
    expect(relabel.body.errors).toBeUndefined();
    const then = (await at(target, before)).body.data?.['cluster'] as {
      labels: unknown;
      version: number;
    };
    const now = (await at(target, new Date())).body.data?.['cluster'] as {
      labels: unknown;
      version: number;
    };
    expect(then.labels).toEqual(current);
    expect(now.labels).toEqual({ ...current, tier: 'gold' });
    expect(now.version).toBe(then.version + 1);
    // What the read model says now is what the log says now.
    expect((await at(target, null)).body.data?.['cluster']).toEqual(
      (await at(target, new Date())).body.data?.['cluster'],
    );
    // A deregistered cluster keeps what it had, with when it left.
    const gone = (await at(ids['a-us-prod']!.clusterId, new Date())).body.data?.['cluster'] as {
      deregisteredAt: string | null;
      labels: Record<string, string>;
    };
    expect(gone.deregisteredAt).not.toBeNull();
    expect(gone.labels).toMatchObject({ region: 'us' });
    // Before it registered, another tenant, the future: refused.
    expect(code(await at(target, new Date('2020-01-01T00:00:00Z')))).toBe('NOT_FOUND');
    expect(code(await at(target, new Date(), users.mallory))).toBe('NOT_FOUND');
    expect(
      (await at(target, new Date(Date.now() + 3_600_000))).body.errors?.[0]?.extensions,
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'asOf' });
  });

  it('streams the fleet summary when it changes, throttled, only for the tenants the subscriber sees', async () => {
    const subscribe = (token: string, query: string) => subscribeOver(hub, token, query);
    const SUB = `subscription { fleetSummaryChanged(throttleMs: 100) { overall { clusters } } }`;
    const waitFor = async (check: () => boolean) => {
      for (const until = Date.now() + 5_000; !check() && Date.now() < until;)
        await new Promise((r) => setTimeout(r, 20));
    };
    const alice = subscribe(users.alice, SUB);
    const mallory = subscribe(users.mallory, SUB);
    await waitFor(() => alice.seen.length >= 1 && mallory.seen.length >= 1);
    const count = (m: unknown) =>
      (m as { fleetSummaryChanged: { overall: { clusters: number } } }).fleetSummaryChanged.overall
        .clusters;
    const aliceBefore = count(alice.seen[0]);
    const malloryBefore = count(mallory.seen[0]);
    const token = await issueToken(hub, users.alice, { tenant: 'team-a' });
    await registerAgent(hub, token.value, 'a-new');
    await waitFor(() => alice.seen.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    await alice.close();
    await mallory.close();
    expect(alice.seen.map(count)).toEqual([aliceBefore, aliceBefore + 1]);
    // team-b's subscriber got its first summary and nothing for team-a's change.
    expect(mallory.seen.map(count)).toEqual([malloryBefore]);
  });

  it("reads a list's heartbeat fields in one Redis call each, each cluster its own", async () => {
    const heartbeats = await hub.app.get(FleetRuntime).heartbeats();
    const lastSeen = jest.spyOn(heartbeats, 'lastSeen');
    const status = jest.spyOn(heartbeats, 'status');
    try {
      const res = await hub.graphql(
        `{ clusters(first: 50) { edges { node { id lastHeartbeatAt agentStatus { state } } } } }`,
        {},
        users.root,
      );
      const nodes = (
        res.body.data?.['clusters'] as {
          edges: {
            node: { lastHeartbeatAt: string | null; agentStatus: { state: string } | null };
          }[];
        }
      ).edges.map((e) => e.node);
      expect(nodes.length).toBeGreaterThan(2);
      expect(nodes.filter((n) => n.lastHeartbeatAt !== null).length).toBeGreaterThan(0);
      expect(lastSeen).toHaveBeenCalledTimes(1);
      expect(status).toHaveBeenCalledTimes(1);
    } finally {
      lastSeen.mockRestore();
      status.mockRestore();
    }
  });
});
