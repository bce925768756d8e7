import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { createTenants, fleetTokens, issueToken, registerAgent } from '../testing/fleet-fixture';
import { startTestHub, type TestHub } from '../testing/test-hub';
import {
  applicationSetEventCount,
  appendSetEvent,
  manifestJson,
  manifestYaml,
  poolOf,
} from './application-sets.fixture';

const FIELDS = `id tenant name manifest manifestYaml manifestVersion applicationCount version
  createdAt updatedAt deletedAt
  status { lastGeneration { created } failure { reason } heldDeletions { deletions currentCount threshold }
    confirmedDeletions { deletions by } violations { application } validationErrors { application } }`;
const CREATE = `mutation($tenant: String!, $manifest: String!) {
  createApplicationSet(tenant: $tenant, manifest: $manifest) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $manifest: String!) {
  updateApplicationSet(id: $id, manifest: $manifest) { ${FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteApplicationSet(id: $id) { id name deletedAt } }`;
const CONFIRM = `mutation($id: ID!, $deletions: [String!]!) {
  confirmApplicationSetDeletions(id: $id, deletions: $deletions) { ${FIELDS} } }`;
const GET = `query($id: ID!) { applicationSet(id: $id) { ${FIELDS}
  history { edges { node { type actor data } } } } }`;
const LIST = `query($filter: ApplicationSetFilter, $first: Int, $after: String) {
  applicationSets(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { name tenant } } pageInfo { hasNextPage endCursor } } }`;
const PREVIEW = `mutation($tenant: String!, $manifest: String!) {
  previewApplicationSet(tenant: $tenant, manifest: $manifest) { ok failure { reason message }
    created { name cluster { name } namespace } } }`;

type Result = Awaited<ReturnType<TestHub['graphql']>>;
type SetNode = Record<string, unknown> & { id: string; name: string; version: number };

describe('ApplicationSets through GraphQL', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let users: Awaited<ReturnType<typeof fleetTokens>>;
  const code = (res: Result) => res.body.errors?.[0]?.extensions?.code ?? 'OK';
  const field = (res: Result) => res.body.errors?.[0]?.extensions?.field;
  const message = (res: Result) => res.body.errors?.[0]?.message ?? '';
  const data = <T>(res: Result, key: string): T => {
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data?.[key] as T;
  };
  const create = (manifest: string, token = users.alice, tenant = 'team-a') =>
    hub.graphql(CREATE, { tenant, manifest }, token);
  const list = (filter: Record<string, unknown>, token = users.root, first = 50, after?: string) =>
    hub.graphql(LIST, { filter, first, after }, token);
  const names = (res: Result) =>
    data<{ edges: { node: { name: string } }[] }>(res, 'applicationSets').edges.map(
      (e) => e.node.name,
    );

  beforeAll(async () => {
    db = await createTestDatabase('application_sets');
    hub = await startTestHub(db.url);
    users = await fleetTokens();
    await createTenants(hub, users.root, ['team-a', 'team-b']);
    const a = await issueToken(hub, users.alice, { tenant: 'team-a', maxUses: 10 });
    await registerAgent(hub, a.value, 'a-eu-prod', { labels: { env: 'prod' } });
    await registerAgent(hub, a.value, 'a-us-dev', { labels: { env: 'dev' } });
  });
  afterAll(async () => {
    await hub.close();
    await db.drop();
  });

  it('creates from YAML, updates from JSON, and keeps who did what in the history', async () => {
    const created = data<SetNode>(await create(manifestYaml('guestbook')), 'createApplicationSet');
    expect(created).toMatchObject({
      tenant: 'team-a',
      name: 'guestbook',
      manifestVersion: 1,
      applicationCount: 0,
      version: 1,
      deletedAt: null,
      manifest: { kind: 'ApplicationSet', metadata: { name: 'guestbook' } },
      status: {
        lastGeneration: null,
        failure: null,
        heldDeletions: null,
        confirmedDeletions: null,
        violations: [],
        validationErrors: [],
      },
    });
    expect(created['manifestYaml']).toContain('targetRevision: v1');
    const { rows } = await poolOf(hub).query(
      'SELECT tenant, name, application_set_id::text AS id FROM application_set_names',
    );
    expect(rows).toEqual([{ tenant: 'team-a', name: 'guestbook', id: created.id }]);

    const updated = data<SetNode>(
      await hub.graphql(
        UPDATE,
        { id: created.id, manifest: manifestJson('guestbook', 'v2') },
        users.bob,
      ),
      'updateApplicationSet',
    );
    expect(updated).toMatchObject({ id: created.id, manifestVersion: 2, version: 2 });
    expect(updated['manifestYaml']).toContain('targetRevision: v2');
    // The same manifest again changes nothing.
    const again = await hub.graphql(
      UPDATE,
      { id: created.id, manifest: manifestYaml('guestbook', 'v2') },
      users.alice,
    );
    expect(data<SetNode>(again, 'updateApplicationSet').version).toBe(2);

    const got = data<{ history: { edges: { node: { type: string; actor: string } }[] } }>(
      await hub.graphql(GET, { id: created.id }, users.vic),
      'applicationSet',
    );
    expect(got.history.edges.map((e) => [e.node.type, e.node.actor])).toEqual([
      ['ApplicationSetUpdated', 'bob'],
      ['ApplicationSetCreated', 'alice'],
    ]);
  });

  it('refuses bad manifests, name clashes and renames, naming the field and writing nothing', async () => {
    const id = data<SetNode>(await create(manifestYaml('refusals')), 'createApplicationSet').id;
    const before = await applicationSetEventCount(hub);
    const badGenerator = manifestYaml('other').replace(
      '- clusters: {}',
      '- list:\n        elements: not-a-list',
    );
    const cases: [Result, string, string, RegExp][] = [
      [await create('kind: [unclosed'), 'BAD_USER_INPUT', 'manifest', /not valid YAML/],
      [
        await create(badGenerator),
        'BAD_USER_INPUT',
        'manifest.spec.generators[0].list.elements',
        /^manifest\.spec\.generators\[0\]\.list\.elements: /,
      ],
      [
        await create(manifestYaml('x').replace('kind: ApplicationSet', 'kind: Application')),
        'BAD_USER_INPUT',
        'manifest.kind',
        /^manifest\.kind: expected "ApplicationSet"/,
      ],
      [
        await create(manifestYaml('refusals')),
        'CONFLICT',
        'manifest.metadata.name',
        /ApplicationSet refusals already exists in tenant team-a/,
      ],
      [
        await hub.graphql(UPDATE, { id, manifest: manifestYaml('renamed') }, users.alice),
        'BAD_USER_INPUT',
        'manifest.metadata.name',
        /cannot be renamed \("refusals" → "renamed"\)/,
      ],
      [
        await hub.graphql(UPDATE, { id, manifest: badGenerator }, users.alice),
        'BAD_USER_INPUT',
        'manifest.spec.generators[0].list.elements',
        /generators\[0\]/,
      ],
    ];
    for (const [res, expectedCode, expectedField, text] of cases) {
      expect({ code: code(res), field: field(res) }).toEqual({
        code: expectedCode,
        field: expectedField,
      });
      expect(message(res)).toMatch(text);
    }
    expect(await applicationSetEventCount(hub)).toBe(before);
  });

  it('lets exactly one of several concurrent submissions of one name through', async () => {
    const before = await applicationSetEventCount(hub);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        create(manifestYaml('racy', `v${i}`), i % 2 ? users.alice : users.bob),
      ),
    );
    expect(results.map(code).sort()).toEqual([
      'CONFLICT',
      'CONFLICT',
      'CONFLICT',
      'CONFLICT',
      'CONFLICT',
      'OK',
    ]);
    expect(await applicationSetEventCount(hub)).toBe(before + 1);
    const { rows } = await poolOf(hub).query(
      `SELECT count(*)::int AS n FROM application_set_names WHERE name = 'racy'`,
    );
    expect(rows).toEqual([{ n: 1 }]);
    const winner = results.find((r) => code(r) === 'OK')!;
    await hub.graphql(
      DELETE,
      { id: data<SetNode>(winner, 'createApplicationSet').id },
      users.alice,
    );
  });

  it('deletes, freeing the name in the same transaction, and records the actor', async () => {
    const first = data<SetNode>(await create(manifestYaml('short-lived')), 'createApplicationSet');
    const deleted = data<{ id: string; deletedAt: string | null }>(
      await hub.graphql(DELETE, { id: first.id }, users.bob),
      'deleteApplicationSet',
    );
    expect(deleted).toMatchObject({ id: first.id, deletedAt: expect.any(String) });
    expect(code(await hub.graphql(GET, { id: first.id }, users.alice))).toBe('NOT_FOUND');
    expect(code(await hub.graphql(DELETE, { id: first.id }, users.alice))).toBe('NOT_FOUND');
    const { rows } = await poolOf(hub).query(
      `SELECT type, metadata->>'actor' AS actor FROM events WHERE stream_id = $1 ORDER BY stream_version`,
      [`applicationset-${first.id}`],
    );
    expect(rows).toEqual([
      { type: 'ApplicationSetCreated', actor: 'alice' },
      { type: 'ApplicationSetDeleted', actor: 'bob' },
    ]);
    // The name is free again: a new ApplicationSet (a new id) takes it.
    const second = data<SetNode>(await create(manifestYaml('short-lived')), 'createApplicationSet');
    expect(second.id).not.toBe(first.id);
  });

  it('lists by tenant and name with search, cursors and a stable totalCount', async () => {
    await create(manifestYaml('b-one', 'v1', 'team-b'), users.mallory, 'team-b');
    const all = await list({});
    expect(names(all)).toEqual(['guestbook', 'refusals', 'short-lived', 'b-one']);
    expect(data<{ totalCount: number }>(all, 'applicationSets').totalCount).toBe(4);
    expect(names(await list({ tenant: 'team-a', search: 'GUEST' }))).toEqual(['guestbook']);
    expect(names(await list({ search: '%' }))).toEqual([]);
    const page1 = await list({}, users.root, 2);
    expect(names(page1)).toEqual(['guestbook', 'refusals']);
    const info = data<{
      pageInfo: { endCursor: string; hasNextPage: boolean };
      totalCount: number;
    }>(page1, 'applicationSets');
    expect(info).toMatchObject({
      pageInfo: { endCursor: 'team-a/refusals', hasNextPage: true },
      totalCount: 4,
    });
    const page2 = await list({}, users.root, 2, info.pageInfo.endCursor);
    expect(names(page2)).toEqual(['short-lived', 'b-one']);
    expect(data<{ pageInfo: { hasNextPage: boolean } }>(page2, 'applicationSets').pageInfo).toEqual(
      { hasNextPage: false, endCursor: 'team-b/b-one' },
    );
    expect(code(await list({}, users.root, 2, 'no-slash'))).toBe('BAD_USER_INPUT');
    expect(code(await list({}, users.root, 0))).toBe('BAD_USER_INPUT');
  });

  it('keeps tenants apart, seen from the attacker side', async () => {
    const victim = data<{ edges: { node: { name: string } }[] }>(
      await list({ tenant: 'team-a', search: 'guestbook' }),
      'applicationSets',
    );
    expect(victim.edges).toHaveLength(1);
    const id = (
      data<{ edges: { node: { id: string } }[] }>(
        await hub.graphql(
          `query { applicationSets(filter: {tenant: "team-a", search: "guestbook"}) { edges { node { id } } } }`,
          {},
          users.root,
        ),
        'applicationSets',
      ).edges[0]?.node as { id: string }
    ).id;
    const before = await applicationSetEventCount(hub);

    expect(names(await list({}, users.mallory))).toEqual(['b-one']);
    expect(
      data<{ totalCount: number }>(await list({}, users.mallory), 'applicationSets').totalCount,
    ).toBe(1);
    expect(names(await list({ tenant: 'team-a' }, users.mallory))).toEqual([]);

    // A hidden id answers exactly like a missing one.
    const missing = '0190a0a0-0000-7000-8000-000000000000';
    for (const [query, vars] of [
      [GET, { id }],
      [UPDATE, { id, manifest: manifestYaml('guestbook', 'evil') }],
      [DELETE, { id }],
      [CONFIRM, { id, deletions: ['x'] }],
    ] as const) {
      const hidden = await hub.graphql(query, vars, users.mallory);
      const absent = await hub.graphql(query, { ...vars, id: missing }, users.mallory);
      expect(code(hidden)).toBe('NOT_FOUND');
      expect(message(hidden)).toBe(message(absent).replace(missing, id));
    }
    expect(code(await hub.graphql(GET, { id: 'not-a-uuid' }, users.mallory))).toBe('NOT_FOUND');

    const intrude = await create(manifestYaml('intruder'), users.mallory, 'team-a');
    expect(code(intrude)).toBe('FORBIDDEN');
    const preview = await hub.graphql(
      PREVIEW,
      { tenant: 'team-a', manifest: manifestYaml('guestbook') },
      users.mallory,
    );
    expect(code(preview)).toBe('FORBIDDEN');
    expect(preview.body.data).toBeNull();
    // Viewers see but cannot change.
    expect(code(await hub.graphql(GET, { id }, users.vic))).toBe('OK');
    expect(code(await hub.graphql(DELETE, { id }, users.vic))).toBe('FORBIDDEN');
    expect(code(await create(manifestYaml('viewer-made'), users.vic))).toBe('FORBIDDEN');
    expect(code(await hub.graphql(LIST, {}, null))).toBe('UNAUTHENTICATED');
    expect(await applicationSetEventCount(hub)).toBe(before);
  });

  it('confirms held deletions only with exactly the held set, recording who confirmed', async () => {
    const set = data<SetNode>(await create(manifestYaml('braked')), 'createApplicationSet');
    const nothingHeld = await hub.graphql(CONFIRM, { id: set.id, deletions: ['a'] }, users.alice);
    expect(code(nothingHeld)).toBe('CONFLICT');
    await appendSetEvent(hub, set.id, {
      type: 'ApplicationSetDeletionHeld',
      data: { manifestVersion: 1, deletions: ['a', 'b', 'c'], currentCount: 8, threshold: 2 },
    });
    const wrong = await hub.graphql(
      CONFIRM,
      { id: set.id, deletions: ['a', 'b', 'd'] },
      users.alice,
    );
    expect({ code: code(wrong), field: field(wrong) }).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'deletions',
    });
    expect(message(wrong)).toMatch(/missing c; not held d/);
    const vicTry = await hub.graphql(
      CONFIRM,
      { id: set.id, deletions: ['a', 'b', 'c'] },
      users.vic,
    );
    expect(code(vicTry)).toBe('FORBIDDEN');

    const held = data<SetNode>(
      await hub.graphql(GET, { id: set.id }, users.alice),
      'applicationSet',
    );
    expect(held['status']).toMatchObject({
      heldDeletions: { deletions: ['a', 'b', 'c'], currentCount: 8, threshold: 2 },
      confirmedDeletions: null,
    });
    const ok = data<SetNode>(
      await hub.graphql(CONFIRM, { id: set.id, deletions: ['c', 'b', 'a'] }, users.bob),
      'confirmApplicationSetDeletions',
    );
    expect(ok['status']).toMatchObject({
      heldDeletions: null,
      confirmedDeletions: { deletions: ['a', 'b', 'c'], by: 'bob' },
    });
    const { rows } = await poolOf(hub).query(
      `SELECT data, metadata->>'actor' AS actor FROM events
       WHERE stream_id = $1 AND type = 'ApplicationSetDeletionConfirmed'`,
      [`applicationset-${set.id}`],
    );
    expect(rows).toEqual([{ data: { deletions: ['a', 'b', 'c'] }, actor: 'bob' }]);
  });
});
