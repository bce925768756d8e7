import { createPool } from '@flotilla/database';
import { EventStore, EventRegistry, defineEvent } from '@flotilla/event-store';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import { z } from 'zod';
import { PLATFORM_ADMINS } from './auth/principal';
import { signToken, startTestHub, type TestHub } from './testing/test-hub';

const AUDIT = `query Audit($filter: AuditLogFilter, $first: Int, $after: String, $order: LogOrder) {
  auditLog(filter: $filter, first: $first, after: $after, order: $order) {
    edges { cursor node { position streamId streamVersion type data actor actorGroups tenantId requestId clientAddress correlationId recordedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

// Events written straight to the store, standing for what later aggregates append.
const Noted = defineEvent('Noted', z.object({ text: z.string() }));

describe('hub: GraphQL skeleton, authentication and the audit log', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let pool: Pool;
  let admin: string;

  beforeAll(async () => {
    db = await createTestDatabase('hub');
    hub = await startTestHub(db.url);
    pool = createPool(db.url, { max: 2 });
    const store = new EventStore(pool, new EventRegistry([Noted]));
    for (let i = 1; i <= 5; i++) {
      await store.append(`note-${i % 2}`, 'any', [{ type: 'Noted', data: { text: `n${i}` } }], {
        actor: i <= 3 ? 'alice' : 'bob',
        actorGroups: ['team-a'],
        tenantId: i % 2 ? 'team-a' : 'team-b',
        requestId: `req-${i}`,
        clientAddress: '192.0.2.1',
      });
    }
    admin = await signToken({ sub: 'root', groups: [PLATFORM_ADMINS] });
  });
  afterAll(async () => {
    await hub.close();
    await pool.end();
    await db.drop();
  });

  it('answers health without a token and /healthz, /readyz over plain HTTP', async () => {
    const res = await hub.graphql('{ health }');
    expect(res.body).toEqual({ data: { health: 'ok' } });
    expect(await (await fetch(`${hub.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });
  });

  it('answers /readyz 503 naming the service that does not answer', async () => {
    const noRedis = await startTestHub(db.url, {
      REDIS_URL: 'redis://127.0.0.1:1',
      MIGRATE_ON_START: 'false',
    });
    try {
      const res = await fetch(`${noRedis.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: 'not ready',
        postgres: 'ok',
        redis: expect.stringMatching(/^down/),
      });
      expect(await (await fetch(`${noRedis.url}/healthz`)).json()).toEqual({ status: 'ok' });
    } finally {
      await noRedis.close();
    }
  });

  const badTokens: [string, () => Promise<string | null>, RegExp][] = [
    ['no token', async () => null, /bearer token is required/],
    [
      'an expired token',
      () =>
        signToken({
          sub: 'root',
          groups: [PLATFORM_ADMINS],
          expiresIn: Math.floor(Date.now() / 1000) - 60,
        }),
      /expired/,
    ],
    [
      'a token signed with another key',
      () =>
        signToken(
          { sub: 'root', groups: [PLATFORM_ADMINS] },
          'another-secret-another-secret-another',
        ),
      /signature/,
    ],
    [
      'a token for another audience',
      () => signToken({ sub: 'root', groups: [PLATFORM_ADMINS], aud: 'argocd' }),
      /aud claim/,
    ],
    ['a token without a subject', () => signToken({ groups: [PLATFORM_ADMINS] }), /subject/],
    ['garbage', async () => 'not.a.jwt', /not valid/],
  ];
  it.each(badTokens)(
    'refuses %s with UNAUTHENTICATED and runs no resolver',
    async (_label, token, reason) => {
      const res = await hub.graphql(AUDIT, {}, await token());
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.body.errors?.[0]?.message).toMatch(reason);
    },
  );

  it('refuses a non-admin with FORBIDDEN', async () => {
    const res = await hub.graphql(AUDIT, {}, await signToken({ sub: 'dev', groups: ['team-a'] }));
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('serves the log newest first as a connection with metadata', async () => {
    const res = await hub.graphql(AUDIT, { first: 2 }, admin, { 'x-request-id': 'trace-me' });
    expect(res.headers.get('x-request-id')).toBe('trace-me');
    const log = res.body.data?.['auditLog'] as {
      edges: { cursor: string; node: Record<string, unknown> }[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
    expect(log.edges.map((e) => (e.node['data'] as { text: string }).text)).toEqual(['n5', 'n4']);
    expect(log.edges[0]?.node).toMatchObject({
      streamId: 'note-1',
      type: 'Noted',
      actor: 'bob',
      actorGroups: ['team-a'],
      tenantId: 'team-a',
      requestId: 'req-5',
      clientAddress: '192.0.2.1',
    });
    expect(log.pageInfo.hasNextPage).toBe(true);
    const next = await hub.graphql(AUDIT, { first: 10, after: log.pageInfo.endCursor }, admin);
    const rest = (next.body.data?.['auditLog'] as typeof log).edges.map(
      (e) => (e.node['data'] as { text: string }).text,
    );
    expect(rest).toEqual(['n3', 'n2', 'n1']);
  });

  it.each([
    [{ streamId: 'note-0' }, ['n2', 'n4']],
    [{ actor: 'alice' }, ['n1', 'n2', 'n3']],
    [{ tenantId: 'team-b' }, ['n2', 'n4']],
    [{ types: ['Noted'], actor: 'bob', tenantId: 'team-a' }, ['n5']],
    [{ types: ['Other'] }, []],
    [{ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' }, ['n1', 'n2', 'n3', 'n4', 'n5']],
    [{ from: '2100-01-01T00:00:00Z' }, []],
  ])('filters by %j', async (filter, texts) => {
    const res = await hub.graphql(AUDIT, { filter, order: 'OLDEST_FIRST' }, admin);
    const log = res.body.data?.['auditLog'] as { edges: { node: { data: { text: string } } }[] };
    expect(log.edges.map((e) => e.node.data.text)).toEqual(texts);
  });

  it.each([
    [{ first: 0 }, 'first', /between 1 and 500/],
    [{ first: 501 }, 'first', /between 1 and 500/],
    [{ after: 'abc' }, 'after', /cursor/],
    [
      { filter: { from: '2030-01-01T00:00:00Z', to: '2020-01-01T00:00:00Z' } },
      'filter.to',
      /later than/,
    ],
  ])('names the argument at fault: %j', async (variables, field, message) => {
    const res = await hub.graphql(AUDIT, variables, admin);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(res.body.errors?.[0]?.message).toMatch(message);
  });

  it('maps malformed queries and unknown fields to BAD_USER_INPUT', async () => {
    expect((await hub.graphql('{ health', {}, admin)).body.errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await hub.graphql('{ nope }', {}, admin)).body.errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('refuses operations past the depth and complexity limits before running them', async () => {
    const shallow = await startTestHub(db.url, {
      GRAPHQL_MAX_DEPTH: '2',
      MIGRATE_ON_START: 'false',
    });
    try {
      const depth = await shallow.graphql(
        '{ auditLog { edges { node { position } } } }',
        {},
        admin,
      );
      expect(depth.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      expect(depth.body.errors?.[0]?.message).toMatch(/exceeds maximum operation depth of 2/);
      expect((await shallow.graphql('{ health }', {}, admin)).body).toEqual({
        data: { health: 'ok' },
      });
    } finally {
      await shallow.close();
    }
    const wide = `{ a: auditLog(first: 500) { edges { node { position streamId type actor data recordedAt tenantId requestId correlationId } } }
                    b: auditLog(first: 500) { edges { node { position streamId type actor data recordedAt tenantId requestId correlationId } } } }`;
    const complexity = await hub.graphql(wide, {}, admin);
    expect(complexity.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(complexity.body.errors?.[0]?.message).toMatch(
      /complexity is \d+, above the limit of 10000/,
    );
  });
});
