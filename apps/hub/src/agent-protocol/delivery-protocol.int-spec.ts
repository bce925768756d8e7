import type { StatusRequest } from '@flotilla/contracts';
import { createPool } from '@flotilla/database';
import {
  applicationDigest,
  applicationId,
  applicationStream,
  deliveryStream,
  type ApplicationEvent,
  type ApplicationMetadata,
  type DeliveryEvent,
  type JsonObjectValue,
} from '@flotilla/domain';
import { EventStore, ProjectionRunner, type Projection } from '@flotilla/event-store';
import {
  deliveriesProjection,
  flotillaEventRegistry,
  type FlotillaEvent,
} from '@flotilla/projections';
import { createTestDatabase, type TestDatabase } from '@flotilla/testing';
import type { Pool } from 'pg';
import {
  agentCall,
  createTenants,
  fleetTokens,
  heartbeat,
  issueToken,
  registerAgent,
} from '../testing/fleet-fixture';
import { startTestHub, type TestHub } from '../testing/test-hub';

const SET = '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const META: ApplicationMetadata = { labels: {}, annotations: {}, finalizers: [] };
const SPEC: JsonObjectValue = {
  project: 'default',
  source: { repoURL: 'https://git.example/apps.git', targetRevision: 'main', path: 'web' },
  destination: { server: 'https://10.0.0.1', namespace: 'web' },
  syncPolicy: { automated: { prune: true } },
};
const COMMIT = 'c'.repeat(40);
const bundleOf = (n: number) => String(n).repeat(64).slice(0, 64);

describe('delivery over the agent protocol', () => {
  let db: TestDatabase;
  let hub: TestHub;
  let pool: Pool;
  let store: EventStore<FlotillaEvent>;
  let east: { clusterId: string; credential: string };
  let west: { clusterId: string; credential: string };
  let eastApp: string;
  let westApp: string;
  const projection = deliveriesProjection as unknown as Projection<FlotillaEvent>;
  const catchUp = () => new ProjectionRunner(pool, store, projection, null).catchUp();
  const get = (path: string, credential?: string, headers: Record<string, string> = {}) =>
    agentCall(hub, path, null, credential, { method: 'GET', headers });

  const putBundle = (id: string, name: string) =>
    pool.query(
      `INSERT INTO bundles (id, manifests, object_count, size_bytes) VALUES ($1, $2, 1, 100)
       ON CONFLICT DO NOTHING`,
      [id, JSON.stringify([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }])],
    );
  const render = async (app: string, clusterId: string, bundleId: string) => {
    const event: DeliveryEvent = {
      type: 'ApplicationRendered',
      data: {
        clusterId,
        digest: applicationDigest(SPEC, META),
        targetRevision: 'main',
        commit: COMMIT,
        bundleId,
        sourceType: 'Directory',
        objectCount: 1,
        namespace: 'web',
        prune: true,
        selfHeal: false,
      },
    };
    await store.append(deliveryStream(app), 'any', [event], { actor: 't', tenantId: 'team-a' });
  };
  const createApp = async (name: string, clusterId: string, bundleId: string) => {
    const id = applicationId(SET, name);
    const created: ApplicationEvent = {
      type: 'ApplicationCreated',
      data: {
        applicationSetId: SET,
        tenant: 'team-a',
        name,
        clusterId,
        namespace: 'web',
        project: 'default',
        spec: SPEC,
        metadata: META,
        digest: applicationDigest(SPEC, META),
      },
    };
    await store.append(applicationStream(id), 'no_stream', [created], {
      actor: 't',
      tenantId: 'team-a',
    });
    await putBundle(bundleId, name);
    await render(id, clusterId, bundleId);
    return id;
  };
  const status = (id: string, over: Partial<StatusRequest['applications'][number]> = {}) => ({
    id,
    commit: COMMIT,
    bundleId: bundleOf(1),
    sync: 'Synced',
    health: 'Healthy',
    message: '',
    resourceCount: 1,
    problems: [],
    drift: [],
    driftCorrected: false,
    observedAt: new Date().toISOString(),
    ...over,
  });
  const eventCount = async () =>
    Number((await pool.query('SELECT count(*) AS n FROM events')).rows[0].n);

  beforeAll(async () => {
    db = await createTestDatabase('delivery_protocol');
    hub = await startTestHub(db.url);
    pool = createPool(db.url, { max: 3 });
    store = new EventStore<FlotillaEvent>(pool, flotillaEventRegistry());
    const users = await fleetTokens();
    await createTenants(hub, users.root, ['team-a']);
    const token = await issueToken(hub, users.alice, { tenant: 'team-a', maxUses: 5 });
    east = await registerAgent(hub, token.value, 'east');
    west = await registerAgent(hub, token.value, 'west');
    eastApp = await createApp('east-web', east.clusterId, bundleOf(1));
    westApp = await createApp('west-web', west.clusterId, bundleOf(2));
    await catchUp();
  });
  afterAll(async () => {
    await hub.close();
    await pool.end();
    await db.drop();
  });

  it('serves the cluster its own desired state, and the heartbeat names its revision', async () => {
    const res = await get('/desired', east.credential);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      clusterId: east.clusterId,
      revision: expect.any(String),
      applications: [
        {
          id: eastApp,
          name: 'east-web',
          namespace: 'web',
          bundleId: bundleOf(1),
          commit: COMMIT,
          prune: true,
          selfHeal: false,
        },
      ],
      removals: [],
    });
    const beat = await heartbeat(hub, east.credential);
    expect(beat.body.desiredRevision).toBe(res.body.revision);
    // A cluster with nothing to run has a revision too, and an empty state.
    const token = await issueToken(hub, (await fleetTokens()).alice, { tenant: 'team-a' });
    const idle = await registerAgent(hub, token.value, 'idle');
    const empty = await get('/desired', idle.credential);
    expect(empty.body).toMatchObject({ applications: [], removals: [] });
    expect((await heartbeat(hub, idle.credential)).body.desiredRevision).toBe(empty.body.revision);
  });

  it('answers 304 when nothing changed, and wakes a held long-poll as soon as the state changes', async () => {
    const first = await get('/desired', east.credential);
    const revision = first.body.revision as string;
    const same = await get(`/desired?revision=${revision}&waitSeconds=0`, east.credential);
    expect(same.status).toBe(304);
    const held = get(`/desired?revision=${revision}&waitSeconds=30`, east.credential);
    await new Promise((r) => setTimeout(r, 200));
    await putBundle(bundleOf(3), 'east-web-v2');
    await render(eastApp, east.clusterId, bundleOf(3));
    await catchUp();
    const woken = await held;
    // Had the wait not been woken, it would have answered 304 after 30 s.
    expect(woken.status).toBe(200);
    expect(woken.body.revision).not.toBe(revision);
    expect(woken.body.applications[0].bundleId).toBe(bundleOf(3));
    // Heartbeats name revisions from memory; the same notice that woke the poll renewed it.
    expect((await heartbeat(hub, east.credential)).body.desiredRevision).toBe(woken.body.revision);
  });

  it('checks the query, naming the field', async () => {
    const res = await get('/desired?waitSeconds=600', east.credential);
    expect(res).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', field: 'waitSeconds' } },
    });
    expect((await get('/desired?extra=1', east.credential)).body.error.field).toBe('extra');
  });

  it('serves bundles with an ETag and 304, and only to a cluster whose Application runs them', async () => {
    const own = await get(`/bundles/${bundleOf(3)}`, east.credential);
    expect(own.status).toBe(200);
    expect(own.body).toEqual({
      id: bundleOf(3),
      objectCount: 1,
      manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'east-web-v2' } }],
    });
    expect(own.headers.get('etag')).toBe(`"${bundleOf(3)}"`);
    expect(own.headers.get('cache-control')).toContain('immutable');
    const cached = await get(`/bundles/${bundleOf(3)}`, east.credential, {
      'if-none-match': `"${bundleOf(3)}"`,
    });
    expect(cached.status).toBe(304);
    // The attacker's side: west's bundle, east's replaced bundle, one that does not exist.
    const theirs = await get(`/bundles/${bundleOf(2)}`, east.credential);
    const replaced = await get(`/bundles/${bundleOf(1)}`, east.credential);
    const none = await get(`/bundles/${bundleOf(9)}`, east.credential);
    for (const [res, id] of [
      [theirs, bundleOf(2)],
      [replaced, bundleOf(1)],
      [none, bundleOf(9)],
    ] as const) {
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(
        `bundleId: no bundle ${id} among this cluster's Applications; fetch /desired again`,
      );
    }
    // Even with its ETag, another cluster's bundle is not confirmed to exist.
    expect(
      (
        await get(`/bundles/${bundleOf(2)}`, east.credential, {
          'if-none-match': `"${bundleOf(2)}"`,
        })
      ).status,
    ).toBe(404);
    expect((await get(`/bundles/${bundleOf(2)}`, west.credential)).status).toBe(200);
    expect((await get('/bundles/..%2F..%2Fetc', east.credential)).body.error.field).toBe(
      'bundleId',
    );
  });

  it('refuses every delivery call without a valid credential', async () => {
    for (const path of ['/desired', `/bundles/${bundleOf(3)}`]) {
      expect((await get(path)).status).toBe(401);
      expect((await get(path, 'flt_cls_forged')).status).toBe(401);
    }
    const post = await agentCall(hub, '/status', { revision: null, applications: [], removed: [] });
    expect(post.status).toBe(401);
  });

  it('records a status report once, and refuses one about another cluster without recording anything', async () => {
    const body = { revision: null, applications: [status(eastApp)], removed: [] };
    const first = await agentCall(hub, '/status', body, east.credential);
    expect(first).toMatchObject({ status: 200, body: { accepted: 1, eventsAppended: 1 } });
    const again = await agentCall(hub, '/status', body, east.credential);
    expect(again.body).toEqual({ accepted: 1, eventsAppended: 0 });
    const last = (await store.readStream(deliveryStream(eastApp))).at(-1);
    expect(last?.type).toBe('ApplicationStatusChanged');
    expect(last?.metadata.actor).toBe(`cluster:${east.clusterId}`);

    const before = await eventCount();
    const attack = await agentCall(
      hub,
      '/status',
      {
        revision: null,
        applications: [status(eastApp, { health: 'Degraded' }), status(westApp)],
        removed: [],
      },
      east.credential,
    );
    expect(attack).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', field: 'applications[1].id' } },
    });
    const removal = await agentCall(
      hub,
      '/status',
      {
        revision: null,
        applications: [],
        removed: [
          { id: westApp, removed: 1, preserved: false, observedAt: new Date().toISOString() },
        ],
      },
      east.credential,
    );
    expect(removal.body.error.field).toBe('removed[0].id');
    expect(await eventCount()).toBe(before);
    const bad = await agentCall(
      hub,
      '/status',
      { revision: null, applications: [{ ...status(eastApp), health: 'Great' }], removed: [] },
      east.credential,
    );
    expect(bad.body.error).toMatchObject({ code: 'BAD_REQUEST', field: 'applications[0].health' });
  });

  it('takes status bodies up to 4 MiB (over the 64 KiB of other calls), refusing larger ones before parsing', async () => {
    const problems = Array.from({ length: 100 }, (_, i) => ({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'web',
      name: `web-${i}`,
      sync: 'OutOfSync',
      health: 'Degraded',
      message: 'x'.repeat(1000),
    })) as StatusRequest['applications'][number]['problems'];
    const big = { revision: null, applications: [status(eastApp, { problems })], removed: [] };
    expect(JSON.stringify(big).length).toBeGreaterThan(64 * 1024);
    const ok = await agentCall(hub, '/status', big, east.credential);
    expect(ok).toMatchObject({ status: 200, body: { accepted: 1, eventsAppended: 1 } });
    const huge = await agentCall(hub, '/status', null, east.credential, {
      raw: JSON.stringify({ pad: 'x'.repeat(4 * 1024 * 1024 + 10) }),
    });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const heartbeatPad = await agentCall(hub, '/heartbeat', null, east.credential, {
      raw: JSON.stringify({ pad: 'x'.repeat(70_000) }),
    });
    expect(heartbeatPad.status).toBe(413);
  });

  it('ends held long-polls when the hub shuts down, so it stops at once', async () => {
    const other = await startTestHub(db.url);
    const revision = (await get('/desired', east.credential)).body.revision as string;
    const held = fetch(`${other.url}/api/agent/v1/desired?revision=${revision}&waitSeconds=60`, {
      headers: { authorization: `Bearer ${east.credential}` },
    }).then(
      (r) => r.status,
      () => 'closed',
    );
    await new Promise((r) => setTimeout(r, 300));
    await other.close();
    // Answered (304) or cut; either way not left hanging for the minute.
    expect([304, 'closed']).toContain(await held);
  });
});
