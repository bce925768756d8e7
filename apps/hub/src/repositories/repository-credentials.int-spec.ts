import { createPool } from '@flotilla/database';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { fleetTokens, tenantSpec } from '../testing/fleet-fixture';
import { startTestHub, type TestHub } from '../testing/test-hub';

const SET = `mutation($input: SetRepositoryCredentialsInput!) {
  setRepositoryCredentials(input: $input) { tenant url keyId createdAt } }`;
const LIST = `query($tenant: String!) { repositoryCredentials(tenant: $tenant) { url keyId } }`;
const DELETE = `mutation($tenant: String!, $url: String!) { deleteRepositoryCredentials(tenant: $tenant, url: $url) }`;
const SECRET = 'ghp_s3cr3t-token-value-0123456789';
const KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n`;

describe('repository credentials (sealed, per tenant, never returned)', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let pool: Pool;
  let users: Awaited<ReturnType<typeof fleetTokens>>;
  const https = (over: Record<string, unknown> = {}) => ({
    tenant: 'team-a',
    url: 'https://github.com/team-a/private.git',
    type: 'https',
    username: 'git',
    password: SECRET,
    ...over,
  });
  const error = (res: Awaited<ReturnType<TestHub['graphql']>>) => {
    const e = res.body.errors?.[0];
    return e ? { code: e.extensions?.['code'], field: e.extensions?.['field'] } : null;
  };
  const rows = () => pool.query('SELECT tenant, url_key, sealed FROM repository_credentials');
  const eventCount = async () =>
    Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]?.n);

  beforeAll(async () => {
    db = await createTestDatabase('repository_credentials');
    hub = await startTestHub(db.url, { SECRETS_KEYS: `k1:${randomBytes(32).toString('base64')}` });
    pool = createPool(db.url, { max: 2 });
    users = await fleetTokens();
    for (const name of ['team-a', 'team-b']) {
      const res = await hub.graphql(
        'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
        {
          spec: {
            ...tenantSpec(name),
            sourceRepos: [`https://github.com/${name}/*`, `git@github.com:${name}/*`],
          },
        },
        users.root,
      );
      if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    }
  });
  afterAll(async () => {
    await hub.close();
    await pool.end();
    await db.drop();
  });

  it('stores sealed credentials a tenant admin sets; lists them without secrets; deletes them', async () => {
    const set = await hub.graphql(SET, { input: https() }, users.alice);
    expect(error(set)).toBeNull();
    expect(set.body.data?.['setRepositoryCredentials']).toMatchObject({
      tenant: 'team-a',
      keyId: 'k1',
    });
    const stored = await rows();
    expect(stored.rows).toHaveLength(1);
    expect(JSON.stringify(stored.rows)).not.toContain(SECRET);
    const log = await pool.query<{ t: string | null }>(
      `SELECT string_agg(data::text || metadata::text, ' ') AS t FROM events`,
    );
    expect(log.rows[0]?.t ?? '').not.toContain(SECRET);
    const listed = await hub.graphql(LIST, { tenant: 'team-a' }, users.alice);
    expect(JSON.stringify(listed.body)).not.toContain(SECRET);
    expect(listed.body.data?.['repositoryCredentials']).toHaveLength(1);

    const ssh = await hub.graphql(
      SET,
      {
        input: {
          tenant: 'team-a',
          url: 'git@github.com:team-a/infra.git',
          type: 'ssh',
          sshPrivateKey: KEY,
        },
      },
      users.alice,
    );
    expect(error(ssh)).toBeNull();
    expect((await rows()).rows).toHaveLength(2);

    const url = https().url;
    expect((await hub.graphql(DELETE, { tenant: 'team-a', url }, users.alice)).body.data).toEqual({
      deleteRepositoryCredentials: true,
    });
    expect((await hub.graphql(DELETE, { tenant: 'team-a', url }, users.alice)).body.data).toEqual({
      deleteRepositoryCredentials: false,
    });
    // The log says who did what to which repository (never the secret).
    const audit = await pool.query<{ type: string; actor: string; url: string }>(
      `SELECT type, metadata->>'actor' AS actor, data->>'url' AS url FROM events
        WHERE stream_id = 'repository-credentials-team-a' ORDER BY stream_version`,
    );
    expect(audit.rows).toEqual([
      { type: 'RepositoryCredentialsSet', actor: 'alice', url },
      { type: 'RepositoryCredentialsSet', actor: 'alice', url: 'git@github.com:team-a/infra.git' },
      { type: 'RepositoryCredentialsRemoved', actor: 'alice', url },
    ]);
  });

  it('refuses bad input naming the field, and stores nothing', async () => {
    const before = (await rows()).rows.length;
    const eventsBefore = await eventCount();
    for (const [input, field] of [
      [https({ url: 'https://github.com/elsewhere/repo.git' }), 'input.url'],
      [https({ url: 'http://github.com/team-a/plain.git' }), 'input.url'],
      [https({ password: null }), 'input.password'],
      [https({ sshPrivateKey: KEY }), 'input.sshPrivateKey'],
      [
        {
          tenant: 'team-a',
          url: 'https://github.com/team-a/x.git',
          type: 'ssh',
          sshPrivateKey: KEY,
        },
        'input',
      ],
      [
        {
          tenant: 'team-a',
          url: 'git@github.com:team-a/x.git',
          type: 'ssh',
          sshPrivateKey: 'nope',
        },
        'input',
      ],
    ] as const) {
      const res = await hub.graphql(SET, { input }, users.alice);
      expect({ input, ...error(res) }).toEqual({ input, code: 'BAD_USER_INPUT', field });
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
    }
    expect((await rows()).rows).toHaveLength(before);
    expect(await eventCount()).toBe(eventsBefore);
  });

  it("keeps tenants apart, from the attacker's side", async () => {
    await hub.graphql(SET, { input: https() }, users.alice);
    const before = (await rows()).rows.length;
    // Another tenant's admin, a deployer and a viewer of the tenant itself.
    for (const token of [users.mallory, users.bob, users.vic]) {
      const set = await hub.graphql(SET, { input: https({ password: 'attacker' }) }, token);
      expect(['NOT_FOUND', 'FORBIDDEN']).toContain(error(set)?.code);
      const del = await hub.graphql(DELETE, { tenant: 'team-a', url: https().url }, token);
      expect(['NOT_FOUND', 'FORBIDDEN']).toContain(error(del)?.code);
    }
    const peek = await hub.graphql(LIST, { tenant: 'team-a' }, users.mallory);
    expect(['NOT_FOUND', 'FORBIDDEN']).toContain(error(peek)?.code);
    expect((await rows()).rows).toHaveLength(before);
    // team-b's own list shows nothing of team-a's.
    const own = await hub.graphql(LIST, { tenant: 'team-b' }, users.mallory);
    expect(own.body.data).toEqual({ repositoryCredentials: [] });
  });
});
