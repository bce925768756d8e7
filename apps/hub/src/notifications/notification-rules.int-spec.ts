import { createPool } from '@flotilla/database';
import { EventStore, ProjectionRunner } from '@flotilla/event-store';
import {
  maskEndpoint,
  notificationDispatchProjection,
  NotificationSecretStore,
} from '@flotilla/notifications';
import { flotillaEventRegistry, type FlotillaEvent } from '@flotilla/projections';
import { SecretBox } from '@flotilla/secrets';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { PG_POOL } from '../infra/tokens';
import { fleetTokens, tenantSpec } from '../testing/fleet-fixture';
import { signToken, startTestHub, type TestHub } from '../testing/test-hub';
import { MAX_RULES_PER_TENANT } from './notification-rule.service';

const RULE_FIELDS = `id tenant name eventTypes applicationSets health target { kind url }
  clusterSelector { matchLabels matchExpressions { key operator values } }
  createdAt createdBy updatedAt updatedBy`;
const CREATE = `mutation($input: CreateNotificationRuleInput!) {
  createNotificationRule(input: $input) { secret rule { ${RULE_FIELDS} } } }`;
const UPDATE = `mutation($id: ID!, $input: NotificationRuleSpecInput!) {
  updateNotificationRule(id: $id, input: $input) { ${RULE_FIELDS} } }`;
const ROTATE = `mutation($id: ID!, $secret: String) {
  rotateNotificationRuleSecret(id: $id, secret: $secret) { secret rule { id updatedBy } } }`;
const DELETE = `mutation($id: ID!) { deleteNotificationRule(id: $id) }`;
const LIST = `query($tenant: String!) { notificationRules(tenant: $tenant) { ${RULE_FIELDS} } }`;
const GET = `query($id: ID!) { notificationRule(id: $id) { ${RULE_FIELDS} } }`;
const DELIVERIES = `query($tenant: String!, $ruleId: ID, $state: NotificationDeliveryState, $first: Int!, $after: String) {
  notificationDeliveries(tenant: $tenant, ruleId: $ruleId, state: $state, first: $first, after: $after) {
    edges { cursor node { id ruleId tenant eventType position state attempts lastStatus lastError
      clusterName applicationSetName applicationName deliveredAt } }
    pageInfo { hasNextPage endCursor } } }`;

type Res = Awaited<ReturnType<TestHub['graphql']>>;
type Rule = { id: string; name: string; [field: string]: unknown };

const spec = (over: Record<string, unknown> = {}) => ({
  name: 'oncall',
  eventTypes: ['ApplicationStatusChanged', 'ClusterConnectivityChanged'],
  clusterSelector: { matchLabels: { env: 'prod' } },
  applicationSets: ['web'],
  health: ['Degraded', 'Missing'],
  target: { kind: 'Webhook', url: 'https://hooks.example.com/flotilla' },
  ...over,
});
const create = (over: Record<string, unknown> = {}) => ({ tenant: 'team-a', ...spec(over) });
const SECRETS_KEYS = `k1:${randomBytes(32).toString('base64')}`;

describe('notification rules (GraphQL, real Postgres)', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  let secrets: NotificationSecretStore;
  let users: Awaited<ReturnType<typeof fleetTokens>> & { nora: string };

  const error = (res: Res) => {
    const e = res.body.errors?.[0];
    return e ? { code: e.extensions?.['code'], field: e.extensions?.['field'] } : null;
  };
  const ok = <T>(res: Res, field: string): T => {
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data?.[field] as T;
  };
  const count = async (table: string) =>
    Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
  /** Builds the rules read model as the worker's dispatcher would (sending nothing). */
  const project = () =>
    new ProjectionRunner(
      pool,
      store,
      notificationDispatchProjection({
        enqueue: async () => undefined,
        maxEventAgeMs: 86_400_000,
        now: () => new Date(),
      }),
      null,
    ).catchUp();
  const newRule = async (over: Record<string, unknown> = {}, token = users.alice) =>
    ok<{ rule: Rule; secret: string | null }>(
      await hub.graphql(CREATE, { input: create(over) }, token),
      'createNotificationRule',
    );
  const audit = async (id: string) =>
    (
      await pool.query<{ type: string; actor: string }>(
        `SELECT type, metadata->>'actor' AS actor FROM events
          WHERE stream_id = $1 ORDER BY stream_version`,
        [`notification-rule-${id}`],
      )
    ).rows;

  beforeAll(async () => {
    db = await createTestDatabase('notification_rules');
    hub = await startTestHub(db.url, { SECRETS_KEYS });
    pool = createPool(db.url, { max: 3 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    secrets = new NotificationSecretStore(pool, new SecretBox(hub.config.SECRETS_KEYS));
    users = {
      ...(await fleetTokens()),
      nora: await signToken({ sub: 'nora', groups: ['team-a-notifiers'] }),
    };
    for (const name of ['team-a', 'team-b']) {
      const base = tenantSpec(name);
      // A role that may manage notification rules and nothing else (the new policy resource).
      const roles = [
        ...base.roles,
        {
          name: 'notifier',
          groups: [`${name}-notifiers`],
          policies: [`p, proj:${name}:notifier, notifications, *, ${name}/*, allow`],
        },
      ];
      ok(
        await hub.graphql(
          'mutation($spec: TenantSpecInput!) { createTenant(spec: $spec) { name } }',
          { spec: { ...base, roles } },
          users.root,
        ),
        'createTenant',
      );
    }
  });
  afterAll(async () => {
    await hub.close();
    await pool.end();
    await db.drop();
  });

  it('creates, lists, updates, rotates and deletes rules, recording who did it', async () => {
    const created = await newRule({ name: 'lifecycle' });
    const { rule, secret } = created;
    expect(rule).toMatchObject({
      tenant: 'team-a',
      name: 'lifecycle',
      eventTypes: ['ApplicationStatusChanged', 'ClusterConnectivityChanged'],
      clusterSelector: { matchLabels: { env: 'prod' }, matchExpressions: [] },
      applicationSets: ['web'],
      health: ['Degraded', 'Missing'],
      target: { kind: 'Webhook', url: 'https://hooks.example.com/flotilla' },
      createdBy: 'alice',
      updatedBy: 'alice',
    });
    expect(secret).toEqual(expect.stringMatching(/^[\w-]{40,}$/));
    expect(await secrets.get(rule.id)).toEqual({
      secret,
      url: 'https://hooks.example.com/flotilla',
    });

    // The read model is the worker's: nothing to list until its projection has run.
    expect(
      ok(await hub.graphql(LIST, { tenant: 'team-a' }, users.alice), 'notificationRules'),
    ).toEqual([]);
    await project();
    const listed = ok<Rule[]>(
      await hub.graphql(LIST, { tenant: 'team-a' }, users.vic),
      'notificationRules',
    );
    expect(listed).toEqual([rule]);
    expect(ok(await hub.graphql(GET, { id: rule.id }, users.vic), 'notificationRule')).toEqual(
      rule,
    );

    // A caller-chosen secret is stored, never echoed.
    const given = await newRule(
      { name: 'given', secret: 'a-shared-secret-of-32-characters' },
      users.nora,
    );
    expect(given.secret).toBeNull();
    expect((await secrets.get(given.rule.id))?.secret).toBe('a-shared-secret-of-32-characters');

    const changed = spec({
      name: 'lifecycle',
      eventTypes: ['ApplicationDriftDetected'],
      clusterSelector: {
        matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }],
      },
      applicationSets: [],
      health: [],
      target: { kind: 'Slack', url: 'https://hooks.slack.example/services/T0/B0/slack-token-1234' },
    });
    const updated = ok<Rule>(
      await hub.graphql(UPDATE, { id: rule.id, input: changed }, users.nora),
      'updateNotificationRule',
    );
    expect(updated).toMatchObject({
      id: rule.id,
      eventTypes: ['ApplicationDriftDetected'],
      clusterSelector: {
        matchLabels: {},
        matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }],
      },
      applicationSets: [],
      health: [],
      // Shown masked: the token in an incoming-webhook URL is a credential.
      target: { kind: 'Slack', url: 'https://hooks.slack.example/services/…' },
      createdBy: 'alice',
      createdAt: rule['createdAt'],
      updatedBy: 'nora',
    });
    // The URL is sealed with the secret (kept), never in the log.
    expect(await secrets.get(rule.id)).toEqual({
      secret,
      url: 'https://hooks.slack.example/services/T0/B0/slack-token-1234',
    });
    const logged = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM events WHERE data::text LIKE '%slack-token-1234%'",
    );
    expect(logged.rows[0]?.n).toBe('0');
    // The same spec again records nothing (and answers the rule as it is).
    const same = await hub.graphql(UPDATE, { id: rule.id, input: changed }, users.alice);
    expect(ok(same, 'updateNotificationRule')).toEqual(updated);

    const rotated = ok<{ secret: string; rule: Rule }>(
      await hub.graphql(ROTATE, { id: rule.id }, users.alice),
      'rotateNotificationRuleSecret',
    );
    expect(rotated.secret).toEqual(expect.stringMatching(/^[\w-]{40,}$/));
    expect(rotated.secret).not.toBe(secret);
    expect((await secrets.get(rule.id))?.secret).toBe(rotated.secret);
    const chosen = await hub.graphql(
      ROTATE,
      { id: rule.id, secret: 'another-secret-0123456789' },
      users.nora,
    );
    expect(ok(chosen, 'rotateNotificationRuleSecret')).toEqual({
      secret: null,
      rule: { id: rule.id, updatedBy: 'nora' },
    });
    expect((await secrets.get(rule.id))?.secret).toBe('another-secret-0123456789');

    await project();
    expect(
      ok(await hub.graphql(GET, { id: rule.id }, users.alice), 'notificationRule'),
    ).toMatchObject({
      eventTypes: ['ApplicationDriftDetected'],
      updatedBy: 'nora',
    });

    expect(
      ok(await hub.graphql(DELETE, { id: rule.id }, users.alice), 'deleteNotificationRule'),
    ).toBe(true);
    expect(await secrets.get(rule.id)).toBeNull();
    expect(error(await hub.graphql(DELETE, { id: rule.id }, users.alice))).toEqual({
      code: 'NOT_FOUND',
      field: undefined,
    });
    expect(
      error(await hub.graphql(UPDATE, { id: rule.id, input: changed }, users.alice))?.code,
    ).toBe('NOT_FOUND');
    await project();
    expect(ok(await hub.graphql(GET, { id: rule.id }, users.alice), 'notificationRule')).toBeNull();
    expect(
      ok<Rule[]>(
        await hub.graphql(LIST, { tenant: 'team-a' }, users.alice),
        'notificationRules',
      ).map((r) => r.name),
    ).toEqual(['given']);

    expect(await audit(rule.id)).toEqual([
      { type: 'NotificationRuleCreated', actor: 'alice' },
      { type: 'NotificationRuleUpdated', actor: 'nora' },
      { type: 'NotificationRuleSecretRotated', actor: 'alice' },
      { type: 'NotificationRuleSecretRotated', actor: 'nora' },
      { type: 'NotificationRuleDeleted', actor: 'alice' },
    ]);
    // A deleted rule frees its name.
    expect((await newRule({ name: 'lifecycle' })).rule.name).toBe('lifecycle');
  });

  it('keeps names unique per tenant among live rules', async () => {
    const first = await newRule({ name: 'unique' });
    const other = await newRule({ name: 'other' });
    const eventsBefore = await count('events');
    const again = await hub.graphql(CREATE, { input: create({ name: 'unique' }) }, users.alice);
    expect(error(again)).toEqual({ code: 'CONFLICT', field: 'input.name' });
    const rename = await hub.graphql(
      UPDATE,
      { id: other.rule.id, input: spec({ name: 'unique' }) },
      users.alice,
    );
    expect(error(rename)).toEqual({ code: 'CONFLICT', field: 'input.name' });
    expect(await count('events')).toBe(eventsBefore);
    // Concurrent creations of one name: exactly one wins.
    const race = await Promise.all(
      [1, 2, 3, 4].map(() =>
        hub.graphql(CREATE, { input: create({ name: 'raced' }) }, users.alice),
      ),
    );
    expect(race.map((r) => error(r)?.code ?? 'OK').sort()).toEqual([
      'CONFLICT',
      'CONFLICT',
      'CONFLICT',
      'OK',
    ]);
    // Another tenant may use the name; the rule may keep its own.
    await newRule({ name: 'unique', tenant: 'team-b' }, users.mallory);
    const keep = await hub.graphql(
      UPDATE,
      { id: first.rule.id, input: spec({ name: 'unique', applicationSets: ['api'] }) },
      users.alice,
    );
    expect(error(keep)).toBeNull();
  });

  it('refuses bad input naming the field, and appends or stores nothing', async () => {
    const existing = await newRule({ name: 'valid' });
    const before = { events: await count('events'), secrets: await count('notification_secrets') };
    const cases: [Record<string, unknown>, string, string, RegExp?][] = [
      [
        create({ eventTypes: ['ApplicationStatusChanged', 'ClusterRegistered', 'Foo'] }),
        'BAD_USER_INPUT',
        'input.eventTypes[2]',
        /^input\.eventTypes\[2\]: unknown event type "Foo"; one of .*ApplicationStatusChanged/,
      ],
      [
        create({ eventTypes: ['NotificationRuleCreated'] }),
        'BAD_USER_INPUT',
        'input.eventTypes[0]',
      ],
      [create({ eventTypes: [] }), 'BAD_USER_INPUT', 'input.eventTypes'],
      [
        create({ eventTypes: ['ClusterRegistered', 'ClusterRegistered'] }),
        'BAD_USER_INPUT',
        'input.eventTypes[1]',
      ],
      [create({ name: 'Not_A_Label' }), 'BAD_USER_INPUT', 'input.name'],
      [
        create({ applicationSets: ['web', 'Bad Name'] }),
        'BAD_USER_INPUT',
        'input.applicationSets[1]',
      ],
      [create({ health: ['Healthy', 'Healthy'] }), 'BAD_USER_INPUT', 'input.health[1]'],
      [
        create({
          clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Near', values: ['x'] }] },
        }),
        'BAD_USER_INPUT',
        'input.clusterSelector.matchExpressions[0].operator',
      ],
      [
        create({ clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In' }] } }),
        'BAD_USER_INPUT',
        'input.clusterSelector.matchExpressions[0].values',
      ],
      [
        create({ clusterSelector: { matchLabels: { 'bad key!': 'x' } } }),
        'BAD_USER_INPUT',
        'input.clusterSelector.matchLabels["bad key!"]',
      ],
      [
        create({ target: { kind: 'Webhook', url: 'ftp://hooks.example.com/x' } }),
        'BAD_USER_INPUT',
        'input.target.url',
      ],
      [
        create({ target: { kind: 'Webhook', url: 'not a url' } }),
        'BAD_USER_INPUT',
        'input.target.url',
      ],
      [
        create({ target: { kind: 'Webhook', url: 'https://user:pw@hooks.example.com/x' } }),
        'BAD_USER_INPUT',
        'input.target.url',
      ],
      [create({ secret: 'too-short' }), 'BAD_USER_INPUT', 'input.secret'],
      [create({ tenant: 'no-such-tenant' }), 'NOT_FOUND', 'input.tenant'],
    ];
    for (const [input, code, field, message] of cases) {
      const res = await hub.graphql(CREATE, { input }, users.root);
      expect({ input, ...error(res) }).toEqual({ input, code, field });
      if (message) expect(res.body.errors?.[0]?.message).toMatch(message);
    }
    const { tenant: _tenant, ...bad } = create({ eventTypes: ['Foo'] });
    expect(
      error(await hub.graphql(UPDATE, { id: existing.rule.id, input: bad }, users.alice)),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.eventTypes[0]',
    });
    expect(
      error(await hub.graphql(ROTATE, { id: existing.rule.id, secret: 'short' }, users.alice)),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'secret' });
    for (const first of [0, 501]) {
      const res = await hub.graphql(DELIVERIES, { tenant: 'team-a', first }, users.alice);
      expect(error(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    }
    const cursor = await hub.graphql(
      DELIVERIES,
      { tenant: 'team-a', first: 1, after: 'x' },
      users.alice,
    );
    expect(error(cursor)).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    expect({ events: await count('events'), secrets: await count('notification_secrets') }).toEqual(
      before,
    );
    expect((await secrets.get(existing.rule.id))?.secret).toBe(existing.secret);
  });

  it('seals secrets at rest and never returns them from queries', async () => {
    const { rule, secret } = await newRule({ name: 'sealed' });
    const chosen = 'a-chosen-secret-that-must-not-leak';
    await hub.graphql(ROTATE, { id: rule.id, secret: chosen }, users.alice);
    await project();
    const stored = await pool.query<{ sealed: string; key_id: string }>(
      'SELECT sealed, key_id FROM notification_secrets WHERE rule_id = $1',
      [rule.id],
    );
    expect(stored.rows).toEqual([{ sealed: expect.any(String), key_id: 'k1' }]);
    const everything = await pool.query<{ t: string }>(
      `SELECT (SELECT string_agg(sealed || rule_id::text, ' ') FROM notification_secrets) || ' ' ||
              (SELECT string_agg(data::text || metadata::text, ' ') FROM events) AS t`,
    );
    for (const plaintext of [secret!, chosen]) {
      expect(everything.rows[0]?.t).not.toContain(plaintext);
      expect(everything.rows[0]?.t).not.toContain(Buffer.from(plaintext).toString('base64'));
    }
    const reads = [
      await hub.graphql(LIST, { tenant: 'team-a' }, users.alice),
      await hub.graphql(GET, { id: rule.id }, users.alice),
      await hub.graphql(
        `query($id: ID!) { notificationRule(id: $id) { id deliveries(first: 5) { edges { cursor } } } }`,
        { id: rule.id },
        users.alice,
      ),
    ];
    for (const res of reads) expect(JSON.stringify(res.body)).not.toContain(chosen);
    const type = await hub.graphql(
      '{ __type(name: "NotificationRule") { fields { name } } }',
      {},
      users.alice,
    );
    const fields = (type.body.data?.['__type'] as { fields: { name: string }[] }).fields;
    expect(fields.map((f) => f.name).filter((n) => /secret/i.test(n))).toEqual([]);
  });

  it("keeps tenants apart, from the attacker's side", async () => {
    const victim = await newRule({ name: 'victim' });
    const id = victim.rule.id;
    await project();
    const before = { events: await count('events'), secrets: await count('notification_secrets') };
    const missing = randomUUID();
    const hide = (res: Res, ruleId: string) => ({
      ...error(res),
      message: res.body.errors?.[0]?.message.replace(ruleId, '<id>'),
    });

    // mallory administers team-b; bob deploys in team-a without the notifications grant.
    for (const token of [users.mallory, users.bob]) {
      expect(error(await hub.graphql(LIST, { tenant: 'team-a' }, token))).toEqual({
        code: 'NOT_FOUND',
        field: 'tenant',
      });
      expect(ok(await hub.graphql(GET, { id }, token), 'notificationRule')).toBeNull();
      expect(ok(await hub.graphql(GET, { id: missing }, token), 'notificationRule')).toBeNull();
      expect(
        ok(await hub.graphql(GET, { id: 'not-a-uuid' }, token), 'notificationRule'),
      ).toBeNull();
      for (const [query, vars] of [
        [UPDATE, { input: spec({ name: 'pwned' }) }],
        [ROTATE, { secret: 'attacker-chosen-secret-000' }],
        [ROTATE, {}],
        [DELETE, {}],
      ] as const) {
        const hidden = await hub.graphql(query, { ...vars, id }, token);
        const absent = await hub.graphql(query, { ...vars, id: missing }, token);
        expect(hide(hidden, id)).toEqual(hide(absent, missing));
        expect(error(hidden)?.code).toBe('NOT_FOUND');
      }
      const deliveries = await hub.graphql(DELIVERIES, { tenant: 'team-a', first: 5 }, token);
      expect(error(deliveries)).toEqual({ code: 'NOT_FOUND', field: 'tenant' });
      const intoA = await hub.graphql(CREATE, { input: create({ name: 'planted' }) }, token);
      const intoNowhere = await hub.graphql(
        CREATE,
        { input: create({ name: 'planted', tenant: 'no-such-tenant' }) },
        token,
      );
      expect(hide(intoA, 'team-a')).toEqual(hide(intoNowhere, 'no-such-tenant'));
      expect(error(intoA)).toEqual({ code: 'NOT_FOUND', field: 'input.tenant' });
    }
    // mallory's own tenant shows nothing of team-a's, even when she names its rule.
    const own = await hub.graphql(
      DELIVERIES,
      { tenant: 'team-b', ruleId: id, first: 5 },
      users.mallory,
    );
    expect(ok(own, 'notificationDeliveries')).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    });
    const names = ok<Rule[]>(
      await hub.graphql(LIST, { tenant: 'team-b' }, users.mallory),
      'notificationRules',
    );
    expect(names.every((r) => r.tenant === 'team-b')).toBe(true);

    // vic views team-a: may read rules, not change them.
    expect(ok(await hub.graphql(GET, { id }, users.vic), 'notificationRule')).toMatchObject({ id });
    for (const [query, vars] of [
      [CREATE, { input: create({ name: 'by-viewer' }) }],
      [UPDATE, { id, input: spec({ name: 'victim', applicationSets: [] }) }],
      [ROTATE, { id }],
      [DELETE, { id }],
    ] as const) {
      expect(error(await hub.graphql(query, vars, users.vic))?.code).toBe('FORBIDDEN');
    }

    expect({ events: await count('events'), secrets: await count('notification_secrets') }).toEqual(
      before,
    );
    expect((await secrets.get(id))?.secret).toBe(victim.secret);
    expect(ok(await hub.graphql(GET, { id }, users.root), 'notificationRule')).toEqual(victim.rule);
  });

  it('refuses private and link-local targets unless NOTIFY_ALLOW_PRIVATE_NETWORKS is true', async () => {
    const urls = [
      'http://127.0.0.1:8080/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://10.1.2.3/hook',
    ];
    const target = (url: string) => ({ kind: 'Webhook', url });
    const existing = await newRule({ name: 'public' });
    const eventsBefore = await count('events');
    for (const url of urls) {
      const res = await hub.graphql(
        CREATE,
        { input: create({ name: 'inside', target: target(url) }) },
        users.alice,
      );
      expect({ url, ...error(res) }).toEqual({
        url,
        code: 'BAD_USER_INPUT',
        field: 'input.target.url',
      });
      expect(res.body.errors?.[0]?.message).toMatch(
        /private address.*NOTIFY_ALLOW_PRIVATE_NETWORKS/,
      );
      const moved = await hub.graphql(
        UPDATE,
        { id: existing.rule.id, input: spec({ name: 'public', target: target(url) }) },
        users.alice,
      );
      expect(error(moved)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.target.url' });
    }
    expect(await count('events')).toBe(eventsBefore);

    const permissive = await startTestHub(db.url, {
      SECRETS_KEYS,
      NOTIFY_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    try {
      for (const [i, url] of urls.entries()) {
        const res = await permissive.graphql(
          CREATE,
          { input: create({ name: `inside-${i}`, target: target(url) }) },
          users.alice,
        );
        expect(ok<{ rule: Rule }>(res, 'createNotificationRule').rule['target']).toEqual(
          target(maskEndpoint(url)),
        );
      }
    } finally {
      await permissive.close();
    }
  });

  it('refuses to create or rotate without SECRETS_KEYS, with a hint', async () => {
    const { rule } = await newRule({ name: 'keyed' });
    const keyless = await startTestHub(db.url);
    try {
      const eventsBefore = await count('events');
      const res = await keyless.graphql(
        CREATE,
        { input: create({ name: 'keyless' }) },
        users.alice,
      );
      expect(error(res)?.code).toBe('UNAVAILABLE');
      expect(res.body.errors?.[0]?.message).toMatch(/SECRETS_KEYS/);
      const rotate = await keyless.graphql(ROTATE, { id: rule.id }, users.alice);
      expect(error(rotate)?.code).toBe('UNAVAILABLE');
      expect(await count('events')).toBe(eventsBefore);
    } finally {
      await keyless.close();
    }
  });

  it('pages deliveries newest first, filtered, with one statement per list', async () => {
    const one = await newRule({ name: 'deliveries-one' });
    const two = await newRule({ name: 'deliveries-two' });
    const theirs = await newRule({ name: 'deliveries-b', tenant: 'team-b' }, users.mallory);
    await project();
    const insert = (
      ruleId: string,
      tenant: string,
      position: number,
      state: string,
      eventId = randomUUID(),
    ) =>
      pool.query(
        `INSERT INTO notification_deliveries
           (id, rule_id, tenant, event_id, event_type, global_position, subject, state, attempts,
            last_status, last_error, delivered_at)
         VALUES ($1, $2, $3, $4, 'ApplicationStatusChanged', $5, $6, $7, $8, $9, $10, $11)`,
        [
          randomUUID(),
          ruleId,
          tenant,
          eventId,
          position,
          JSON.stringify({
            cluster: { id: 'c1', name: `east-${position}`, labels: { env: 'prod' } },
            applicationSet: { id: randomUUID(), name: 'web' },
            application: { id: randomUUID(), name: `web-east-${position}` },
          }),
          state,
          state === 'Pending' ? 0 : 1,
          state === 'Failed' ? 404 : state === 'Delivered' ? 200 : null,
          state === 'Failed' ? 'the endpoint answered 404' : null,
          state === 'Delivered' ? new Date() : null,
        ],
      );
    // One event delivered by both rules (same position), others by one.
    const shared = randomUUID();
    await insert(one.rule.id, 'team-a', 1_000_001, 'Delivered', shared);
    await insert(two.rule.id, 'team-a', 1_000_001, 'Delivered', shared);
    await insert(one.rule.id, 'team-a', 1_000_002, 'Failed');
    await insert(one.rule.id, 'team-a', 1_000_003, 'Pending');
    await insert(two.rule.id, 'team-a', 1_000_004, 'Delivered');
    await insert(theirs.rule.id, 'team-b', 1_000_005, 'Delivered');

    type Page = {
      edges: { cursor: string; node: Record<string, unknown> }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    const page = async (vars: Record<string, unknown>) =>
      ok<Page>(
        await hub.graphql(DELIVERIES, { tenant: 'team-a', first: 50, ...vars }, users.vic),
        'notificationDeliveries',
      );

    const all = await page({});
    expect(all.edges.map((e) => e.node['position'])).toEqual([
      '1000004',
      '1000003',
      '1000002',
      '1000001',
      '1000001',
    ]);
    expect(all.edges[2]?.node).toMatchObject({
      ruleId: one.rule.id,
      tenant: 'team-a',
      eventType: 'ApplicationStatusChanged',
      state: 'Failed',
      attempts: 1,
      lastStatus: 404,
      lastError: 'the endpoint answered 404',
      clusterName: 'east-1000002',
      applicationSetName: 'web',
      applicationName: 'web-east-1000002',
      deliveredAt: null,
    });
    // Pages of two cover the same rows, in order, without repeats (the shared position too).
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const p: Page = await page({ first: 2, after });
      seen.push(...p.edges.map((e) => e.node['id'] as string));
      after = p.pageInfo.endCursor;
      if (!p.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(all.edges.map((e) => e.node['id']));
    expect((await page({ state: 'Delivered' })).edges.map((e) => e.node['position'])).toEqual([
      '1000004',
      '1000001',
      '1000001',
    ]);
    expect((await page({ ruleId: one.rule.id })).edges.map((e) => e.node['position'])).toEqual([
      '1000003',
      '1000002',
      '1000001',
    ]);

    // Each rule's deliveries field, for the whole list: one statement, not one per rule.
    const hubPool = hub.app.get<Pool>(PG_POOL);
    const spy = jest.spyOn(hubPool, 'query');
    let listed: (Rule & { deliveries: Page })[];
    try {
      listed = ok(
        await hub.graphql(
          `query($tenant: String!) { notificationRules(tenant: $tenant) {
            id name deliveries(first: 2, state: Delivered) {
              edges { node { position ruleId } } pageInfo { hasNextPage } } } }`,
          { tenant: 'team-a' },
          users.alice,
        ),
        'notificationRules',
      );
      const statements = spy.mock.calls.filter((c) =>
        String(c[0]).includes('notification_deliveries'),
      );
      expect(statements).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
    const byName = new Map(listed.map((r) => [r.name, r.deliveries]));
    expect(byName.get('deliveries-one')?.edges.map((e) => e.node['position'])).toEqual(['1000001']);
    expect(byName.get('deliveries-two')).toEqual({
      edges: [
        { node: { position: '1000004', ruleId: two.rule.id } },
        { node: { position: '1000001', ruleId: two.rule.id } },
      ],
      pageInfo: { hasNextPage: false },
    });
    for (const [name, deliveries] of byName)
      if (!name.startsWith('deliveries-'))
        expect({ name, edges: deliveries.edges }).toEqual({ name, edges: [] });
  });

  it('refuses a rule over the per-tenant bound, naming the tenant', async () => {
    const fake = Array.from({ length: MAX_RULES_PER_TENANT }, () => randomUUID());
    await pool.query(
      `INSERT INTO notification_secrets (rule_id, tenant, sealed, key_id)
       SELECT id, 'team-b', 'x', 'k1' FROM unnest($1::uuid[]) AS id`,
      [fake],
    );
    try {
      const res = await hub.graphql(
        CREATE,
        { input: { ...create({ name: 'one-too-many' }), tenant: 'team-b' } },
        users.root,
      );
      expect(error(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.tenant' });
    } finally {
      await pool.query('DELETE FROM notification_secrets WHERE rule_id = ANY($1::uuid[])', [fake]);
    }
  });
});
