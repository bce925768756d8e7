import { createPool } from '@flotilla/database';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { PLATFORM_ADMINS } from '../auth/principal';
import { signToken, startTestHub, type TestHub } from '../testing/test-hub';

const TENANT_FIELDS = `name description sourceRepos sourceReposDeny version createdAt updatedAt
  destinations { namespaces clusterSelector { matchLabels matchExpressions { key operator values } } }
  clusterResourceWhitelist { group kind } namespaceResourceBlacklist { group kind }
  roles { name groups policies } syncWindows { kind schedule duration timeZone manualSync applications }`;
const CREATE = `mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { ${TENANT_FIELDS} } }`;
const UPDATE = `mutation($spec: TenantSpecInput!) { updateTenant(spec: $spec) { name sourceRepos roles { name } } }`;
const BIND = `mutation($name: String!, $roles: [TenantRoleInput!]!) { setTenantRoleBindings(name: $name, roles: $roles) { name roles { name groups } } }`;
const DELETE = `mutation($name: String!) { deleteTenant(name: $name) }`;
const GET = `query($name: String!, $asOf: DateTime) { tenant(name: $name, asOf: $asOf) { name sourceRepos version } }`;
const LIST = `{ tenants { totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`;
const HISTORY = `query($streamId: String!) { history(streamId: $streamId) { edges { node { type actor actorGroups requestId } } } }`;
const AUDIT = `query($tenantId: String) { auditLog(filter: { tenantId: $tenantId }) { edges { node { type streamId } } } }`;

const spec = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: `the ${name} team`,
  sourceRepos: [`https://github.com/${name}/*`],
  destinations: [
    { clusterSelector: { matchLabels: { team: name } }, namespaces: [`${name}-*`, '!kube-system'] },
  ],
  clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
  roles: [
    { name: 'admin', groups: [`${name}-admins`] },
    { name: 'deployer', groups: [`${name}-devs`] },
    { name: 'viewer', groups: [`${name}-viewers`] },
  ],
  syncWindows: [
    {
      kind: 'deny',
      schedule: '0 22 * * *',
      duration: '8h',
      timeZone: 'Europe/Berlin',
      applications: ['*'],
    },
  ],
  ...extra,
});

describe('tenants, RBAC and audit through GraphQL', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let pool: Pool;
  const tokens: Record<string, string> = {};
  const head = async () =>
    (await pool.query<{ p: string | null }>('SELECT max(global_position) AS p FROM events')).rows[0]
      ?.p;
  const data = <T>(res: { body: { data?: Record<string, unknown> | null } }, field: string) =>
    res.body.data?.[field] as T;
  const code = (res: { body: { errors?: { extensions?: { code?: string } }[] } }) =>
    res.body.errors?.[0]?.extensions?.code ?? 'OK';

  beforeAll(async () => {
    db = await createTestDatabase('tenants');
    hub = await startTestHub(db.url);
    pool = createPool(db.url, { max: 2 });
    tokens.root = await signToken({ sub: 'root', groups: [PLATFORM_ADMINS] });
    tokens.alice = await signToken({ sub: 'alice', groups: ['team-a-admins'] });
    tokens.bob = await signToken({ sub: 'bob', groups: ['team-a-devs'] });
    tokens.vic = await signToken({ sub: 'vic', groups: ['team-a-viewers'] });
    tokens.mallory = await signToken({ sub: 'mallory', groups: ['team-b-admins'] });
    tokens.expired = await signToken({
      sub: 'root',
      groups: [PLATFORM_ADMINS],
      expiresIn: Math.floor(Date.now() / 1000) - 10,
    });
    tokens.otherKey = await signToken({ sub: 'root', groups: [PLATFORM_ADMINS] }, 'x'.repeat(48));
    tokens.otherAudience = await signToken({
      sub: 'root',
      groups: [PLATFORM_ADMINS],
      aud: 'argocd',
    });
    for (const name of ['team-a', 'team-b']) {
      const res = await hub.graphql(CREATE, { spec: spec(name) }, tokens.root);
      expect(code(res)).toBe('OK');
    }
  });
  afterAll(async () => {
    await hub.close();
    await pool.end();
    await db.drop();
  });

  it('creates a tenant with its whole spec, recorded with the actor', async () => {
    const res = await hub.graphql(GET, { name: 'team-a' }, tokens.root);
    expect(data(res, 'tenant')).toEqual({
      name: 'team-a',
      sourceRepos: ['https://github.com/team-a/*'],
      version: 1,
    });
    const history = await hub.graphql(HISTORY, { streamId: 'tenant-team-a' }, tokens.root, {
      'x-request-id': 'r-1',
    });
    expect(
      data<{ edges: { node: unknown }[] }>(history, 'history').edges.map((e) => e.node),
    ).toEqual([
      {
        type: 'TenantCreated',
        actor: 'root',
        actorGroups: [PLATFORM_ADMINS],
        requestId: expect.any(String),
      },
    ]);
  });

  it.each([
    ['root', ['team-a', 'team-b']],
    ['alice', ['team-a']],
    ['bob', ['team-a']],
    ['vic', ['team-a']],
    ['mallory', ['team-b']],
  ])('lists only the tenants %s may see', async (who, names) => {
    const list = data<{ totalCount: number; edges: { node: { name: string } }[] }>(
      await hub.graphql(LIST, {}, tokens[who]),
      'tenants',
    );
    expect(list.edges.map((e) => e.node.name)).toEqual(names);
    expect(list.totalCount).toBe(names.length);
  });

  // Every query and mutation, from the attacker's side: each is refused and nothing changes.
  const operations: [string, string, Record<string, unknown>][] = [
    ['tenant', GET, { name: 'team-a' }],
    ['tenant asOf', GET, { name: 'team-a', asOf: '2100-01-01T00:00:00Z' }],
    ['history', HISTORY, { streamId: 'tenant-team-a' }],
    ['auditLog', AUDIT, { tenantId: 'team-a' }],
    ['updateTenant', UPDATE, { spec: spec('team-a', { sourceRepos: ['*'] }) }],
    [
      'setTenantRoleBindings',
      BIND,
      { name: 'team-a', roles: [{ name: 'admin', groups: ['mallory-group'] }] },
    ],
    ['deleteTenant', DELETE, { name: 'team-a' }],
    ['createTenant', CREATE, { spec: spec('team-z') }],
    ['tenants', LIST, {}],
  ];
  // Viewers and deployers of team-a read the tenant but not its audit trail, and change nothing here.
  const readOnlyMember = (op: string) =>
    ['tenant', 'tenant asOf', 'tenants'].includes(op)
      ? 'OK'
      : op === 'history' || op === 'auditLog'
        ? 'NOT_FOUND'
        : 'FORBIDDEN';
  const attackers: [string, string, (op: string) => string][] = [
    [
      "another tenant's admin",
      'mallory',
      (op) => (op === 'createTenant' ? 'FORBIDDEN' : op === 'tenants' ? 'OK' : 'NOT_FOUND'),
    ],
    ['an expired token', 'expired', () => 'UNAUTHENTICATED'],
    ['a token signed with another key', 'otherKey', () => 'UNAUTHENTICATED'],
    ['a token for another audience', 'otherAudience', () => 'UNAUTHENTICATED'],
    ['no token', 'none', () => 'UNAUTHENTICATED'],
    ['a viewer', 'vic', readOnlyMember],
    ['a deployer', 'bob', readOnlyMember],
    [
      'the tenant admin',
      'alice',
      (op) =>
        ['updateTenant', 'deleteTenant', 'createTenant'].includes(op)
          ? 'FORBIDDEN'
          : op === 'setTenantRoleBindings'
            ? 'SKIP'
            : 'OK',
    ],
  ];
  describe.each(attackers)('%s', (_label, who, expected) => {
    it.each(operations)('%s', async (op, query, variables) => {
      const want = expected(op);
      if (want === 'SKIP') return; // alice's own role change is tested on its own below
      const before = await head();
      const res = await hub.graphql(query, variables, who === 'none' ? null : tokens[who]);
      expect(code(res)).toBe(want);
      if (want !== 'OK') expect(res.body.data ?? null).toBeNull();
      expect(await head()).toBe(before);
    });
  });

  it('refuses creating a tenant to anyone but platform admins', async () => {
    const before = await head();
    for (const who of ['alice', 'bob', 'vic', 'mallory']) {
      expect(code(await hub.graphql(CREATE, { spec: spec('team-x') }, tokens[who]))).toBe(
        'FORBIDDEN',
      );
    }
    expect(await head()).toBe(before);
  });

  it.each([
    [
      {
        syncWindows: [
          { kind: 'deny', schedule: '61 * * * *', duration: '1h', applications: ['*'] },
        ],
      },
      'syncWindows[0].schedule',
      /invalid cron/,
    ],
    [
      {
        syncWindows: [
          {
            kind: 'deny',
            schedule: '0 * * * *',
            duration: '1h',
            timeZone: 'Mars/Olympus',
            applications: ['*'],
          },
        ],
      },
      'syncWindows[0].timeZone',
      /./,
    ],
    [
      {
        destinations: [
          {
            clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Near' }] },
            namespaces: ['x'],
          },
        ],
      },
      'destinations[0].clusterSelector.matchExpressions[0].operator',
      /./,
    ],
    [
      {
        destinations: [
          { clusterSelector: { matchLabels: { 'bad key!': 'x' } }, namespaces: ['x'] },
        ],
      },
      'destinations[0].clusterSelector.matchLabels["bad key!"]',
      /./,
    ],
    [{ sourceRepos: ['https://github.com/[team'] }, 'sourceRepos[0]', /./],
    [
      {
        roles: [
          { name: 'ops', policies: ['p, proj:team-b:ops, applications, sync, team-b/*, allow'] },
        ],
      },
      'roles[0].policies[0]',
      /proj:team-c:ops/,
    ],
    [{ name: 'Team_C' }, 'name', /./],
  ])('names the field of bad input and changes nothing: %j', async (extra, field, message) => {
    const before = await head();
    const res = await hub.graphql(CREATE, { spec: spec('team-c', extra) }, tokens.root);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(res.body.errors?.[0]?.message).toMatch(message);
    expect(await head()).toBe(before);
  });

  it('refuses unknown input fields at the edge', async () => {
    const res = await hub.graphql(
      CREATE,
      { spec: { ...spec('team-c'), sourceRepo: ['x'] } },
      tokens.root,
    );
    expect(code(res)).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(/sourceRepo/);
  });

  it('lets a tenant admin manage role bindings, effective on the next request', async () => {
    expect(code(await hub.graphql(GET, { name: 'team-a' }, tokens.vic))).toBe('OK');
    const roles = [
      { name: 'admin', groups: ['team-a-admins'] },
      { name: 'deployer', groups: ['team-a-devs'] },
    ];
    const res = await hub.graphql(BIND, { name: 'team-a', roles }, tokens.alice);
    expect(code(res)).toBe('OK');
    // vic's group lost its binding: the very next request no longer sees the tenant.
    expect(code(await hub.graphql(GET, { name: 'team-a' }, tokens.vic))).toBe('NOT_FOUND');
    // ...on every replica, not only the one that took the change.
    const second = await startTestHub(db.url, { MIGRATE_ON_START: 'false' });
    try {
      expect(code(await second.graphql(GET, { name: 'team-a' }, tokens.vic))).toBe('NOT_FOUND');
      const back = await second.graphql(
        BIND,
        { name: 'team-a', roles: [...roles, { name: 'viewer', groups: ['team-a-viewers'] }] },
        tokens.alice,
      );
      expect(code(back)).toBe('OK');
      expect(code(await hub.graphql(GET, { name: 'team-a' }, tokens.vic))).toBe('OK');
    } finally {
      await second.close();
    }
  });

  it('answers a tenant as it was at a past moment, from the log', async () => {
    const before = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const res = await hub.graphql(
      UPDATE,
      { spec: spec('team-b', { sourceRepos: ['https://gitlab.com/team-b/*'] }) },
      tokens.root,
    );
    expect(data(res, 'updateTenant')).toMatchObject({
      sourceRepos: ['https://gitlab.com/team-b/*'],
      roles: [{ name: 'admin' }, { name: 'deployer' }, { name: 'viewer' }],
    });
    const then = await hub.graphql(
      GET,
      { name: 'team-b', asOf: before.toISOString() },
      tokens.root,
    );
    expect(data(then, 'tenant')).toEqual({
      name: 'team-b',
      sourceRepos: ['https://github.com/team-b/*'],
      version: 1,
    });
    const now = await hub.graphql(GET, { name: 'team-b' }, tokens.root);
    expect(data(now, 'tenant')).toEqual({
      name: 'team-b',
      sourceRepos: ['https://gitlab.com/team-b/*'],
      version: 2,
    });
    const beforeAll = await hub.graphql(
      GET,
      { name: 'team-b', asOf: '2000-01-01T00:00:00Z' },
      tokens.root,
    );
    expect(code(beforeAll)).toBe('NOT_FOUND');
    // An update that changes nothing appends nothing.
    const position = await head();
    await hub.graphql(
      UPDATE,
      { spec: spec('team-b', { sourceRepos: ['https://gitlab.com/team-b/*'] }) },
      tokens.root,
    );
    expect(await head()).toBe(position);
  });

  it('serves tenant admins the audit log of their own tenant only', async () => {
    const own = data<{ edges: { node: { streamId: string } }[] }>(
      await hub.graphql(AUDIT, { tenantId: 'team-a' }, tokens.alice),
      'auditLog',
    );
    expect(own.edges.length).toBeGreaterThan(0);
    expect(new Set(own.edges.map((e) => e.node.streamId))).toEqual(new Set(['tenant-team-a']));
    expect(code(await hub.graphql(AUDIT, { tenantId: 'team-b' }, tokens.alice))).toBe('NOT_FOUND');
    expect(code(await hub.graphql(AUDIT, {}, tokens.alice))).toBe('FORBIDDEN');
  });

  it('deletes a tenant; the name can be created again', async () => {
    await hub.graphql(CREATE, { spec: spec('team-d') }, tokens.root);
    expect(data(await hub.graphql(DELETE, { name: 'team-d' }, tokens.root), 'deleteTenant')).toBe(
      true,
    );
    expect(code(await hub.graphql(GET, { name: 'team-d' }, tokens.root))).toBe('NOT_FOUND');
    expect(code(await hub.graphql(DELETE, { name: 'team-d' }, tokens.root))).toBe('NOT_FOUND');
    expect(code(await hub.graphql(CREATE, { spec: spec('team-d') }, tokens.root))).toBe('OK');
    expect(code(await hub.graphql(CREATE, { spec: spec('team-d') }, tokens.root))).toBe('CONFLICT');
  });

  it('takes the global policy from a mounted file, re-read when it changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-policy-'));
    const file = join(dir, 'policy.csv');
    writeFileSync(file, 'p, role:auditor, audit, get, *, allow\ng, auditors, role:auditor\n');
    const withFile = await startTestHub(db.url, {
      MIGRATE_ON_START: 'false',
      AUTH_POLICY_FILE: file,
    });
    const auditor = await signToken({ sub: 'eve', groups: ['auditors'] });
    try {
      expect(code(await withFile.graphql(AUDIT, {}, auditor))).toBe('OK');
      writeFileSync(file, '# auditors removed\np, role:auditor, audit, get, nothing, allow\n');
      expect(code(await withFile.graphql(AUDIT, {}, auditor))).toBe('FORBIDDEN');
    } finally {
      await withFile.close();
    }
  });
});
