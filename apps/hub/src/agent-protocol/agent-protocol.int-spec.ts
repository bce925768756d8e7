import { createPool } from '@flotilla/database';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import {
  agentCall,
  createTenants,
  FACTS,
  fleetTokens,
  heartbeat,
  issueToken,
  registerAgent,
} from '../testing/fleet-fixture';
import { startTestHub, TEST_JWT_SECRET, type TestHub } from '../testing/test-hub';
import { hubConfigSchema, parseConfig } from '@flotilla/config';
import pino from 'pino';
import { createHub } from '../hub';

const HOUR = 3600_000;
const INVALID_TOKEN = {
  error: { code: 'UNAUTHENTICATED', message: 'registration token is not valid' },
};

describe('agent protocol over HTTP', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let pool: Pool;
  let now = new Date('2026-03-01T10:00:00Z');
  let users: Awaited<ReturnType<typeof fleetTokens>>;
  const eventTypes = async (streamId: string) =>
    (
      await pool.query<{ type: string }>(
        'SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_version',
        [streamId],
      )
    ).rows.map((r) => r.type);
  // Each test registers from its own address so the failure rate limit stays per test.
  let address = 0;
  const from = () => ({ 'x-forwarded-for': `10.0.0.${++address}` });

  beforeAll(async () => {
    db = await createTestDatabase('agent-protocol');
    hub = await startTestHub(db.url, { REGISTER_FAILURES_PER_MINUTE: '5' }, { clock: () => now });
    pool = createPool(db.url, { max: 2 });
    users = await fleetTokens();
    await createTenants(hub, users.root, ['team-a', 'team-b']);
  });
  afterAll(async () => {
    await hub.close();
    await pool.end();
    await db.drop();
  });

  it('registers with a one-time token: id, credential shown once, token labels win, each use an event', async () => {
    const token = await issueToken(hub, users.alice, { tenant: 'team-a', labels: { env: 'prod' } });
    const res = await agentCall(hub, '/register', {
      token: token.value,
      name: 'eu-1',
      labels: { env: 'dev', region: 'eu' },
      facts: FACTS,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      clusterId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      tenant: 'team-a',
      name: 'eu-1',
      labels: { env: 'prod', region: 'eu' },
      credential: expect.stringMatching(/^flt_cls_[A-Za-z0-9_-]{43}$/),
      credentialExpiresAt: new Date(now.getTime() + 30 * 24 * HOUR).toISOString(),
      heartbeatIntervalSeconds: 30,
    });
    expect(await eventTypes(`registration-token-${token.id}`)).toEqual([
      'RegistrationTokenCreated',
      'RegistrationTokenUsed',
    ]);
    expect(await eventTypes(`cluster-${res.body.clusterId}`)).toEqual(['ClusterRegistered']);
    // Neither the token value nor the credential is stored anywhere, only hashes.
    const dump = await pool.query<{ t: string }>(
      `SELECT string_agg(data::text, ' ') AS t FROM events`,
    );
    expect(dump.rows[0]?.t).not.toContain(token.value);
    expect(dump.rows[0]?.t).not.toContain(res.body.credential);
  });

  it('refuses reused, expired, revoked and unknown tokens with one identical answer', async () => {
    const used = await issueToken(hub, users.alice, { tenant: 'team-a' });
    await registerAgent(hub, used.value, 'reuse-1');
    const expired = await issueToken(hub, users.alice, { tenant: 'team-a', ttlSeconds: 60 });
    const revoked = await issueToken(hub, users.alice, { tenant: 'team-a', maxUses: 5 });
    const revoke = await hub.graphql(
      'mutation($id: String!) { revokeRegistrationToken(id: $id) { status revokedBy } }',
      { id: revoked.id },
      users.alice,
    );
    expect(revoke.body.data?.['revokeRegistrationToken']).toEqual({
      status: 'Revoked',
      revokedBy: 'alice',
    });
    now = new Date(now.getTime() + 61_000);
    const answers = [];
    for (const value of [used.value, expired.value, revoked.value, 'flt_reg_unknown']) {
      const res = await agentCall(
        hub,
        '/register',
        { token: value, name: 'x-1', facts: FACTS },
        undefined,
        {
          headers: from(),
        },
      );
      answers.push({ status: res.status, body: res.body });
    }
    expect(answers).toEqual(Array(4).fill({ status: 401, body: INVALID_TOKEN }));
  });

  it('answers a retried registration whose answer was lost (same attempt id) with a new credential for the same cluster', async () => {
    const token = await issueToken(hub, users.alice, { tenant: 'team-a' });
    const attemptId = 'attempt-Qm9vYmFyYmF6cXV4MTIzNDU2';
    const body = { token: token.value, name: 'lost-1', facts: FACTS, attemptId };
    const first = await agentCall(hub, '/register', body, undefined, { headers: from() });
    expect(first.status).toBe(201);
    // The answer never reached the agent; it retries the same attempt (the token is spent now).
    const retry = await agentCall(hub, '/register', body, undefined, { headers: from() });
    expect(retry.status).toBe(201);
    expect(retry.body.clusterId).toBe(first.body.clusterId);
    expect(retry.body.credential).not.toBe(first.body.credential);
    expect(await eventTypes(`registration-token-${token.id}`)).toEqual([
      'RegistrationTokenCreated',
      'RegistrationTokenUsed',
    ]);
    expect(await eventTypes(`cluster-${first.body.clusterId}`)).toEqual([
      'ClusterRegistered',
      'ClusterCredentialRotated',
    ]);
    // Both credentials work: the first answer may have arrived after all.
    for (const credential of [first.body.credential, retry.body.credential]) {
      const hb = await agentCall(
        hub,
        '/heartbeat',
        { clusterId: first.body.clusterId, facts: FACTS, status: { state: 'Running' } },
        credential,
      );
      expect(hb.status).toBe(200);
    }
    // From the attacker's side: the spent token with another attempt id, with none, or for
    // another name gets the answer every invalid token gets.
    for (const attack of [
      { ...body, attemptId: 'attempt-b3RoZXJhdHRlbXB0aWQxMjM0' },
      { token: token.value, name: 'lost-1', facts: FACTS },
      { ...body, name: 'lost-2' },
    ]) {
      const res = await agentCall(hub, '/register', attack, undefined, { headers: from() });
      expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: INVALID_TOKEN });
    }
    // After the retry window the same attempt is refused too.
    now = new Date(now.getTime() + 16 * 60_000);
    const late = await agentCall(hub, '/register', body, undefined, { headers: from() });
    expect({ status: late.status, body: late.body }).toEqual({ status: 401, body: INVALID_TOKEN });
  });

  it('rate-limits repeated failures from one address, even with a valid token, then lets it through', async () => {
    const headers = from();
    for (let i = 0; i < 5; i++) {
      const res = await agentCall(
        hub,
        '/register',
        { token: `flt_reg_guess${i}`, name: 'g-1', facts: FACTS },
        undefined,
        { headers },
      );
      expect(res.status).toBe(401);
    }
    const good = await issueToken(hub, users.alice, { tenant: 'team-a' });
    const limited = await agentCall(
      hub,
      '/register',
      { token: good.value, name: 'g-1', facts: FACTS },
      undefined,
      { headers },
    );
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is not affected, and the limited one recovers in the next window.
    now = new Date(now.getTime() + 61_000);
    const later = await agentCall(
      hub,
      '/register',
      { token: good.value, name: 'g-1', facts: FACTS },
      undefined,
      { headers },
    );
    expect(later.status).toBe(201);
  });

  it('refuses a taken name unless the token may replace it; a replacement keeps the id and revokes the old credential', async () => {
    const first = await issueToken(hub, users.alice, { tenant: 'team-a' });
    const original = await registerAgent(hub, first.value, 'dup-1');
    const second = await issueToken(hub, users.alice, { tenant: 'team-a' });
    const taken = await agentCall(
      hub,
      '/register',
      { token: second.value, name: 'dup-1', facts: FACTS },
      undefined,
      { headers: from() },
    );
    expect(taken).toMatchObject({
      status: 409,
      body: {
        error: {
          code: 'CONFLICT',
          field: 'name',
          message: 'name: cluster dup-1 already exists in tenant team-a',
        },
      },
    });
    // The refused registration did not use up the token.
    const other = await registerAgent(hub, second.value, 'dup-2');
    expect(other.clusterId).not.toBe(original.clusterId);
    // The same name in another tenant is fine.
    const b = await issueToken(hub, users.mallory, { tenant: 'team-b' });
    await registerAgent(hub, b.value, 'dup-1');

    const reinstall = await issueToken(hub, users.alice, { tenant: 'team-a', mayReplace: true });
    const replaced = await registerAgent(hub, reinstall.value, 'dup-1');
    expect(replaced.clusterId).toBe(original.clusterId);
    expect((await heartbeat(hub, original.credential)).status).toBe(401);
    expect((await heartbeat(hub, replaced.credential)).status).toBe(200);
  });

  it('admits exactly one of many concurrent registrations with a one-time token, and one per name', async () => {
    const once = await issueToken(hub, users.alice, { tenant: 'team-a' });
    const racing = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        agentCall(
          hub,
          '/register',
          { token: once.value, name: `race-${i}`, facts: FACTS },
          undefined,
          { headers: from() },
        ),
      ),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([201, 401, 401, 401, 401, 401]);

    const many = await issueToken(hub, users.alice, { tenant: 'team-a', maxUses: 10 });
    const sameName = await Promise.all(
      Array.from({ length: 5 }, () =>
        agentCall(hub, '/register', { token: many.value, name: 'same', facts: FACTS }, undefined, {
          headers: from(),
        }),
      ),
    );
    expect(sameName.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
  });

  it('heartbeats: only changes become events; the credential decides the cluster', async () => {
    const t = await issueToken(hub, users.alice, { tenant: 'team-a', maxUses: 2 });
    const a = await registerAgent(hub, t.value, 'hb-a');
    const b = await registerAgent(hub, t.value, 'hb-b');
    for (let i = 0; i < 3; i++) {
      const res = await heartbeat(hub, a.credential);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        clusterId: a.clusterId,
        desiredRevision: 'empty',
        heartbeatIntervalSeconds: 30,
        credentialExpiresAt: expect.any(String),
      });
    }
    expect(await eventTypes(`cluster-${a.clusterId}`)).toEqual(['ClusterRegistered']);
    const upgraded = await heartbeat(hub, a.credential, {
      facts: { ...FACTS, kubernetesVersion: 'v1.30.1', nodeCount: 4 },
    });
    expect(upgraded.status).toBe(200);
    expect(await eventTypes(`cluster-${a.clusterId}`)).toEqual([
      'ClusterRegistered',
      'ClusterFactsChanged',
    ]);
    const changed = await pool.query(
      `SELECT data FROM events WHERE stream_id = $1 AND type = 'ClusterFactsChanged'`,
      [`cluster-${a.clusterId}`],
    );
    expect(changed.rows[0].data).toEqual({ kubernetesVersion: 'v1.30.1', nodeCount: 4 });

    // A's credential naming B's id is refused; nothing is recorded for B.
    const cross = await heartbeat(hub, a.credential, { clusterId: b.clusterId });
    expect(cross).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', field: 'clusterId' } },
    });
    expect(await eventTypes(`cluster-${b.clusterId}`)).toEqual(['ClusterRegistered']);
    expect((await heartbeat(hub, undefined)).status).toBe(401);
    expect((await heartbeat(hub, 'flt_cls_forged')).status).toBe(401);
    expect((await heartbeat(hub, t.value)).status).toBe(401);
  });

  it('answers bad bodies with 400 naming the field, oversized with 413, non-JSON with 415', async () => {
    const t = await issueToken(hub, users.alice, { tenant: 'team-a' });
    const c = await registerAgent(hub, t.value, 'bad-1');
    const cases: [unknown, string][] = [
      [{ facts: { ...FACTS, nodeCount: -1 }, status: { state: 'Running' } }, 'facts.nodeCount'],
      [{ facts: FACTS, status: { state: 'Sleeping' } }, 'status.state'],
      [{ facts: FACTS }, 'status'],
      [{ facts: FACTS, status: { state: 'Running' }, extra: 1 }, 'extra'],
      [
        { facts: { ...FACTS, kubernetesVersion: 'latest' }, status: { state: 'Running' } },
        'facts.kubernetesVersion',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await agentCall(hub, '/heartbeat', body, c.credential);
      expect({
        status: res.status,
        code: res.body.error.code,
        field: res.body.error.field,
      }).toEqual({
        status: 400,
        code: 'BAD_REQUEST',
        field,
      });
    }
    const register = await agentCall(
      hub,
      '/register',
      { token: 'x', name: 'n', facts: { ...FACTS, nodeCount: 'three' } },
      undefined,
      { headers: from() },
    );
    expect(register.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'facts.nodeCount' });
    const big = await agentCall(hub, '/heartbeat', null, c.credential, {
      raw: JSON.stringify({ pad: 'x'.repeat(70_000) }),
    });
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const text = await agentCall(hub, '/heartbeat', null, c.credential, {
      raw: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const broken = await agentCall(hub, '/heartbeat', null, c.credential, { raw: '{"facts": ' });
    expect(broken).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    const status = await agentCall(hub, '/status', {}, c.credential);
    expect(status.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'revision' });
    const unknown = await agentCall(hub, '/nope', {}, c.credential);
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('lets only tenant admins and platform admins manage tokens; lists never show values', async () => {
    const CREATE = `mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { value } }`;
    const LIST = `query($tenant: String!) { registrationTokens(tenant: $tenant) { totalCount edges { node { id status uses maxUses labels createdBy } } } }`;
    const REVOKE = `mutation($id: String!) { revokeRegistrationToken(id: $id) { status } }`;
    const codeOf = (res: Awaited<ReturnType<TestHub['graphql']>>) =>
      res.body.errors?.[0]?.extensions?.code ?? 'OK';
    const input = { tenant: 'team-a' };
    expect(codeOf(await hub.graphql(CREATE, { input }, users.bob))).toBe('FORBIDDEN');
    expect(codeOf(await hub.graphql(CREATE, { input }, users.vic))).toBe('FORBIDDEN');
    expect(codeOf(await hub.graphql(CREATE, { input }, users.mallory))).toBe('FORBIDDEN');
    expect(codeOf(await hub.graphql(CREATE, { input }, null))).toBe('UNAUTHENTICATED');
    expect(codeOf(await hub.graphql(CREATE, { input: { tenant: 'team-zz' } }, users.root))).toBe(
      'NOT_FOUND',
    );
    const bad = await hub.graphql(
      CREATE,
      { input: { tenant: 'team-a', ttlSeconds: 5 } },
      users.alice,
    );
    expect(bad.body.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'ttlSeconds' },
    });
    const own = await issueToken(hub, users.alice, { tenant: 'team-a', labels: { tier: 'gold' } });
    const root = await issueToken(hub, users.root, { tenant: 'team-a' });
    expect(codeOf(await hub.graphql(REVOKE, { id: own.id }, users.mallory))).toBe('NOT_FOUND');
    expect(codeOf(await hub.graphql(REVOKE, { id: own.id }, users.bob))).toBe('NOT_FOUND');
    expect(codeOf(await hub.graphql(REVOKE, { id: 'nope' }, users.alice))).toBe('NOT_FOUND');
    expect(codeOf(await hub.graphql(LIST, { tenant: 'team-a' }, users.mallory))).toBe('NOT_FOUND');
    const listed = await hub.graphql(LIST, { tenant: 'team-a' }, users.alice);
    const connection = listed.body.data?.['registrationTokens'] as {
      totalCount: number;
      edges: { node: { id: string; status: string; createdBy: string } }[];
    };
    expect(connection.edges.slice(0, 2).map((e) => e.node)).toEqual([
      { id: root.id, status: 'Active', uses: 0, maxUses: 1, labels: {}, createdBy: 'root' },
      {
        id: own.id,
        status: 'Active',
        uses: 0,
        maxUses: 1,
        labels: { tier: 'gold' },
        createdBy: 'alice',
      },
    ]);
    expect(connection.edges.map((e) => e.node.status)).toEqual(
      expect.arrayContaining(['Active', 'UsedUp', 'Revoked', 'Expired']),
    );
    expect(JSON.stringify(listed.body)).not.toContain('flt_reg_');
    // A revoked token stays revoked; revoking again changes nothing.
    expect((await hub.graphql(REVOKE, { id: own.id }, users.alice)).body.data).toEqual({
      revokeRegistrationToken: { status: 'Revoked' },
    });
    expect((await hub.graphql(REVOKE, { id: own.id }, users.root)).body.data).toEqual({
      revokeRegistrationToken: { status: 'Revoked' },
    });
  });

  it('rotates credentials: the old one works through the grace period, then stops', async () => {
    const t = await issueToken(hub, users.alice, { tenant: 'team-a' });
    const c = await registerAgent(hub, t.value, 'rot-1');
    const rotated = await agentCall(hub, '/credentials/rotate', {}, c.credential);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({
      credential: expect.stringMatching(/^flt_cls_/),
      credentialExpiresAt: new Date(now.getTime() + 30 * 24 * HOUR).toISOString(),
      previousValidUntil: new Date(now.getTime() + HOUR).toISOString(),
    });
    expect((await heartbeat(hub, rotated.body.credential)).status).toBe(200);
    expect((await heartbeat(hub, c.credential)).status).toBe(200);
    // An agent that lost a rotation answer rotates again with the old credential: it keeps working.
    const lost = await agentCall(hub, '/credentials/rotate', {}, c.credential);
    expect(lost.status).toBe(200);
    const retried = await agentCall(hub, '/credentials/rotate', {}, c.credential);
    expect(retried.status).toBe(200);
    expect(retried.body.previousValidUntil).toBe(rotated.body.previousValidUntil);
    expect((await heartbeat(hub, lost.body.credential)).status).toBe(401);
    expect((await heartbeat(hub, rotated.body.credential)).status).toBe(401);
    expect((await heartbeat(hub, c.credential)).status).toBe(200);
    rotated.body = retried.body;
    now = new Date(now.getTime() + HOUR - 1000);
    expect((await heartbeat(hub, c.credential)).status).toBe(200);
    now = new Date(now.getTime() + 1000);
    expect((await heartbeat(hub, c.credential)).status).toBe(401);
    expect((await heartbeat(hub, rotated.body.credential)).status).toBe(200);
    // An expired credential stops too: rotation is the agent's job before that.
    now = new Date(now.getTime() + 30 * 24 * HOUR);
    expect((await heartbeat(hub, rotated.body.credential)).status).toBe(401);
    expect((await agentCall(hub, '/credentials/rotate', {}, rotated.body.credential)).status).toBe(
      401,
    );
  });
});

describe('agent protocol while Postgres is unreachable', () => {
  it('answers 503 (never a false 401) until the hub can judge credentials', async () => {
    const config = parseConfig(hubConfigSchema, {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'silent',
      MIGRATE_ON_START: 'false',
    });
    const app = await createHub(config, pino({ level: 'silent' }));
    await app.listen(0, '127.0.0.1');
    try {
      const { port } = app.getHttpServer().address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/api/agent/v1/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer flt_cls_x' },
        body: JSON.stringify({ facts: FACTS, status: { state: 'Running' } }),
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
    } finally {
      await app.close();
    }
  });
});
